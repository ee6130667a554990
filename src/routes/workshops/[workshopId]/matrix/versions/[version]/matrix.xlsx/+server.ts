import { error } from '@sveltejs/kit';
import { getDb } from '$lib/server/db/client';
import { requireWorkshopRole } from '$lib/server/guards';
import { matrixVersionXlsx } from '$lib/server/matrix/exports';
import { translate } from '$lib/i18n/translate';
import type { RequestHandler } from './$types';

export const GET: RequestHandler = async ({ locals, params }) => {
	const db = getDb();
	const { workshop } = await requireWorkshopRole(db, locals, Number(params.workshopId));
	const version = Number(params.version);
	const xlsx = Number.isInteger(version) && version > 0 ? await matrixVersionXlsx(db, workshop.id, version, locals.locale, workshop.title) : null;
	if (xlsx === null) error(404, translate(locals.locale, 'error.notFound'));
	return new Response(new Uint8Array(xlsx), {
		headers: {
			'content-type': 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
			'content-disposition': `attachment; filename="matriks-${workshop.date}-${workshop.id}-v${version}.xlsx"`,
			'cache-control': 'no-store'
		}
	});
};
