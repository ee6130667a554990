import { eq, sql } from 'drizzle-orm';
import type { Db } from '../db/client';
import { users } from '../db/schema';

/** True until the instance administrator exists: the home page then says that set-up is pending. */
export function isSetupPending(db: Db): boolean {
	const row = db.select({ n: sql<number>`count(*)` }).from(users).where(eq(users.isAdmin, true)).get();
	return (row?.n ?? 0) === 0;
}
