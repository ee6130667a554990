import { error, redirect } from '@sveltejs/kit';
import { checkIn, joinChoices } from '$lib/server/workshops/join';
import { startSession } from '$lib/server/auth';
import { setSessionCookie } from '$lib/server/cookies';
import { getDb } from '$lib/server/db/client';
import { formAction } from '$lib/server/forms';
import { getInstitution } from '$lib/server/institutions/institutions';
import { JOIN_LIMIT, limitFromEnv, throttle, throttledFormFailure, throttledMessage } from '$lib/server/throttle';
import { findJoinTarget } from '$lib/server/workshops/workshops';
import { translate } from '$lib/i18n/translate';
import type { Actions, PageServerLoad } from './$types';

const joinKey = (address: string) => `join:ip:${address}`;

/** Only unknown codes count against the address: guessing is what the limit is for. */
export const load: PageServerLoad = async ({ params, locals, getClientAddress }) => {
	const db = getDb();
	const target = await findJoinTarget(db, params.code);
	if (!target) {
		const attempt = await throttle(db, joinKey(getClientAddress()), limitFromEnv(JOIN_LIMIT, 'MUFAKAT_JOIN_LIMIT'));
		if (!attempt.allowed) error(429, throttledMessage(locals.locale, attempt.retryAfterMs));
		error(404, translate(locals.locale, 'join.unknownCode'));
	}
	const { workshop, invitedInstitutionId } = target;
	if (locals.viewer?.kind === 'participant' && locals.viewer.workshopId === workshop.id) redirect(303, `/w/${workshop.joinCode}`);
	const invited = invitedInstitutionId !== null ? await getInstitution(db, workshop.forumId, invitedInstitutionId) : null;
	return {
		workshop: { title: workshop.title, date: workshop.date, place: workshop.place, status: workshop.status, code: workshop.joinCode },
		invitedInstitution: invited ? { shortName: invited.shortName, officialName: invited.officialName } : null,
		institutions: invited ? { invited: [], others: [] } : await joinChoices(db, workshop)
	};
};

export const actions: Actions = {
	default: async ({ params, request, locals, cookies, url, getClientAddress }) => {
		const db = getDb();
		const attempt = await throttle(db, joinKey(getClientAddress()), limitFromEnv(JOIN_LIMIT, 'MUFAKAT_JOIN_LIMIT'));
		if (!attempt.allowed) return throttledFormFailure(locals.locale, request, attempt.retryAfterMs);
		const target = await findJoinTarget(db, params.code);
		if (!target) error(404, translate(locals.locale, 'join.unknownCode'));
		const { workshop, invitedInstitutionId } = target;
		return formAction(locals.locale, request, async (form) => {
			const row = await checkIn(db, workshop, form, new Date(), { invitedInstitutionId });
			const { token, expiresAt } = await startSession(db, { kind: 'participant', workshopId: workshop.id, attendanceId: row.id });
			setSessionCookie(cookies, url, token, expiresAt);
			redirect(303, `/w/${workshop.joinCode}`);
		});
	}
};
