import { error } from '@sveltejs/kit';
import { getDb } from '$lib/server/db/client';
import { getForum } from '$lib/server/forums';
import { letterheadPreview } from '$lib/server/forums/letterhead';
import { requireAdmin } from '$lib/server/guards';
import { publicBaseUrl } from '$lib/server/network';
import { renderMinutesPdf } from '$lib/server/pdf/render-minutes';
import { translate } from '$lib/i18n/translate';
import type { RequestHandler } from './$types';

/** A sample berita acara in the forum's identity, rendered like the real one but never sealed. */
export const GET: RequestHandler = async ({ locals, params, url }) => {
	requireAdmin(locals);
	const db = getDb();
	const id = Number(params.forumId);
	const forum = Number.isInteger(id) ? await getForum(db, id) : null;
	if (!forum) error(404, translate(locals.locale, 'error.notFound'));
	const pdf = await renderMinutesPdf(await letterheadPreview(db, forum, publicBaseUrl(url).url));
	const slug = forum.shortName.toLowerCase().replace(/[^a-z0-9]+/g, '-') || 'forum';
	return new Response(Buffer.from(pdf), {
		headers: {
			'content-type': 'application/pdf',
			'content-disposition': `attachment; filename="contoh-kop-${slug}.pdf"`,
			'cache-control': 'no-store'
		}
	});
};
