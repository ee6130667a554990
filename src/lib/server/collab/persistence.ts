import type { Db } from '../db/client';
import type { StoredRoom } from './rooms';
import { loadStoredRoom } from './database-store';
import { appendToRoomLog, compactRoomLog } from './sqlite-log';

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
		return loadStoredRoom(this.db, room);
	}

	async append(room: string, updates: readonly Uint8Array[]): Promise<number> {
		return appendToRoomLog(this.db, room, updates);
	}

	async compact(room: string, state: Uint8Array, upToId: number): Promise<void> {
		compactRoomLog(this.db, room, state, upToId);
	}

	async close(): Promise<void> {}
}
