import { randomBytes } from 'node:crypto';
import { and, eq, isNull } from 'drizzle-orm';
import { affectedRows, type Db } from '../db/client';
import { accessLinks, type AccessLinkKind } from '../db/schema';
import { sha256Hex } from '../hashing';

export type AccessLink = typeof accessLinks.$inferSelect;

/** Why a single-use link cannot be used. Revoked links are deleted, so they read as unknown. */
export type LinkRefusal = 'unknown' | 'used' | 'expired';

/** Thrown when a link turns out to be unusable, possibly inside a transaction that then rolls back. */
export class LinkRefused extends Error {
	constructor(
		readonly reason: LinkRefusal,
		readonly expiresAt: Date | null = null
	) {
		super(`access link ${reason}`);
		this.name = 'LinkRefused';
	}
}

export const DAY_MS = 24 * 3600 * 1000;

/** A new random token for a link; the database keeps only its SHA-256. */
export function newLinkToken(): { token: string; tokenHash: string } {
	const token = randomBytes(24).toString('base64url');
	return { token, tokenHash: sha256Hex(token) };
}

/** The link behind `token`, if it is of `kind` and still usable at `now`; throws `LinkRefused` otherwise. */
export async function usableLink(db: Db, kind: AccessLinkKind, token: string, now = Date.now()): Promise<AccessLink> {
	const link = token ? (await db.select().from(accessLinks).where(eq(accessLinks.tokenHash, sha256Hex(token))))[0] : undefined;
	if (!link || link.kind !== kind) throw new LinkRefused('unknown');
	if (link.usedAt) throw new LinkRefused('used');
	if (link.expiresAt.getTime() <= now) throw new LinkRefused('expired', link.expiresAt);
	return link;
}

/**
 * Marks the link used; call inside the transaction that does what the link allows. Two tabs
 * posting at once: the second finds it used, throws, and its transaction stores nothing.
 */
export async function consumeLink(db: Db, kind: AccessLinkKind, token: string, now = Date.now()): Promise<AccessLink> {
	const link = await usableLink(db, kind, token, now);
	const changed = affectedRows(await db
		.update(accessLinks)
		.set({ usedAt: new Date(now) })
		.where(and(eq(accessLinks.id, link.id), isNull(accessLinks.usedAt))));
	if (changed !== 1) throw new LinkRefused('used');
	return link;
}
