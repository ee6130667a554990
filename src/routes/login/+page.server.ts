import { fail, redirect } from '@sveltejs/kit';
import { authenticate, startSession } from '$lib/server/auth';
import { setSessionCookie } from '$lib/server/cookies';
import { getDb } from '$lib/server/db/client';
import { translate } from '$lib/i18n/translate';
import type { Actions, PageServerLoad } from './$types';

function safeNext(url: URL): string {
	const next = url.searchParams.get('next') ?? '/';
	return next.startsWith('/') && !next.startsWith('//') ? next : '/';
}

export const load: PageServerLoad = ({ locals, url }) => {
	if (locals.viewer?.kind === 'account') redirect(303, safeNext(url));
	return {};
};

export const actions: Actions = {
	default: async ({ request, cookies, url, locals }) => {
		const form = await request.formData();
		const email = String(form.get('email') ?? '').slice(0, 200);
		const password = String(form.get('password') ?? '').slice(0, 200);
		const db = getDb();
		const user = authenticate(db, email, password);
		if (!user) return fail(400, { email, message: translate(locals.locale, 'login.failed') });
		const { token, expiresAt } = startSession(db, { kind: 'account', userId: user.id });
		setSessionCookie(cookies, url, token, expiresAt);
		redirect(303, safeNext(url));
	}
};
