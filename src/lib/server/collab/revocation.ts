import { eq, lt } from 'drizzle-orm';
import type { Db } from '../db/client';
import { revokedTokens } from '../db/schema';
import { log } from '../log';
import { closeTokenConnections } from './registry';

/** Withdraws a collab token before it expires: refused at the next upgrade, its open sockets closed now. */
export function revokeCollabToken(db: Db, tokenId: string, expiresAt: number, now = Date.now()): void {
	// A row is only needed while the token itself would still be accepted.
	db.delete(revokedTokens).where(lt(revokedTokens.expiresAt, new Date(now))).run();
	if (expiresAt > now) db.insert(revokedTokens).values({ tokenId, expiresAt: new Date(expiresAt) }).onConflictDoNothing().run();
	log('info', 'collabToken.revoked', { tokenId });
	closeTokenConnections(tokenId);
}

export function isCollabTokenRevoked(db: Db, tokenId: string): boolean {
	return db.select({ id: revokedTokens.tokenId }).from(revokedTokens).where(eq(revokedTokens.tokenId, tokenId)).get() !== undefined;
}
