import { commitmentsXlsx, exportContext } from '$lib/server/commitment-export';
import { getDb } from '$lib/server/db/client';
import type { RequestHandler } from './$types';

export const GET: RequestHandler = async ({ locals, params, url }) => {
	const db = getDb();
	const { forum, programmeId, selection, stem } = await exportContext(db, locals, params.forumId, url, 'komitmen');
	const xlsx = await commitmentsXlsx(db, forum.id, programmeId, locals.locale, selection);
	return new Response(new Uint8Array(xlsx), {
		headers: {
			'content-type': 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
			'content-disposition': `attachment; filename="${stem}.xlsx"`,
			'cache-control': 'no-store'
		}
	});
};
