import { getDb } from '$lib/server/db/client';
import { requireWorkshopRole } from '$lib/server/guards';
import { collabPrincipalFor, matrixPageData } from '$lib/server/matrix/page';
import { publicBaseUrl } from '$lib/server/network';
import { qrSvg } from '$lib/server/qr';
import { listAgenda } from '$lib/server/workshops/workshops';
import type { PageServerLoad } from './$types';

export const load: PageServerLoad = async ({ locals, params, url }) => {
	const db = getDb();
	const { workshop } = await requireWorkshopRole(db, locals, Number(params.workshopId));
	const base = publicBaseUrl(url);
	const joinUrl = workshop.joinCode && workshop.status === 'live' ? `${base.url}/join/${workshop.joinCode}` : null;
	const matrix = await matrixPageData(db, workshop);
	return {
		principal: await collabPrincipalFor(db, locals.viewer, workshop.id),
		agenda: (await listAgenda(db, workshop.id)).map((a) => ({ id: a.id, title: a.title, durationMinutes: a.durationMinutes })),
		pilotSites: matrix.pilotSites,
		joinUrl,
		joinQr: joinUrl ? await qrSvg(joinUrl) : null,
		networkWarning: base.warning
	};
};
