import { error, type RequestEvent } from '@sveltejs/kit';
import { getDb } from '$lib/server/db/client';
import { formAction } from '$lib/server/forms';
import { READ_ROLES, requireForumRole } from '$lib/server/guards';
import { getForumProgramme, updateProgramme } from '$lib/server/programmes/programmes';
import { programmeSetupActions, programmeSetupData } from '$lib/server/programmes/setup';
import { listWorkshops } from '$lib/server/workshops/workshops';
import { translate } from '$lib/i18n/translate';
import type { Actions, PageServerLoad } from './$types';

/** The forum's programme, for staff who may see the forum; 404 for a programme of another forum. */
async function programmeContext(event: Pick<RequestEvent, 'locals' | 'params'>, roles?: readonly ('moderator' | 'secretariat' | 'observer')[]) {
	const db = getDb();
	const { forum, roles: held } = await requireForumRole(db, event.locals, Number(event.params.forumId), roles);
	const programme = await getForumProgramme(db, forum.id, Number(event.params.programmeId));
	if (!programme) error(404, translate(event.locals.locale, 'error.notFound'));
	return { db, forum, programme, roles: held };
}

export const load: PageServerLoad = async (event) => {
	const { db, forum, programme, roles } = await programmeContext(event, READ_ROLES);
	return {
		programme,
		...await programmeSetupData(db, forum, programme.id, event.url),
		workshops: (await listWorkshops(db, forum.id))
			.filter((w) => w.programmeId === programme.id)
			.map((w) => ({ id: w.id, title: w.title, date: w.date, status: w.status })),
		canEdit: roles.includes('moderator') || roles.includes('secretariat')
	};
};

/** Changes: moderators and secretariat of this forum only. */
const staff = async (event: RequestEvent) => await programmeContext(event, ['moderator', 'secretariat']);

export const actions: Actions = {
	details: async (event) => {
		const { db, programme } = await staff(event);
		return formAction(event.locals.locale, event.request, async (form) => {
			await updateProgramme(db, programme, form);
			return { saved: translate(event.locals.locale, 'workshop.saved'), action: 'details' };
		});
	},
	...programmeSetupActions(async (event) => {
		const { db, programme } = await staff(event);
		return { db, scope: { programmeId: programme.id } };
	})
};
