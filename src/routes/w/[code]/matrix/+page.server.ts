import { error, redirect } from '@sveltejs/kit';
import { rolesIn } from '$lib/server/auth';
import { getDb } from '$lib/server/db/client';
import { collabPrincipalFor, matrixPageData } from '$lib/server/matrix/page';
import { findWorkshopByCode, listAgenda } from '$lib/server/workshops/workshops';
import { translate } from '$lib/i18n/translate';
import type { PageServerLoad } from './$types';

/** A representative's laptop view of the live matrix; same access rule as /w/<code>. */
export const load: PageServerLoad = async ({ params, locals }) => {
	const db = getDb();
	const workshop = await findWorkshopByCode(db, params.code);
	if (!workshop) error(404, translate(locals.locale, 'join.unknownCode'));
	const viewer = locals.viewer;
	if (!viewer) redirect(303, `/join/${workshop.joinCode}`);
	const isStaff = rolesIn(viewer, workshop.forumId).length > 0;
	if (!isStaff && !(viewer.kind === 'participant' && viewer.workshopId === workshop.id))
		error(403, translate(locals.locale, 'error.forbidden'));
	const matrix = await matrixPageData(db, workshop);
	return {
		workshop: { id: workshop.id, title: workshop.title, code: workshop.joinCode },
		principal: await collabPrincipalFor(db, viewer, workshop.id),
		agenda: (await listAgenda(db, workshop.id)).map((a) => ({ id: a.id, title: a.title, durationMinutes: a.durationMinutes })),
		pilotSites: matrix.pilotSites
	};
};
