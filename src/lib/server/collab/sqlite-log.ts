/**
 * The live-document log on SQLite, written synchronously: used by the writer thread (its own
 * connection, log-writer-thread.ts) and by the event-loop store of in-memory databases. Kept
 * synchronous on purpose (better-sqlite3 is), apart from the async domain code: an append is one
 * IMMEDIATE transaction and one disk flush, with nothing else interleaved on the connection.
 */
import { and, asc, eq, gt, lte } from 'drizzle-orm';
import type { Db } from '../db/client';
import { collabSnapshots, collabUpdates } from '../db/schema';

export function blob(bytes: Uint8Array): Buffer {
	return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

export function loadRoomLog(db: Db, room: string) {
	const snap = db.select().from(collabSnapshots).where(eq(collabSnapshots.room, room)).get();
	const rows = db
		.select({ id: collabUpdates.id, data: collabUpdates.data })
		.from(collabUpdates)
		.where(and(eq(collabUpdates.room, room), gt(collabUpdates.id, snap?.upToId ?? 0)))
		.orderBy(asc(collabUpdates.id))
		.all();
	const lastId = rows.length > 0 ? rows[rows.length - 1]!.id : (snap?.upToId ?? 0);
	return { snapshot: snap ? new Uint8Array(snap.data) : null, updates: rows.map((r) => new Uint8Array(r.data)), lastId };
}

/** One transaction, so one disk flush for the whole batch; returns the last log id. */
export function appendToRoomLog(db: Db, room: string, updates: readonly Uint8Array[]): number {
	return db.transaction(
		(tx) => {
			let lastId = 0;
			for (const update of updates) lastId = Number(tx.insert(collabUpdates).values({ room, data: blob(update) }).run().lastInsertRowid);
			return lastId;
		},
		{ behavior: 'immediate' }
	);
}

export function compactRoomLog(db: Db, room: string, state: Uint8Array, upToId: number): void {
	db.transaction((tx) => {
		const previous = tx.select().from(collabSnapshots).where(eq(collabSnapshots.room, room)).get();
		// Never fold backwards: an older state must not replace a newer snapshot.
		if (previous && previous.upToId > upToId) return;
		const data = blob(state);
		tx.insert(collabSnapshots)
			.values({ room, data, upToId, updatedAt: new Date() })
			.onConflictDoUpdate({ target: collabSnapshots.room, set: { data, upToId, updatedAt: new Date() } })
			.run();
		tx.delete(collabUpdates).where(and(eq(collabUpdates.room, room), lte(collabUpdates.id, upToId))).run();
	}, { behavior: 'immediate' });
}

