/**
 * The live-document log on SQLite, written synchronously: used by the writer thread (its own
 * connection, log-writer-thread.ts) and by the event-loop store of in-memory databases. Kept
 * synchronous on purpose (better-sqlite3 is), apart from the async domain code: an append is one
 * IMMEDIATE transaction and one disk flush, with nothing else interleaved on the connection.
 */
import { and, eq, lte } from 'drizzle-orm';
import type { Db } from '../db/client';
import { collabSnapshots, collabUpdates } from '../db/schema';

export function blob(bytes: Uint8Array): Buffer {
	return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
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

