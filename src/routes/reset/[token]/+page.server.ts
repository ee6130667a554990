import { redirect } from '@sveltejs/kit';
import { startSession } from '$lib/server/auth';
import { setSessionCookie } from '$lib/server/cookies';
import { getDb } from '$lib/server/db/client';
import { formAction } from '$lib/server/forms';
import { refusingBadLinks } from '$lib/server/accounts/link-pages';
import { MIN_PASSWORD_LENGTH } from '$lib/server/accounts/passwords';
import { resetPassword, resetTarget } from '$lib/server/accounts/resets';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = ({ params, locals }) =>
	refusingBadLinks(locals.locale, async () => {
		const { user, link } = await resetTarget(getDb(), params.token);
		return { name: user.name, email: user.email, expiresAt: link.expiresAt, minLength: MIN_PASSWORD_LENGTH };
	});

export const actions: Actions = {
	default: async ({ params, request, locals, cookies, url }) => {
		const db = getDb();
		return refusingBadLinks(locals.locale, () =>
			formAction(locals.locale, request, async (form) => {
				const user = await resetPassword(db, params.token, form);
				const { token, expiresAt } = await startSession(db, { kind: 'account', userId: user.id });
				setSessionCookie(cookies, url, token, expiresAt);
				redirect(303, '/account?reset=1');
			})
		);
	}
};
