import { and, asc, eq, isNull } from 'drizzle-orm';
import { grantRole, hashPasswordAsync, maySignIn, verifyPasswordAsync } from '../auth';
import { closeUserConnections } from '../collab/registry';
import { affectedRows, transaction, type Db } from '../db/client';
import { accessLinks, forumMembers, FORUM_ROLES, users, type ForumRole } from '../db/schema';
import { InputError, InputReader } from '../validation';
import { consumeLink, DAY_MS, LinkRefused, newLinkToken, usableLink, type AccessLink } from './access-links';
import { readEmail, readNewPassword, readPassword, readPersonName } from './fields';

export const INVITATION_DAYS = 7;
const MAX_INVITATION_DAYS = 30;

type Source = FormData | Record<string, unknown>;

/**
 * An invitation to one forum role (role, name, optional email, days valid): returns the token
 * for the link and QR, shown once; only its hash is stored.
 */
export async function createInvitation(db: Db, forumId: number, createdBy: number, source: Source, now = Date.now()) {
	const reader = new InputReader(source);
	const role = reader.choice('role', FORUM_ROLES);
	const name = readPersonName(reader);
	const emailGiven = reader.text('email', { max: 200 }) !== '';
	const email = emailGiven ? readEmail(reader) : '';
	const days = reader.integer('days', { min: 1, max: MAX_INVITATION_DAYS, required: false }) ?? INVITATION_DAYS;
	reader.done();
	if (!role) throw new InputError({ role: { key: 'error.required' } });
	if (email && role) {
		const holder = (await db
			.select({ id: users.id })
			.from(users)
			.innerJoin(forumMembers, eq(forumMembers.userId, users.id))
			.where(and(eq(users.email, email), eq(forumMembers.forumId, forumId), eq(forumMembers.role, role))))[0];
		if (holder) throw new InputError({ email: { key: 'invitation.alreadyHolds' } });
	}
	const { token, tokenHash } = newLinkToken();
	const invitation = (await db
		.insert(accessLinks)
		.values({ kind: 'invite', tokenHash, forumId, role, name, email, createdBy, expiresAt: new Date(now + days * DAY_MS) })
		.returning())[0]!;
	return { token, invitation };
}

/** Invitations of a forum not yet accepted, newest first; expired ones stay listed until revoked or renewed. */
export async function listOpenInvitations(db: Db, forumId: number) {
	return await db
		.select({ id: accessLinks.id, role: accessLinks.role, name: accessLinks.name, email: accessLinks.email, expiresAt: accessLinks.expiresAt, createdAt: accessLinks.createdAt, createdBy: users.name })
		.from(accessLinks)
		.leftJoin(users, eq(users.id, accessLinks.createdBy))
		.where(and(eq(accessLinks.kind, 'invite'), eq(accessLinks.forumId, forumId), isNull(accessLinks.usedAt)))
		.orderBy(asc(accessLinks.expiresAt));
}

async function openInvitation(db: Db, forumId: number, id: number) {
	return (await db
		.select()
		.from(accessLinks)
		.where(and(eq(accessLinks.id, id), eq(accessLinks.kind, 'invite'), eq(accessLinks.forumId, forumId), isNull(accessLinks.usedAt))))[0];
}

/** A new token (the old link stops working) and a fresh validity period; null when not open in this forum. */
export async function renewInvitation(db: Db, forumId: number, id: number, now = Date.now()) {
	if (!await openInvitation(db, forumId, id)) return null;
	const { token, tokenHash } = newLinkToken();
	const invitation = (await db
		.update(accessLinks)
		.set({ tokenHash, expiresAt: new Date(now + INVITATION_DAYS * DAY_MS) })
		.where(eq(accessLinks.id, id))
		.returning())[0]!;
	return { token, invitation };
}

/** Deletes an open invitation of this forum: its link then reads as unknown. */
export async function revokeInvitation(db: Db, forumId: number, id: number): Promise<boolean> {
	if (!await openInvitation(db, forumId, id)) return false;
	return affectedRows(await db.delete(accessLinks).where(eq(accessLinks.id, id))) === 1;
}

/** What the acceptance page shows: the forum role on offer and who it was meant for. */
export async function invitationFor(db: Db, token: string, now = Date.now()): Promise<AccessLink & { role: ForumRole; forumId: number }> {
	const link = await usableLink(db, 'invite', token, now);
	if (link.forumId == null || link.role == null) throw new LinkRefused('unknown');
	return { ...link, forumId: link.forumId, role: link.role };
}

/** The invitee sets name, email and password: a new account holding the role. */
export async function acceptWithNewAccount(db: Db, token: string, source: Source, now = Date.now()) {
	await invitationFor(db, token, now);
	const reader = new InputReader(source);
	const name = readPersonName(reader);
	const email = readEmail(reader);
	const password = readNewPassword(reader, source, email);
	reader.done();
	if ((await db.select({ id: users.id }).from(users).where(eq(users.email, email)))[0]) {
		throw new InputError({ email: { key: 'invitation.emailHasAccount' } });
	}
	const passwordHash = await hashPasswordAsync(password);
	return await transaction(db, async (tx) => {
		const link = await consumeLink(tx, 'invite', token, now);
		if ((await tx.select({ id: users.id }).from(users).where(eq(users.email, email)))[0]) {
			throw new InputError({ email: { key: 'invitation.emailHasAccount' } });
		}
		const user = (await tx.insert(users).values({ name, email, passwordHash }).returning())[0]!;
		await grantRole(tx, link.forumId!, user.id, link.role!);
		return { user, forumId: link.forumId!, role: link.role! };
	});
}

/** Someone who already has an account signs in with it and receives the role. */
export async function acceptWithExistingAccount(db: Db, token: string, source: Source, now = Date.now()) {
	await invitationFor(db, token, now);
	const reader = new InputReader(source);
	const email = readEmail(reader);
	const password = readPassword(reader, source);
	reader.done();
	const user = (await db.select().from(users).where(eq(users.email, email)))[0];
	// Hash anyway for an unknown email so the answer's timing does not tell which emails exist.
	const ok = user ? await verifyPasswordAsync(password, user.passwordHash) : (await hashPasswordAsync(password), false);
	if (!user || !ok || !maySignIn(user)) throw new InputError({ password: { key: 'login.failed' } });
	const granted = await transaction(db, async (tx) => {
		const link = await consumeLink(tx, 'invite', token, now);
		await grantRole(tx, link.forumId!, user.id, link.role!);
		return { user, forumId: link.forumId!, role: link.role! };
	});
	// Open sockets carry the roles of their upgrade: reconnect to get the new one.
	closeUserConnections(user.id, { final: false, why: 'forum roles changed' });
	return granted;
}
