import { fail } from '@sveltejs/kit';
import type { Viewer } from '$lib/server/auth';
import { getDb } from '$lib/server/db/client';
import { formAction } from '$lib/server/forms';
import { requirePeopleManager } from '$lib/server/guards';
import { createInvitation, INVITATION_DAYS, listOpenInvitations, renewInvitation, revokeInvitation } from '$lib/server/accounts/invitations';
import { forumPeople } from '$lib/server/accounts/people';
import { shareableLink } from '$lib/server/accounts/share';
import { FORUM_ROLES } from '$lib/server/db/schema';
import { translate } from '$lib/i18n/translate';
import type { Actions, PageServerLoad, RequestEvent } from './$types';

export const load: PageServerLoad = async ({ locals, params }) => {
	const db = getDb();
	const { forum } = await requirePeopleManager(db, locals, Number(params.forumId));
	const now = Date.now();
	return {
		people: await forumPeople(db, forum.id),
		invitations: (await listOpenInvitations(db, forum.id)).map((i) => ({ ...i, expired: i.expiresAt.getTime() <= now })),
		roles: FORUM_ROLES,
		defaultDays: INVITATION_DAYS
	};
};

/** Every action checks again: the layout's check does not cover actions. */
async function manager(event: RequestEvent) {
	const db = getDb();
	const { forum } = await requirePeopleManager(db, event.locals, Number(event.params.forumId));
	const { user } = event.locals.viewer as Extract<Viewer, { kind: 'account' }>;
	return { db, forum, user };
}

function invitationId(form: FormData): number {
	const id = Number(form.get('invitationId'));
	return Number.isInteger(id) ? id : -1;
}

export const actions: Actions = {
	invite: async (event) => {
		const { db, forum, user } = await manager(event);
		return formAction(event.locals.locale, event.request, async (form) => {
			const { token, invitation } = await createInvitation(db, forum.id, user.id, form);
			return { issued: { id: invitation.id, name: invitation.name, role: invitation.role, expiresAt: invitation.expiresAt, ...(await shareableLink(event.url, `/invite/${token}`)) } };
		});
	},
	renew: async (event) => {
		const { db, forum } = await manager(event);
		const renewed = await renewInvitation(db, forum.id, invitationId(await event.request.formData()));
		if (!renewed) return fail(400, { message: translate(event.locals.locale, 'people.gone') });
		const { token, invitation } = renewed;
		return { issued: { id: invitation.id, name: invitation.name, role: invitation.role, expiresAt: invitation.expiresAt, ...(await shareableLink(event.url, `/invite/${token}`)) } };
	},
	revoke: async (event) => {
		const { db, forum } = await manager(event);
		if (!await revokeInvitation(db, forum.id, invitationId(await event.request.formData()))) {
			return fail(400, { message: translate(event.locals.locale, 'people.gone') });
		}
		return { saved: translate(event.locals.locale, 'people.revoked') };
	}
};
