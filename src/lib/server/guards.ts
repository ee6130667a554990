import { error } from '@sveltejs/kit';
import { rolesIn } from './auth';
import type { Db } from './db/client';
import { FORUM_ROLES, type ForumRole } from './db/schema';
import { getForum } from './forums';
import { translate } from '$lib/i18n/translate';
import { getWorkshop } from './workshops/workshops';

/**
 * Every forum role may read a forum's pages (forum page, commitments, dashboard, minutes); pass
 * this in loads that only read. Actions keep the default, which leaves observers out.
 */
export const READ_ROLES: readonly ForumRole[] = FORUM_ROLES;

/**
 * The forum, if the signed-in account holds one of `roles` there (or, with `admin`, is the
 * instance administrator); 403/404 otherwise.
 */
export async function requireForumRole(
	db: Db,
	locals: App.Locals,
	forumId: number,
	roles: readonly ForumRole[] = ['moderator', 'secretariat'],
	opts: { admin?: boolean } = {}
) {
	const forum = Number.isInteger(forumId) ? await getForum(db, forumId) : null;
	if (!forum) error(404, translate(locals.locale, 'error.notFound'));
	const held = rolesIn(locals.viewer, forum.id);
	const viewer = locals.viewer;
	const admin = opts.admin === true && viewer?.kind === 'account' && viewer.user.isAdmin;
	// Forum roles belong to accounts only: whoever passes is signed in with an account.
	if (viewer?.kind !== 'account' || (!admin && !held.some((r) => roles.includes(r)))) error(403, translate(locals.locale, 'error.forbidden'));
	return { forum, roles: held, user: viewer.user };
}

/** Whether these roles may change a forum's pages: observers only read. */
export function canEditForum(roles: readonly ForumRole[]): boolean {
	return roles.includes('moderator') || roles.includes('secretariat');
}

export async function requireWorkshopRole(db: Db, locals: App.Locals, workshopId: number, roles?: readonly ForumRole[]) {
	const workshop = Number.isInteger(workshopId) ? await getWorkshop(db, workshopId) : null;
	if (!workshop) error(404, translate(locals.locale, 'error.notFound'));
	const { forum, roles: held } = await requireForumRole(db, locals, workshop.forumId, roles);
	return { workshop, forum, roles: held };
}

/** The instance administrator (creates forums, invites their first staff); 401/403 otherwise. */
export function requireAdmin(locals: App.Locals) {
	const viewer = locals.viewer;
	if (viewer?.kind !== 'account') error(401, translate(locals.locale, 'error.loginRequired'));
	if (!viewer.user.isAdmin) error(403, translate(locals.locale, 'error.forbidden'));
	return viewer.user;
}

/** Who invites people to a forum and sees its roles: the administrator, or one of its moderators. */
export async function requirePeopleManager(db: Db, locals: App.Locals, forumId: number) {
	if (locals.viewer?.kind !== 'account') error(401, translate(locals.locale, 'error.loginRequired'));
	return await requireForumRole(db, locals, forumId, ['moderator'], { admin: true });
}
