import { and, asc, eq, gt, lte } from 'drizzle-orm';
import { transaction, type Db } from '../db/client';
import { collabSnapshots, collabUpdates } from '../db/schema';
import type { StoredRoom } from './rooms';
import { appendToRoomLog, blob, compactRoomLog, loadRoomLog } from './sqlite-log';

export { loadRoomLog };

/**
 * Where a room's document lives between restarts. Kept small so that another store
 * (PostgreSQL, or Redis streams shared by several instances) is an added adapter.
 *
 * Writes are asynchronous: the file-backed store flushes to disk on a writer thread so that the
 * flush (synchronous=FULL) never stalls the sockets of every room. A store runs its writes in the
 * order they were asked for.
 */
export interface RoomStore {
	/** The latest snapshot and every update appended after it, oldest first; `lastId` is the newest log id read. */
	load(room: string): Promise<StoredRoom>;
	/**
	 * Appends accepted updates, in order, in one transaction (one disk flush for all of them), and
	 * resolves with the last log id once they are durable (the updates are then broadcast).
	 */
	append(room: string, updates: readonly Uint8Array[]): Promise<number>;
	/**
	 * Replaces the log up to `upToId` with one snapshot of the whole document. The caller passes the
	 * last id it appended or loaded itself, so a row written by anyone else is never folded away unseen.
	 */
	compact(room: string, state: Uint8Array, upToId: number): Promise<void>;
	/** Finishes every write asked for so far, then releases the store (graceful shutdown). */
	close(): Promise<void>;
}

/**
 * SQLite on the caller's own connection, written on the event loop. Used for in-memory databases
 * (unit tests), which a second thread cannot open; a file database uses `LogWriterStore`
 * (log-writer.ts). The writes happen when asked, so an append is durable before its promise exists.
 */
export class SqliteRoomStore implements RoomStore {
	constructor(private readonly db: Db) {}

	async load(room: string): Promise<StoredRoom> {
		return loadRoomLog(this.db, room);
	}

	async append(room: string, updates: readonly Uint8Array[]): Promise<number> {
		return appendToRoomLog(this.db, room, updates);
	}

	async compact(room: string, state: Uint8Array, upToId: number): Promise<void> {
		compactRoomLog(this.db, room, state, upToId);
	}

	async close(): Promise<void> {}
}

/**
 * The live-document log in PostgreSQL, shared by every instance. An append is one transaction (one
 * WAL flush, synchronous_commit on) that resolves only once committed; the room broadcasts after.
 * Writes run one at a time in the order asked, as the room expects of every store.
 */
export class PostgresRoomStore implements RoomStore {
	private queue: Promise<unknown> = Promise.resolve();

	constructor(private readonly db: Db) {}

	private inOrder<T>(write: () => Promise<T>): Promise<T> {
		const next = this.queue.then(write, write);
		this.queue = next.catch(() => {});
		return next;
	}

	async load(room: string): Promise<StoredRoom> {
		return transaction(this.db, async (tx) => {
			const snap = (await tx.select().from(collabSnapshots).where(eq(collabSnapshots.room, room)))[0];
			const rows = await tx
				.select({ id: collabUpdates.id, data: collabUpdates.data })
				.from(collabUpdates)
				.where(and(eq(collabUpdates.room, room), gt(collabUpdates.id, snap?.upToId ?? 0)))
				.orderBy(asc(collabUpdates.id));
			const lastId = rows.length > 0 ? rows[rows.length - 1]!.id : (snap?.upToId ?? 0);
			return { snapshot: snap ? new Uint8Array(snap.data) : null, updates: rows.map((r) => new Uint8Array(r.data)), lastId };
		});
	}

	append(room: string, updates: readonly Uint8Array[]): Promise<number> {
		return this.inOrder(async () => {
			const rows = await this.db
				.insert(collabUpdates)
				.values(updates.map((update) => ({ room, data: blob(update) })))
				.returning({ id: collabUpdates.id });
			return Math.max(0, ...rows.map((r) => r.id));
		});
	}

	compact(room: string, state: Uint8Array, upToId: number): Promise<void> {
		return this.inOrder(() =>
			transaction(this.db, async (tx) => {
				const previous = (await tx.select().from(collabSnapshots).where(eq(collabSnapshots.room, room)))[0];
				// Never fold backwards: an older state must not replace a newer snapshot.
				if (previous && previous.upToId > upToId) return;
				const data = blob(state);
				await tx
					.insert(collabSnapshots)
					.values({ room, data, upToId, updatedAt: new Date() })
					.onConflictDoUpdate({ target: collabSnapshots.room, set: { data, upToId, updatedAt: new Date() } });
				await tx.delete(collabUpdates).where(and(eq(collabUpdates.room, room), lte(collabUpdates.id, upToId)));
			})
		);
	}

	async close(): Promise<void> {
		await this.queue;
	}
}
