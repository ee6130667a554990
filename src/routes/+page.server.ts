import { redirect } from '@sveltejs/kit';
import { getDb } from '$lib/server/db/client';
import { forumsOf } from '$lib/server/forums';
import { normaliseJoinCode } from '$lib/server/workshops/workshops';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = ({ locals }) => {
	return { forums: forumsOf(getDb(), locals.viewer).map((f) => ({ id: f.id, name: f.name, shortName: f.shortName })) };
};

export const actions: Actions = {
	join: async ({ request }) => {
		const code = normaliseJoinCode(String((await request.formData()).get('code') ?? '')).slice(0, 12);
		redirect(303, `/join/${code || '-'}`);
	}
};
