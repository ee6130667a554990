import { redirect } from '@sveltejs/kit';
import { isSetupPending } from '$lib/server/accounts/setup';
import { getDb } from '$lib/server/db/client';
import { forumsOf, listedProgrammes } from '$lib/server/forums';
import { normaliseJoinCode } from '$lib/server/workshops/workshops';
import type { Actions, PageServerLoad } from './$types';

/**
 * The front door: join a workshop, sign in, and, for anyone, each forum's listed programme pages
 * and the verify page, so a citizen or journalist finds them without being sent a link.
 */
export const load: PageServerLoad = async ({ locals }) => {
	const db = getDb();
	const viewer = locals.viewer;
	return {
		forums: (await forumsOf(db, viewer)).map((f) => ({ id: f.id, name: f.name, shortName: f.shortName })),
		publicForums: await listedProgrammes(db),
		setupPending: await isSetupPending(db),
		isAdmin: viewer?.kind === 'account' && viewer.user.isAdmin
	};
};

export const actions: Actions = {
	join: async ({ request }) => {
		const code = normaliseJoinCode(String((await request.formData()).get('code') ?? '')).slice(0, 12);
		redirect(303, `/join/${code || '-'}`);
	}
};
