import { asc, eq, inArray } from 'drizzle-orm';
import type { Db } from '../db/client';
import { forums } from '../db/schema';
import type { Viewer } from '../auth';

export type Forum = typeof forums.$inferSelect;

export function getForum(db: Db, id: number): Forum | null {
	return db.select().from(forums).where(eq(forums.id, id)).get() ?? null;
}

/** The forums an account belongs to, in any role. */
export function forumsOf(db: Db, viewer: Viewer | null): Forum[] {
	if (viewer?.kind !== 'account') return [];
	const ids = [...new Set(viewer.roles.map((r) => r.forumId))];
	if (ids.length === 0) return [];
	return db.select().from(forums).where(inArray(forums.id, ids)).orderBy(asc(forums.name)).all();
}
