import { redirect } from '@sveltejs/kit';
import { getDb } from '$lib/server/db/client';
import { formAction } from '$lib/server/forms';
import { READ_ROLES, requireForumRole } from '$lib/server/guards';
import { listPilotSites } from '$lib/server/programmes/pilot-sites';
import { createProgramme, listComponents, listProgrammes } from '$lib/server/programmes/programmes';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = async ({ locals, params }) => {
	const db = getDb();
	const { forum, roles } = await requireForumRole(db, locals, Number(params.forumId), READ_ROLES);
	return {
		programmes: await Promise.all((await listProgrammes(db, forum.id)).map(async (p) => ({
			id: p.id,
			name: p.name,
			listed: p.listed,
			components: (await listComponents(db, p.id)).length,
			pilotSites: (await listPilotSites(db, p.id)).length
		}))),
		canEdit: roles.includes('moderator') || roles.includes('secretariat')
	};
};

export const actions: Actions = {
	create: async ({ request, locals, params }) => {
		const db = getDb();
		const { forum } = await requireForumRole(db, locals, Number(params.forumId), ['moderator', 'secretariat']);
		return formAction(locals.locale, request, async (form) => {
			const programme = await createProgramme(db, forum.id, form);
			redirect(303, `/forums/${forum.id}/programmes/${programme.id}`);
		});
	}
};
