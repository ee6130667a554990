import { Readable } from 'node:stream';
import { backupFileName, backupStream, dataPaths } from '$lib/server/backup';
import { getDb } from '$lib/server/db/client';
import { requireAdmin } from '$lib/server/guards';
import { log } from '$lib/server/log';
import type { RequestHandler } from './$types';

/**
 * The same archive as `npm run backup`, made while it is sent: the database is copied from the
 * server's own connection in small steps, so workshops go on meanwhile.
 */
export const GET: RequestHandler = ({ locals }) => {
	const admin = requireAdmin(locals);
	log('info', 'backup.download', { user: admin.id });
	const archive = backupStream(getDb().$client, dataPaths());
	return new Response(Readable.toWeb(archive) as ReadableStream<Uint8Array>, {
		headers: {
			'content-type': 'application/gzip',
			'content-disposition': `attachment; filename="${backupFileName()}"`,
			'cache-control': 'no-store'
		}
	});
};
