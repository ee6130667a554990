import { error } from '@sveltejs/kit';
import { getDb } from '$lib/server/db/client';
import { requireWorkshopRole } from '$lib/server/guards';
import { matrixVersionCsv } from '$lib/server/matrix/exports';
import { translate } from '$lib/i18n/translate';
import type { RequestHandler } from './$types';

export const GET: RequestHandler = async ({ locals, params }) => {
	const db = getDb();
	const { workshop } = await requireWorkshopRole(db, locals, Number(params.workshopId));
	const version = Number(params.version);
	const csv = Number.isInteger(version) && version > 0 ? await matrixVersionCsv(db, workshop.id, version, locals.locale) : null;
	if (csv === null) error(404, translate(locals.locale, 'error.notFound'));
	return new Response(csv, {
		headers: {
			'content-type': 'text/csv; charset=utf-8',
			'content-disposition': `attachment; filename="matriks-${workshop.date}-${workshop.id}-v${version}.csv"`,
			'cache-control': 'no-store'
		}
	});
};
