/**
 * The room store of an owner among several instances: every append and compaction carries the
 * owner's lease fence, and the database refuses it when a later owner has already claimed the room
 * with a higher one. The fence check and the write are one transaction, so a stale owner's late
 * write can never land behind its successor's back.
 */
import { and, eq, lte } from 'drizzle-orm';
import type { Db } from '../../db/client';
import { collabRoomFences, collabSnapshots, collabUpdates } from '../../db/schema';
import { loadRoomLog, type RoomStore } from '../persistence';

/** A later owner holds the room: this instance must stop serving it. */
export class StaleFenceError extends Error {
	constructor(
		readonly room: string,
		readonly fence: number,
		readonly stored: number
	) {
		super(`room ${room}: fence ${fence} is older than ${stored}, another instance owns the room`);
		this.name = 'StaleFenceError';
	}
}

/** The lease was lost before the write: nothing was written. */
export class LeaseLostError extends Error {
	constructor(readonly room: string) {
		super(`room ${room}: lease lost, not written`);
		this.name = 'LeaseLostError';
	}
}

type Tx = Parameters<Parameters<Db['transaction']>[0]>[0];

/**
 * Raises the room's stored fence to `fence`, or throws `StaleFenceError` if it is already higher.
 * One statement (an upsert that updates only while the stored fence is not higher): on PostgreSQL
 * it locks the room's row until the transaction ends, so a claim and an append never interleave.
 */
function raiseFence(tx: Tx, room: string, fence: number): void {
	const raised = tx
		.insert(collabRoomFences)
		.values({ room, fence })
		.onConflictDoUpdate({ target: collabRoomFences.room, set: { fence }, setWhere: lte(collabRoomFences.fence, fence) })
		.returning({ fence: collabRoomFences.fence })
		.all();
	if (raised.length > 0) return;
	const stored = tx.select({ fence: collabRoomFences.fence }).from(collabRoomFences).where(eq(collabRoomFences.room, room)).get()?.fence ?? 0;
	throw new StaleFenceError(room, fence, stored);
}

/**
 * A new owner claims the room before loading it: from now on appends with a lower fence are
 * refused, so what it loads next is everything any earlier owner could still write.
 */
export function claimRoom(db: Db, room: string, fence: number): { ok: true } | { ok: false; stored: number } {
	try {
		db.transaction((tx) => raiseFence(tx, room, fence));
		return { ok: true };
	} catch (error) {
		if (error instanceof StaleFenceError) return { ok: false, stored: error.stored };
		throw error;
	}
}

function blob(bytes: Uint8Array): Buffer {
	return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

export function appendFenced(db: Db, room: string, fence: number, updates: readonly Uint8Array[]): number {
	return db.transaction((tx) => {
		raiseFence(tx, room, fence);
		let lastId = 0;
		for (const update of updates) lastId = Number(tx.insert(collabUpdates).values({ room, data: blob(update), fence }).run().lastInsertRowid);
		return lastId;
	});
}

export function compactFenced(db: Db, room: string, fence: number, state: Uint8Array, upToId: number): void {
	db.transaction((tx) => {
		raiseFence(tx, room, fence);
		const previous = tx.select().from(collabSnapshots).where(eq(collabSnapshots.room, room)).get();
		if (previous && previous.upToId > upToId) return;
		const data = blob(state);
		tx.insert(collabSnapshots)
			.values({ room, data, upToId, updatedAt: new Date() })
			.onConflictDoUpdate({ target: collabSnapshots.room, set: { data, upToId, updatedAt: new Date() } })
			.run();
		tx.delete(collabUpdates).where(and(eq(collabUpdates.room, room), lte(collabUpdates.id, upToId))).run();
	});
}

/**
 * `RoomStore` for rooms this instance owns. `fenceOf` answers the fence of a lease this instance
 * can still prove, or null (then nothing is written). `onStale` hears of a refusal, so the owner
 * drops the room instead of retrying a write that can never succeed.
 */
export class FencedRoomStore implements RoomStore {
	constructor(
		private readonly db: Db,
		private readonly fenceOf: (room: string) => number | null,
		private readonly onStale: (room: string, error: Error) => void
	) {}

	load(room: string) {
		return loadRoomLog(this.db, room);
	}

	async append(room: string, updates: readonly Uint8Array[]): Promise<number> {
		return this.fenced(room, (fence) => appendFenced(this.db, room, fence, updates));
	}

	async compact(room: string, state: Uint8Array, upToId: number): Promise<void> {
		this.fenced(room, (fence) => compactFenced(this.db, room, fence, state, upToId));
	}

	async close(): Promise<void> {}

	private fenced<T>(room: string, write: (fence: number) => T): T {
		const fence = this.fenceOf(room);
		if (fence === null) {
			const error = new LeaseLostError(room);
			this.onStale(room, error);
			throw error;
		}
		try {
			return write(fence);
		} catch (error) {
			if (error instanceof StaleFenceError) this.onStale(room, error);
			throw error;
		}
	}
}
