import { and, asc, eq, ne, sql } from 'drizzle-orm';
import { endSessionsOf, hashPasswordAsync, verifyPasswordAsync } from '../auth';
import { closeUserConnections } from '../collab/registry';
import { transaction, type Db } from '../db/client';
import { forumMembers, forums, users, type ForumRole } from '../db/schema';
import { InputError, InputReader } from '../validation';
import { readNewPassword, readPassword } from './fields';

export type AccountSummary = {
	id: number;
	name: string;
	email: string;
	isAdmin: boolean;
	active: boolean;
	isDemo: boolean;
	roles: { forumId: number; forumName: string; role: ForumRole }[];
};

/** Every account with its roles in each forum, for the administrator. */
export async function listAccounts(db: Db): Promise<AccountSummary[]> {
	const roles = await db
		.select({ userId: forumMembers.userId, forumId: forumMembers.forumId, forumName: forums.shortName, role: forumMembers.role })
		.from(forumMembers)
		.innerJoin(forums, eq(forums.id, forumMembers.forumId))
		.orderBy(asc(forums.shortName));
	return (await db
		.select({ id: users.id, name: users.name, email: users.email, isAdmin: users.isAdmin, active: users.active, isDemo: users.isDemo })
		.from(users)
		.orderBy(asc(users.name)))
		.map((u) => ({ ...u, roles: roles.filter((r) => r.userId === u.id).map(({ forumId, forumName, role }) => ({ forumId, forumName, role })) }));
}

/**
 * Deactivating ends the account's sessions at once; it can no longer sign in. An administrator
 * cannot deactivate themself, so the instance always keeps one.
 */
export async function setAccountActive(db: Db, actorId: number, userId: number, active: boolean): Promise<{ name: string } | null> {
	if (!active && actorId === userId) throw new InputError({ account: { key: 'admin.notYourself' } });
	const result = await transaction(db, async (tx) => {
		const target = (await tx.update(users).set({ active }).where(eq(users.id, userId)).returning({ name: users.name, isAdmin: users.isAdmin }))[0]!;
		if (!target) return null;
		if (!active) {
			const others = (await tx.select({ n: sql<number>`count(*)` }).from(users).where(and(eq(users.isAdmin, true), eq(users.active, true), ne(users.id, userId))))[0];
			if (target.isAdmin && (others?.n ?? 0) === 0) throw new InputError({ account: { key: 'admin.lastAdmin' } });
			await endSessionsOf(tx, userId);
		}
		return { name: target.name };
	});
	if (result && !active) closeUserConnections(userId, { final: true, why: 'account deactivated' });
	return result;
}

/** Own password: the current one is required; every other session of the account ends, this one stays. */
export async function changeOwnPassword(db: Db, userId: number, source: FormData | Record<string, unknown>, keepSessionToken?: string) {
	const user = (await db.select().from(users).where(eq(users.id, userId)))[0];
	if (!user) throw new InputError({ currentPassword: { key: 'error.notFound' } });
	const reader = new InputReader(source);
	const current = readPassword(reader, source, 'currentPassword');
	const password = readNewPassword(reader, source, user.email);
	reader.done();
	if (!(await verifyPasswordAsync(current, user.passwordHash))) throw new InputError({ currentPassword: { key: 'account.currentWrong' } });
	if (password === current) throw new InputError({ password: { key: 'account.sameAsCurrent' } });
	const passwordHash = await hashPasswordAsync(password);
	const result = await transaction(db, async (tx) => {
		await tx.update(users).set({ passwordHash }).where(eq(users.id, userId));
		return { endedSessions: await endSessionsOf(tx, userId, keepSessionToken) };
	});
	// Sockets do not say which session opened them: all retry, and only this session's come back.
	closeUserConnections(userId, { final: false, why: 'password changed' });
	return result;
}
