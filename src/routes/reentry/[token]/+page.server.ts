import { redirect } from '@sveltejs/kit';
import { setSessionCookie } from '$lib/server/cookies';
import { getDb } from '$lib/server/db/client';
import { formAction } from '$lib/server/forms';
import { InputError } from '$lib/server/validation';
import { inspectReentryLink, redeemReentryLink } from '$lib/server/workshops/reentry';
import { translate } from '$lib/i18n/translate';
import type { Actions, PageServerLoad } from './$types';

/**
 * Opening the link only shows whose entry it is: link previews and in-app browsers fetch pages on
 * their own, and must not use up a single-use link. The participant confirms with a button.
 */
export const load: PageServerLoad = async ({ params, locals }) => {
	try {
		const target = await inspectReentryLink(getDb(), params.token);
		return {
			valid: true as const,
			name: target.name,
			institution: target.institutionName,
			workshop: { title: target.workshop.title, date: target.workshop.date },
			replacesAccount: locals.viewer?.kind === 'account'
		};
	} catch (e) {
		if (!(e instanceof InputError)) throw e;
		return { valid: false as const, reason: translate(locals.locale, Object.values(e.errors)[0]!.key) };
	}
};

export const actions: Actions = {
	default: async ({ params, request, locals, cookies, url }) =>
		formAction(locals.locale, request, async () => {
			const { workshop, session } = await redeemReentryLink(getDb(), params.token);
			setSessionCookie(cookies, url, session.token, session.expiresAt);
			redirect(303, `/w/${workshop.joinCode}`);
		})
};
