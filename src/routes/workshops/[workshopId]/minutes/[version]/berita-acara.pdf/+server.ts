import { error } from '@sveltejs/kit';
import { getDb } from '$lib/server/db/client';
import { READ_ROLES, requireWorkshopRole } from '$lib/server/guards';
import { sealedPdf } from '$lib/server/sealing';
import { translate } from '$lib/i18n/translate';
import type { RequestHandler } from './$types';

/** The sealed file exactly as stored: never re-rendered, or the seal would no longer match. */
export const GET: RequestHandler = async ({ locals, params }) => {
	const db = getDb();
	const { workshop } = await requireWorkshopRole(db, locals, Number(params.workshopId), READ_ROLES);
	const pdf = await sealedPdf(db, workshop.id, Number(params.version));
	if (!pdf) error(404, translate(locals.locale, 'error.notFound'));
	return new Response(Buffer.from(pdf), {
		headers: {
			'content-type': 'application/pdf',
			'content-disposition': `attachment; filename="berita-acara-${workshop.id}-v${params.version}.pdf"`,
			'cache-control': 'no-store'
		}
	});
};
