import { eq, lt } from 'drizzle-orm';
import type { Db } from '../db/client';
import { revokedTokens } from '../db/schema';
import { log } from '../log';
import { closeTokenConnections } from './registry';

/** Withdraws a collab token before it expires: refused at the next upgrade, its open sockets closed now. */
export async function revokeCollabToken(db: Db, tokenId: string, expiresAt: number, now = Date.now()): Promise<void> {
	// A row is only needed while the token itself would still be accepted.
	await db.delete(revokedTokens).where(lt(revokedTokens.expiresAt, new Date(now)));
	if (expiresAt > now) await db.insert(revokedTokens).values({ tokenId, expiresAt: new Date(expiresAt) }).onConflictDoNothing();
	log('info', 'collabToken.revoked', { tokenId });
	closeTokenConnections(tokenId);
}

export async function isCollabTokenRevoked(db: Db, tokenId: string): Promise<boolean> {
	return (await db.select({ id: revokedTokens.tokenId }).from(revokedTokens).where(eq(revokedTokens.tokenId, tokenId)))[0] !== undefined;
}
