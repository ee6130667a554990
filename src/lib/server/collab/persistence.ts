import { and, asc, eq, gt, lte } from 'drizzle-orm';
import type { Db } from '../db/client';
import { collabSnapshots, collabUpdates } from '../db/schema';

/**
 * Where a room's document lives between restarts. Kept small so that another store
 * (PostgreSQL, or Redis streams shared by several instances) is an added adapter.
 */
export interface RoomStore {
	/** The latest snapshot and every update appended after it, oldest first; `lastId` is the newest log id read. */
	load(room: string): { snapshot: Uint8Array | null; updates: Uint8Array[]; lastId: number };
	/**
	 * Appends accepted updates, in order, in one transaction (one disk flush for all of them), and
	 * returns the last log id; durable before it returns (the updates are then broadcast).
	 */
	append(room: string, updates: readonly Uint8Array[]): number;
	/**
	 * Replaces the log up to `upToId` with one snapshot of the whole document. The caller passes the
	 * last id it appended or loaded itself, so a row written by anyone else is never folded away unseen.
	 */
	compact(room: string, state: Uint8Array, upToId: number): void;
}

/**
 * SQLite (WAL, synchronous=FULL): an append is on disk when it returns, so it survives kill -9 and a
 * power cut alike. The flush to disk is the cost, so a room appends everything that arrived in one
 * event-loop turn together.
 */
export class SqliteRoomStore implements RoomStore {
	constructor(private readonly db: Db) {}

	load(room: string) {
		const snap = this.db.select().from(collabSnapshots).where(eq(collabSnapshots.room, room)).get();
		const rows = this.db
			.select({ id: collabUpdates.id, data: collabUpdates.data })
			.from(collabUpdates)
			.where(and(eq(collabUpdates.room, room), gt(collabUpdates.id, snap?.upToId ?? 0)))
			.orderBy(asc(collabUpdates.id))
			.all();
		const lastId = rows.length > 0 ? rows[rows.length - 1]!.id : (snap?.upToId ?? 0);
		return { snapshot: snap ? new Uint8Array(snap.data) : null, updates: rows.map((r) => new Uint8Array(r.data)), lastId };
	}

	append(room: string, updates: readonly Uint8Array[]): number {
		return this.db.transaction((tx) => {
			let lastId = 0;
			for (const update of updates) {
				const result = tx.insert(collabUpdates).values({ room, data: Buffer.from(update.buffer, update.byteOffset, update.byteLength) }).run();
				lastId = Number(result.lastInsertRowid);
			}
			return lastId;
		});
	}

	compact(room: string, state: Uint8Array, upToId: number): void {
		this.db.transaction((tx) => {
			const previous = tx.select().from(collabSnapshots).where(eq(collabSnapshots.room, room)).get();
			// Never fold backwards: an older state must not replace a newer snapshot.
			if (previous && previous.upToId > upToId) return;
			const data = Buffer.from(state.buffer, state.byteOffset, state.byteLength);
			tx.insert(collabSnapshots)
				.values({ room, data, upToId, updatedAt: new Date() })
				.onConflictDoUpdate({ target: collabSnapshots.room, set: { data, upToId, updatedAt: new Date() } })
				.run();
			tx.delete(collabUpdates).where(and(eq(collabUpdates.room, room), lte(collabUpdates.id, upToId))).run();
		});
	}
}
