import { error } from '@sveltejs/kit';
import { sealedReportFile } from '$lib/server/commitments/laporan-kemajuan';
import { getDb } from '$lib/server/db/client';
import { requireForumRole } from '$lib/server/guards';
import { translate } from '$lib/i18n/translate';
import type { RequestHandler } from './$types';

/** An archived sealed report, byte for byte as it was sealed. */
export const GET: RequestHandler = async ({ locals, params }) => {
	const db = getDb();
	const { forum } = await requireForumRole(db, locals, Number(params.forumId));
	const file = await sealedReportFile(db, forum.id, Number(params.reportId));
	if (!file) error(404, translate(locals.locale, 'error.notFound'));
	return new Response(new Uint8Array(file.pdf), {
		headers: { 'content-type': 'application/pdf', 'content-disposition': `attachment; filename="${file.filename}"`, 'cache-control': 'no-store' }
	});
};
