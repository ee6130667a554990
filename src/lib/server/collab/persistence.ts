import { and, asc, eq, gt, lte, sql } from 'drizzle-orm';
import type { Db } from '../db/client';
import { collabSnapshots, collabUpdates } from '../db/schema';

/**
 * Where a room's document lives between restarts. Kept small so that another store
 * (PostgreSQL, or Redis streams shared by several instances) is an added adapter.
 */
export interface RoomStore {
	/** The latest snapshot and every update appended after it, oldest first. */
	load(room: string): { snapshot: Uint8Array | null; updates: Uint8Array[] };
	/** Appends one accepted update; must be durable before it returns (the update is then broadcast). */
	append(room: string, update: Uint8Array): void;
	/** Replaces the log up to now with one snapshot of the whole document. */
	compact(room: string, state: Uint8Array): void;
}

/** SQLite (WAL): an append costs tens of microseconds and survives kill -9 once it returns. */
export class SqliteRoomStore implements RoomStore {
	constructor(private readonly db: Db) {}

	load(room: string) {
		const snap = this.db.select().from(collabSnapshots).where(eq(collabSnapshots.room, room)).get();
		const rows = this.db
			.select({ data: collabUpdates.data })
			.from(collabUpdates)
			.where(and(eq(collabUpdates.room, room), gt(collabUpdates.id, snap?.upToId ?? 0)))
			.orderBy(asc(collabUpdates.id))
			.all();
		return { snapshot: snap ? new Uint8Array(snap.data) : null, updates: rows.map((r) => new Uint8Array(r.data)) };
	}

	append(room: string, update: Uint8Array): void {
		this.db.insert(collabUpdates).values({ room, data: Buffer.from(update.buffer, update.byteOffset, update.byteLength) }).run();
	}

	compact(room: string, state: Uint8Array): void {
		this.db.transaction((tx) => {
			const last = tx
				.select({ id: sql<number | null>`max(${collabUpdates.id})` })
				.from(collabUpdates)
				.where(eq(collabUpdates.room, room))
				.get();
			const previous = tx.select().from(collabSnapshots).where(eq(collabSnapshots.room, room)).get();
			const upToId = last?.id ?? previous?.upToId ?? 0;
			const data = Buffer.from(state.buffer, state.byteOffset, state.byteLength);
			tx.insert(collabSnapshots)
				.values({ room, data, upToId, updatedAt: new Date() })
				.onConflictDoUpdate({ target: collabSnapshots.room, set: { data, upToId, updatedAt: new Date() } })
				.run();
			tx.delete(collabUpdates).where(and(eq(collabUpdates.room, room), lte(collabUpdates.id, upToId))).run();
		});
	}
}
