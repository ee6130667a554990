import { fail, redirect } from '@sveltejs/kit';
import { startSession } from '$lib/server/auth';
import { signIn } from '$lib/server/accounts/login-throttle';
import { setSessionCookie } from '$lib/server/cookies';
import { getDb } from '$lib/server/db/client';
import { localPath } from '$lib/server/local-path';
import { translate } from '$lib/i18n/translate';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = ({ locals, url }) => {
	if (locals.viewer?.kind === 'account') redirect(303, localPath(url.searchParams.get('next')));
	return {};
};

export const actions: Actions = {
	default: async ({ request, cookies, url, locals, getClientAddress }) => {
		const form = await request.formData();
		const email = String(form.get('email') ?? '').slice(0, 200);
		const password = String(form.get('password') ?? '').slice(0, 200);
		const db = getDb();
		const outcome = await signIn(db, { email, password, address: getClientAddress() });
		if (!outcome.ok) {
			if (outcome.reason === 'locked') return fail(429, { email, message: translate(locals.locale, 'login.locked', { minutes: outcome.minutes }) });
			if (outcome.reason === 'busy') return fail(503, { email, message: translate(locals.locale, 'login.busy') });
			return fail(400, { email, message: translate(locals.locale, 'login.failed') });
		}
		const { token, expiresAt } = await startSession(db, { kind: 'account', userId: outcome.user.id });
		setSessionCookie(cookies, url, token, expiresAt);
		redirect(303, localPath(url.searchParams.get('next')));
	}
};
