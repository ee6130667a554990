import { error, redirect } from '@sveltejs/kit';
import { startSession } from '$lib/server/auth';
import { setSessionCookie } from '$lib/server/cookies';
import { getDb } from '$lib/server/db/client';
import { formAction } from '$lib/server/forms';
import { completeSetup, SetupRefused, setupTokenState, type SetupTokenState } from '$lib/server/accounts/setup';
import { MIN_PASSWORD_LENGTH } from '$lib/server/accounts/passwords';
import { translate, type Locale } from '$lib/i18n/translate';
import type { Actions, PageServerLoad } from './$types';

function refuse(locale: Locale, state: Exclude<SetupTokenState, 'valid'>): never {
	error(state === 'done' ? 410 : 404, translate(locale, state === 'done' ? 'setup.done' : 'setup.wrongToken'));
}

export const load: PageServerLoad = async ({ params, locals }) => {
	const state = await setupTokenState(getDb(), params.token);
	if (state !== 'valid') refuse(locals.locale, state);
	return { minLength: MIN_PASSWORD_LENGTH };
};

export const actions: Actions = {
	default: async ({ params, request, locals, cookies, url }) => {
		const db = getDb();
		const state = await setupTokenState(db, params.token);
		if (state !== 'valid') refuse(locals.locale, state);
		try {
			return await formAction(locals.locale, request, async (form) => {
				const admin = await completeSetup(db, params.token, form);
				const { token, expiresAt } = await startSession(db, { kind: 'account', userId: admin.id });
				setSessionCookie(cookies, url, token, expiresAt);
				redirect(303, '/admin');
			});
		} catch (e) {
			if (e instanceof SetupRefused) refuse(locals.locale, e.state);
			throw e;
		}
	}
};
