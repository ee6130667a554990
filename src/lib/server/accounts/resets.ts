import { and, eq, isNull } from 'drizzle-orm';
import { endSessionsOf, hashPasswordAsync } from '../auth';
import { closeUserConnections } from '../collab/registry';
import { transaction, type Db } from '../db/client';
import { accessLinks, users } from '../db/schema';
import { InputError, InputReader } from '../validation';
import { consumeLink, DAY_MS, LinkRefused, newLinkToken, usableLink } from './access-links';
import { readNewPassword } from './fields';

export const RESET_DAYS = 1;

/**
 * A single-use link that sets a new password for an account (issued by the administrator or
 * `npm run admin -- reset-password`). Earlier unused reset links of the account stop working.
 * Null for an unknown or deactivated account.
 */
export async function issueResetLink(db: Db, userId: number, createdBy: number | null, now = Date.now()) {
	const user = (await db.select().from(users).where(eq(users.id, userId)))[0];
	if (!user) return null;
	if (!user.active) throw new InputError({ account: { key: 'admin.resetInactive' } });
	const { token, tokenHash } = newLinkToken();
	const link = await transaction(db, async (tx) => {
		await tx.delete(accessLinks).where(and(eq(accessLinks.kind, 'reset'), eq(accessLinks.userId, userId), isNull(accessLinks.usedAt)));
		return (await tx
			.insert(accessLinks)
			.values({ kind: 'reset', tokenHash, userId, name: user.name, email: user.email, createdBy, expiresAt: new Date(now + RESET_DAYS * DAY_MS) })
			.returning())[0]!;
	});
	return { token, link, user };
}

/** The account a reset link is for, or `LinkRefused`. */
export async function resetTarget(db: Db, token: string, now = Date.now()) {
	const link = await usableLink(db, 'reset', token, now);
	const user = link.userId != null ? (await db.select().from(users).where(eq(users.id, link.userId)))[0] : undefined;
	if (!user || !user.active) throw new LinkRefused('unknown');
	return { link, user };
}

/** Sets the new password (typed twice); every session of the account ends. */
export async function resetPassword(db: Db, token: string, source: FormData | Record<string, unknown>, now = Date.now()) {
	const { user } = await resetTarget(db, token, now);
	const reader = new InputReader(source);
	const password = readNewPassword(reader, source, user.email);
	reader.done();
	const passwordHash = await hashPasswordAsync(password);
	const updated = await transaction(db, async (tx) => {
		await consumeLink(tx, 'reset', token, now);
		await tx.update(users).set({ passwordHash }).where(eq(users.id, user.id));
		await endSessionsOf(tx, user.id);
		return user;
	});
	closeUserConnections(user.id, { final: false, why: 'password reset' });
	return updated;
}
