import { getDb } from '$lib/server/db/client';
import { requireForumRole } from '$lib/server/guards';
import type { LayoutServerLoad } from './$types';

export const load: LayoutServerLoad = ({ locals, params }) => {
	const { forum, roles } = requireForumRole(getDb(), locals, Number(params.forumId));
	return { forum, roles };
};
