import { redirect } from '@sveltejs/kit';
import { getDb } from '$lib/server/db/client';
import { formAction } from '$lib/server/forms';
import { createForum, forumFormContext, forumFormValuesFrom } from '$lib/server/forums';
import { DEFAULT_NUMBERING_PATTERN } from '$lib/server/forums/numbering';
import { requireAdmin } from '$lib/server/guards';
import { localIsoDate, DEFAULT_TIME_ZONE } from '$lib/time-zones';
import type { Actions, PageServerLoad } from './$types';

const today = () => localIsoDate(new Date(), DEFAULT_TIME_ZONE);

export const load: PageServerLoad = async ({ locals, url }) => {
	requireAdmin(locals);
	const values = forumFormValuesFrom(url.searchParams) ?? { level: 'kabupaten', numberingPattern: DEFAULT_NUMBERING_PATTERN };
	return { values, ...await forumFormContext(getDb(), values, today()) };
};

export const actions: Actions = {
	default: async ({ request, locals }) => {
		requireAdmin(locals);
		const db = getDb();
		// A refused form comes back with its region named and its search results, as the load gives them.
		return formAction(
			locals.locale,
			request,
			async (form) => {
				const forum = await createForum(db, form);
				redirect(303, `/admin/forums/${forum.id}?created=1`);
			},
			async (values) => await forumFormContext(db, values, today())
		);
	}
};
