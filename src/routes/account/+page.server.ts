import { error } from '@sveltejs/kit';
import { SESSION_COOKIE, type Viewer } from '$lib/server/auth';
import { getDb } from '$lib/server/db/client';
import { formAction } from '$lib/server/forms';
import { forumsOf } from '$lib/server/forums';
import { changeOwnPassword } from '$lib/server/accounts/manage';
import { MIN_PASSWORD_LENGTH } from '$lib/server/accounts/passwords';
import { translate } from '$lib/i18n/translate';
import type { Actions, PageServerLoad } from './$types';

/** The hook lets only accounts reach /account; this narrows the type and guards the action too. */
function account(locals: App.Locals): Extract<Viewer, { kind: 'account' }> {
	if (locals.viewer?.kind !== 'account') error(401, translate(locals.locale, 'error.loginRequired'));
	return locals.viewer;
}

export const load: PageServerLoad = async ({ locals, url }) => {
	const viewer = account(locals);
	const forums = new Map((await forumsOf(getDb(), viewer)).map((f) => [f.id, f]));
	return {
		user: { name: viewer.user.name, email: viewer.user.email, isAdmin: viewer.user.isAdmin },
		roles: viewer.roles.map((r) => ({ forumId: r.forumId, forum: forums.get(r.forumId)?.shortName ?? '', role: r.role })),
		minLength: MIN_PASSWORD_LENGTH,
		afterReset: url.searchParams.has('reset')
	};
};

export const actions: Actions = {
	password: async ({ locals, request, cookies }) => {
		const viewer = account(locals);
		return formAction(locals.locale, request, async (form) => {
			const { endedSessions } = await changeOwnPassword(getDb(), viewer.user.id, form, cookies.get(SESSION_COOKIE));
			return { changed: translate(locals.locale, 'account.passwordChanged', { count: endedSessions }) };
		});
	}
};
