import { asc, eq } from 'drizzle-orm';
import { rolesIn, type Viewer } from '../auth';
import type { Db } from '../db/client';
import { forumMembers, users, type ForumRole } from '../db/schema';

/** The administrator, and a forum's moderators for their own forum, invite people to it. */
export function mayManagePeople(viewer: Viewer | null, forumId: number): boolean {
	if (viewer?.kind !== 'account') return false;
	return viewer.user.isAdmin || rolesIn(viewer, forumId).includes('moderator');
}

/** Who holds which role in a forum, one entry per account. */
export async function forumPeople(db: Db, forumId: number) {
	const rows = await db
		.select({ id: users.id, name: users.name, email: users.email, active: users.active, role: forumMembers.role })
		.from(forumMembers)
		.innerJoin(users, eq(users.id, forumMembers.userId))
		.where(eq(forumMembers.forumId, forumId))
		.orderBy(asc(users.name));
	const people = new Map<number, { id: number; name: string; email: string; active: boolean; roles: ForumRole[] }>();
	for (const { role, ...person } of rows) {
		const entry = people.get(person.id) ?? { ...person, roles: [] };
		entry.roles.push(role);
		people.set(person.id, entry);
	}
	return [...people.values()];
}
