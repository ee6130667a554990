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
	const chunks = archive[Symbol.asyncIterator]();
	const body = new ReadableStream<Uint8Array>({
		async pull(controller) {
			const next = await chunks.next();
			if (next.done) controller.close();
			else controller.enqueue(next.value as Buffer);
		},
		// The administrator cancelled the download: stop copying (the temporary copy is removed).
		cancel() {
			archive.destroy();
		}
	});
	return new Response(body, {
		headers: {
			'content-type': 'application/gzip',
			'content-disposition': `attachment; filename="${backupFileName()}"`,
			'cache-control': 'no-store'
		}
	});
};
