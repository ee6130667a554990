/**
 * The live-document log through drizzle's awaited queries, on either engine: the room store for
 * PostgreSQL (no writer thread: the pool's connections write concurrently with the event loop), and
 * for rooms owned by one of several instances, where every write carries the owner's lease fence.
 *
 * Fencing: the database refuses an append or compaction whose fence is lower than one already
 * raised for the room, in the same transaction as the write. An owner that lost its lease (paused,
 * cut off from Redis) and wakes up cannot write behind its successor's back.
 */
import { and, asc, eq, gt, lte } from 'drizzle-orm';
import { transaction, type Db } from '../db/client';
import { collabRoomFences, collabSnapshots, collabUpdates } from '../db/schema';
import type { RoomStore } from './persistence';
import type { StoredRoom } from './rooms';

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

function blob(bytes: Uint8Array): Buffer {
	return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** The latest snapshot and every update appended after it, oldest first. */
export async function loadStoredRoom(db: Db, room: string): Promise<StoredRoom> {
	const snap = (await db.select().from(collabSnapshots).where(eq(collabSnapshots.room, room)))[0];
	const rows = await db
		.select({ id: collabUpdates.id, data: collabUpdates.data })
		.from(collabUpdates)
		.where(and(eq(collabUpdates.room, room), gt(collabUpdates.id, snap?.upToId ?? 0)))
		.orderBy(asc(collabUpdates.id));
	const lastId = rows.length > 0 ? rows[rows.length - 1]!.id : (snap?.upToId ?? 0);
	return { snapshot: snap ? new Uint8Array(snap.data) : null, updates: rows.map((r) => new Uint8Array(r.data)), lastId };
}

/**
 * Raises the room's stored fence to `fence`, or throws `StaleFenceError` if it is already higher.
 * One statement (an upsert that updates only while the stored fence is not higher): on PostgreSQL
 * it locks the room's row until the transaction ends, so a claim and an append never interleave.
 */
async function raiseFence(tx: Db, room: string, fence: number): Promise<void> {
	const raised = await tx
		.insert(collabRoomFences)
		.values({ room, fence })
		.onConflictDoUpdate({ target: collabRoomFences.room, set: { fence }, setWhere: lte(collabRoomFences.fence, fence) })
		.returning({ fence: collabRoomFences.fence });
	if (raised.length > 0) return;
	const stored = (await tx.select({ fence: collabRoomFences.fence }).from(collabRoomFences).where(eq(collabRoomFences.room, room)))[0]?.fence ?? 0;
	throw new StaleFenceError(room, fence, stored);
}

/**
 * A new owner claims the room before loading it: from then on appends with a lower fence are
 * refused, so what it loads next is everything any earlier owner could still write.
 */
export async function claimRoom(db: Db, room: string, fence: number): Promise<{ ok: true } | { ok: false; stored: number }> {
	try {
		await transaction(db, (tx) => raiseFence(tx, room, fence));
		return { ok: true };
	} catch (error) {
		if (error instanceof StaleFenceError) return { ok: false, stored: error.stored };
		throw error;
	}
}

/** One transaction for the batch; returns the last log id. `fence` null: one instance, no lease. */
export async function appendStored(db: Db, room: string, updates: readonly Uint8Array[], fence: number | null): Promise<number> {
	return transaction(db, async (tx) => {
		if (fence !== null) await raiseFence(tx, room, fence);
		const rows = await tx
			.insert(collabUpdates)
			.values(updates.map((update) => ({ room, data: blob(update), fence: fence ?? 0 })))
			.returning({ id: collabUpdates.id });
		return rows.reduce((last, r) => Math.max(last, r.id), 0);
	});
}

export async function compactStored(db: Db, room: string, state: Uint8Array, upToId: number, fence: number | null): Promise<void> {
	await transaction(db, async (tx) => {
		if (fence !== null) await raiseFence(tx, room, fence);
		const previous = (await tx.select({ upToId: collabSnapshots.upToId }).from(collabSnapshots).where(eq(collabSnapshots.room, room)))[0];
		// Never fold backwards: an older state must not replace a newer snapshot.
		if (previous && previous.upToId > upToId) return;
		const data = blob(state);
		await tx
			.insert(collabSnapshots)
			.values({ room, data, upToId, updatedAt: new Date() })
			.onConflictDoUpdate({ target: collabSnapshots.room, set: { data, upToId, updatedAt: new Date() } });
		await tx.delete(collabUpdates).where(and(eq(collabUpdates.room, room), lte(collabUpdates.id, upToId)));
	});
}

/**
 * `fenceOf` answers the fence of a lease this instance can still prove, or null (then nothing is
 * written); `onStale` hears of a refusal, so the owner drops the room instead of retrying a write
 * that can never succeed.
 */
export type Fencing = { fenceOf: (room: string) => number | null; onStale: (room: string, error: Error) => void };

/** `RoomStore` over drizzle's awaited queries, fenced when several instances share the rooms. */
export class DatabaseRoomStore implements RoomStore {
	constructor(
		private readonly db: Db,
		private readonly fencing: Fencing | null = null
	) {}

	load(room: string): Promise<StoredRoom> {
		return loadStoredRoom(this.db, room);
	}

	append(room: string, updates: readonly Uint8Array[]): Promise<number> {
		return this.fenced(room, (fence) => appendStored(this.db, room, updates, fence));
	}

	async compact(room: string, state: Uint8Array, upToId: number): Promise<void> {
		await this.fenced(room, (fence) => compactStored(this.db, room, state, upToId, fence));
	}

	async close(): Promise<void> {}

	private async fenced<T>(room: string, write: (fence: number | null) => Promise<T>): Promise<T> {
		if (!this.fencing) return write(null);
		const fence = this.fencing.fenceOf(room);
		if (fence === null) {
			const error = new LeaseLostError(room);
			this.fencing.onStale(room, error);
			throw error;
		}
		try {
			return await write(fence);
		} catch (error) {
			if (error instanceof StaleFenceError) this.fencing.onStale(room, error);
			throw error;
		}
	}
}
