import { redirect } from '@sveltejs/kit';
import { backupFileName, backupStream, dataPaths } from '$lib/server/backup';
import { dialectOf, getDb } from '$lib/server/db/client';
import { requireAdmin } from '$lib/server/guards';
import { log } from '$lib/server/log';
import type { RequestHandler } from './$types';

/**
 * The same archive as `npm run backup`, made while it is sent: the database is copied from the
 * server's own connection in small steps, so workshops go on meanwhile.
 */
export const GET: RequestHandler = ({ locals }) => {
	const admin = requireAdmin(locals);
	// The archive copies the SQLite file: a PostgreSQL database is backed up with pg_dump, which the page explains.
	if (dialectOf(getDb()) === 'postgres') redirect(303, '/admin/backup');
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
