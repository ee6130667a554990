import { redirect } from '@sveltejs/kit';
import { getDb } from '$lib/server/db/client';
import { formAction } from '$lib/server/forms';
import { requireForumRole } from '$lib/server/guards';
import { listProgrammes } from '$lib/server/programmes/programmes';
import { createWorkshop } from '$lib/server/workshops/workshops';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = async ({ locals, params }) => {
	const db = getDb();
	const { forum } = await requireForumRole(db, locals, Number(params.forumId), ['moderator']);
	return { programmes: (await listProgrammes(db, forum.id)).map((p) => ({ id: p.id, name: p.name })) };
};

export const actions: Actions = {
	default: async ({ request, locals, params }) => {
		const db = getDb();
		const { forum } = await requireForumRole(db, locals, Number(params.forumId), ['moderator']);
		return formAction(locals.locale, request, async (form) => {
			const workshop = await createWorkshop(db, forum.id, form);
			redirect(303, `/workshops/${workshop.id}`);
		});
	}
};
