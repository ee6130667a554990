import { error } from '@sveltejs/kit';
import { rolesIn } from './auth';
import type { Db } from './db/client';
import type { ForumRole } from './db/schema';
import { getForum } from './forums';
import { translate } from '$lib/i18n/translate';
import { getWorkshop } from './workshops/workshops';

/** The forum, if the signed-in account holds one of `roles` there; 403/404 otherwise. */
export function requireForumRole(db: Db, locals: App.Locals, forumId: number, roles: readonly ForumRole[] = ['moderator', 'secretariat']) {
	const forum = Number.isInteger(forumId) ? getForum(db, forumId) : null;
	if (!forum) error(404, translate(locals.locale, 'error.notFound'));
	const held = rolesIn(locals.viewer, forum.id);
	if (!held.some((r) => roles.includes(r))) error(403, translate(locals.locale, 'error.forbidden'));
	return { forum, roles: held };
}

export function requireWorkshopRole(db: Db, locals: App.Locals, workshopId: number, roles?: readonly ForumRole[]) {
	const workshop = Number.isInteger(workshopId) ? getWorkshop(db, workshopId) : null;
	if (!workshop) error(404, translate(locals.locale, 'error.notFound'));
	const { forum, roles: held } = requireForumRole(db, locals, workshop.forumId, roles);
	return { workshop, forum, roles: held };
}

/** The instance administrator (creates forums, invites their first staff); 401/403 otherwise. */
export function requireAdmin(locals: App.Locals) {
	const viewer = locals.viewer;
	if (viewer?.kind !== 'account') error(401, translate(locals.locale, 'error.loginRequired'));
	if (!viewer.user.isAdmin) error(403, translate(locals.locale, 'error.forbidden'));
	return viewer.user;
}
