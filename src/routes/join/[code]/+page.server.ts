import { error, redirect } from '@sveltejs/kit';
import { checkIn, joinChoices } from '$lib/server/workshops/join';
import { startSession } from '$lib/server/auth';
import { setSessionCookie } from '$lib/server/cookies';
import { getDb } from '$lib/server/db/client';
import { formAction } from '$lib/server/forms';
import { findWorkshopByCode } from '$lib/server/workshops/workshops';
import { translate } from '$lib/i18n/translate';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = ({ params, locals }) => {
	const db = getDb();
	const workshop = findWorkshopByCode(db, params.code);
	if (!workshop) error(404, translate(locals.locale, 'join.unknownCode'));
	if (locals.viewer?.kind === 'participant' && locals.viewer.workshopId === workshop.id) redirect(303, `/w/${workshop.joinCode}`);
	return {
		workshop: { title: workshop.title, date: workshop.date, place: workshop.place, status: workshop.status, code: workshop.joinCode },
		institutions: joinChoices(db, workshop)
	};
};

export const actions: Actions = {
	default: async ({ params, request, locals, cookies, url }) => {
		const db = getDb();
		const workshop = findWorkshopByCode(db, params.code);
		if (!workshop) error(404, translate(locals.locale, 'join.unknownCode'));
		return formAction(locals.locale, request, (form) => {
			const row = checkIn(db, workshop, form);
			const { token, expiresAt } = startSession(db, { kind: 'participant', workshopId: workshop.id, attendanceId: row.id });
			setSessionCookie(cookies, url, token, expiresAt);
			redirect(303, `/w/${workshop.joinCode}`);
		});
	}
};
