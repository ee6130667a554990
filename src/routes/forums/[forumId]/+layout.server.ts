import { getDb } from '$lib/server/db/client';
import { mayManagePeople } from '$lib/server/accounts/people';
import { canEditForum, READ_ROLES, requireForumRole } from '$lib/server/guards';
import type { LayoutServerLoad } from './$types';

/** Observers read; the administrator reaches the forum's people page even without a role here. */
export const load: LayoutServerLoad = async ({ locals, params }) => {
	const { forum, roles } = await requireForumRole(getDb(), locals, Number(params.forumId), READ_ROLES, { admin: true });
	return { forum, roles, canEdit: canEditForum(roles), canManagePeople: mayManagePeople(locals.viewer, forum.id) };
};
