import { redirect } from '@sveltejs/kit';
import { startSession } from '$lib/server/auth';
import { setSessionCookie } from '$lib/server/cookies';
import { getDb } from '$lib/server/db/client';
import { formAction } from '$lib/server/forms';
import { getForum } from '$lib/server/forums';
import { acceptWithExistingAccount, acceptWithNewAccount, invitationFor } from '$lib/server/accounts/invitations';
import { refusingBadLinks } from '$lib/server/accounts/link-pages';
import { MIN_PASSWORD_LENGTH } from '$lib/server/accounts/passwords';
import type { Actions, PageServerLoad, RequestEvent } from './$types';

/** Opened on the invitee's own device from the link or its QR; no account needed to see it. */
export const load: PageServerLoad = ({ params, locals }) =>
	refusingBadLinks(locals.locale, async () => {
		const invitation = await invitationFor(getDb(), params.token);
		const forum = await getForum(getDb(), invitation.forumId);
		return {
			forum: { name: forum?.name ?? '', shortName: forum?.shortName ?? '' },
			role: invitation.role,
			name: invitation.name,
			email: invitation.email,
			expiresAt: invitation.expiresAt,
			minLength: MIN_PASSWORD_LENGTH
		};
	});

/** Either way the invitee ends up signed in, on the forum's page. */
function accept(event: RequestEvent, run: typeof acceptWithNewAccount) {
	const db = getDb();
	return refusingBadLinks(event.locals.locale, () =>
		formAction(event.locals.locale, event.request, async (form) => {
			const { user, forumId } = await run(db, event.params.token, form);
			const { token, expiresAt } = await startSession(db, { kind: 'account', userId: user.id });
			setSessionCookie(event.cookies, event.url, token, expiresAt);
			redirect(303, `/forums/${forumId}`);
		})
	);
}

export const actions: Actions = {
	create: (event) => accept(event, acceptWithNewAccount),
	existing: (event) => accept(event, acceptWithExistingAccount)
};
