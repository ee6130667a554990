import { commitmentsCsv, exportContext } from '$lib/server/commitment-export';
import { getDb } from '$lib/server/db/client';
import type { RequestHandler } from './$types';

export const GET: RequestHandler = async ({ locals, params, url }) => {
	const db = getDb();
	const { forum, programmeId, selection, stem } = await exportContext(db, locals, params.forumId, url, 'komitmen');
	return new Response(await commitmentsCsv(db, forum.id, programmeId, locals.locale, selection), {
		headers: { 'content-type': 'text/csv; charset=utf-8', 'content-disposition': `attachment; filename="${stem}.csv"`, 'cache-control': 'no-store' }
	});
};
