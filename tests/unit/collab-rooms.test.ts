import * as Y from 'yjs';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { cellKey, roots } from '../../src/lib/collab/matrix-doc';
import { decodeRefusal } from '../../src/lib/collab/refusals';
import { LogWriterStore, roomStoreFor } from '../../src/lib/server/collab/log-writer';
import { SqliteRoomStore, type RoomStore } from '../../src/lib/server/collab/persistence';
import type { Principal } from '../../src/lib/server/collab/principal';
import { parseMessage, syncStep1Message, updateMessage } from '../../src/lib/server/collab/protocol';
import { RoomManager, type Connection } from '../../src/lib/server/collab/rooms';
import { dialectOf, openDatabase, type Db } from '../../src/lib/server/db/client';
import { DatabaseRoomStore } from '../../src/lib/server/collab/database-store';
import { collabSnapshots, collabUpdates } from '../../src/lib/server/db/schema';
import * as decoding from 'lib0/decoding';
import { memoryDb } from '../helpers/db';
import { buildMatrixDoc } from '../helpers/matrix-doc';

const OWN = 14;
const seed = async () => (doc: Y.Doc) => {
	buildMatrixDoc(doc, [{ id: 1, name: 'Kelembagaan' }], [{ id: OWN, name: 'PT INKA', sector: 'bisnis' }]);
};
const rep: Principal = { workshopId: 3, role: 'representative', institutionId: OWN, subject: 'rep', name: 'Rep' };

/** A connection that records what the room sends it, as a socket would. */
function recorder(principal: Principal) {
	const sent: Uint8Array[] = [];
	const closed: number[] = [];
	const conn: Connection = { principal, send: (d) => sent.push(d), bufferedAmount: () => 0, close: (code) => closed.push(code) };
	const refusals = () =>
		sent
			.filter((m) => m[0] === 2)
			.map((m) => {
				const decoder = decoding.createDecoder(m);
				decoding.readVarUint(decoder);
				decoding.readVarUint(decoder);
				return decodeRefusal(decoding.readVarString(decoder));
			});
	return { conn, sent, closed, refusals };
}

/** Sends one description edit through the room, as a client whose doc mirrors the room's. */
async function typeInto(manager: RoomManager, conn: Connection, text: string) {
	const room = await manager.room(3);
	const client = new Y.Doc();
	Y.applyUpdate(client, Y.encodeStateAsUpdate(room.doc));
	const before = Y.encodeStateVector(client);
	const description = roots(client).cells.get(cellKey(OWN, 1))!.get('description') as Y.Text;
	description.insert(description.length, text);
	room.receive(conn, updateMessage(Y.encodeStateAsUpdate(client, before)));
}

const managers: RoomManager[] = [];
afterEach(async () => {
	await Promise.all(managers.splice(0).map((m) => m.closeAll()));
});

/**
 * The store the process uses on the event loop for this database: SQLite's (in memory) or the
 * awaited one of PostgreSQL (when the suite runs against it). Test stores below extend it.
 */
class EventLoopStore implements RoomStore {
	private readonly inner: RoomStore;
	constructor(db: Db) {
		this.inner = dialectOf(db) === 'postgres' ? new DatabaseRoomStore(db) : new SqliteRoomStore(db);
	}
	load(room: string) {
		return this.inner.load(room);
	}
	append(room: string, updates: readonly Uint8Array[]) {
		return this.inner.append(room, updates);
	}
	compact(room: string, state: Uint8Array, upToId: number) {
		return this.inner.compact(room, state, upToId);
	}
	close() {
		return this.inner.close();
	}
}

function manager(db: Db, store: RoomStore = new EventLoopStore(db), compactEvery = 5) {
	const m = new RoomManager({ store, seed, compactEvery, compactQuietMs: 0, idleMs: 60_000 });
	managers.push(m);
	return m;
}

const descriptionOf = (doc: Y.Doc) => String(roots(doc).cells.get(cellKey(OWN, 1))?.get('description') ?? '');
const flush = () => new Promise((r) => setImmediate(r));

describe('live rooms: load, compaction, reload', () => {
	it('keeps every accepted edit across compactions and a reload from snapshot plus log tail', async () => {
		const db = await memoryDb();
		const first = manager(db);
		const { conn } = recorder(rep);
		await first.connect(3, conn);
		for (let i = 0; i < 12; i++) {
			await typeInto(first, conn, `w${i} `);
			await flush();
		}
		// Compaction runs in the background once typing pauses (a real round trip on PostgreSQL).
		await vi.waitFor(async () => expect(await db.select().from(collabSnapshots)).toHaveLength(1));
		expect((await db.select().from(collabUpdates)).length).toBeLessThan(12);
		const expected = descriptionOf((await first.room(3)).doc);
		expect(expected).toContain('w11');
		// Every edit acknowledged (stored) before the reload: on PostgreSQL the last appends may still
		// be round trips away when the snapshot is already there.
		await (await first.room(3)).stored();
		// A second process (or a restart) loads the same document.
		const second = manager(db);
		expect(descriptionOf((await second.room(3)).doc)).toBe(expected);
	});

	it('logs a failing compaction, keeps serving and loses nothing', async () => {
		const db = await memoryDb();
		class FailingStore extends EventLoopStore {
			async compact(): Promise<void> {
				throw new Error('SQLITE_FULL: database or disk is full');
			}
		}
		const m = manager(db, new FailingStore(db), 2);
		const { conn, refusals } = recorder(rep);
		await m.connect(3, conn);
		for (let i = 0; i < 6; i++) {
			await typeInto(m, conn, `k${i} `);
			await flush();
		}
		expect(refusals()).toEqual([]);
		// Every edit acknowledged (stored) before the reload: on PostgreSQL an append is a real round trip.
		await (await m.room(3)).stored();
		expect(await (await m.room(3)).compact()).toBe(false);
		const reloaded = manager(db);
		expect(descriptionOf((await reloaded.room(3)).doc)).toBe(descriptionOf((await m.room(3)).doc));
		expect(descriptionOf((await reloaded.room(3)).doc)).toContain('k5');
	});

	it('folds only up to the last update this room appended', async () => {
		const db = await memoryDb();
		const m = manager(db, undefined, 1000);
		const { conn } = recorder(rep);
		await m.connect(3, conn);
		await typeInto(m, conn, 'milik ruang ini ');
		await (await m.room(3)).stored();
		// A row another writer appended that this room never loaded.
		const foreign = new Y.Doc();
		foreign.getMap('meta').set('elsewhere', true);
		await db.insert(collabUpdates).values({ room: 'workshop-3', data: Buffer.from(Y.encodeStateAsUpdate(foreign)) });
		expect(await (await m.room(3)).compact()).toBe(true);
		const left = await db.select().from(collabUpdates);
		expect(left).toHaveLength(1);
		const reloaded = manager(db);
		expect(roots((await reloaded.room(3)).doc).meta.get('elsewhere')).toBe(true);
		expect(descriptionOf((await reloaded.room(3)).doc)).toContain('milik ruang ini');
	});

	it('refuses with a reason, stores nothing and stays in step for the next honest edit', async () => {
		const db = await memoryDb();
		const m = manager(db, undefined, 1000);
		const { conn, refusals } = recorder(rep);
		const room = await m.connect(3, conn);
		await room.stored();
		const before = (await db.select().from(collabUpdates)).length;
		const client = new Y.Doc();
		Y.applyUpdate(client, Y.encodeStateAsUpdate(room.doc));
		const sv = Y.encodeStateVector(client);
		roots(client).cells.get(cellKey(OWN, 1))!.set('type', 'BUKAN');
		room.receive(conn, updateMessage(Y.encodeStateAsUpdate(client, sv)));
		expect(refusals()).toEqual([{ code: 'invalidValue', field: 'type', institutionId: String(OWN), componentId: '1' }]);
		expect((await db.select().from(collabUpdates)).length).toBe(before);
		await typeInto(m, conn, 'jujur');
		expect(descriptionOf(room.doc)).toBe('jujur');
		expect(parseMessage(updateMessage(new Uint8Array([0, 0]))).kind).toBe('update');
	});
});

/**
 * A store whose appends wait until the test lets them finish (or fail), as a slow disk flush on
 * the writer thread would; compaction and loading go straight to the database.
 */
class HeldStore extends EventLoopStore {
	readonly appends: { updates: readonly Uint8Array[]; release: () => void; fail: (error: Error) => void }[] = [];
	closed = false;
	override append(room: string, updates: readonly Uint8Array[]): Promise<number> {
		return new Promise<number>((resolve, reject) => {
			this.appends.push({ updates: [...updates], release: () => super.append(room, updates).then(resolve, reject), fail: reject });
		});
	}
	/** Compactions wait too while this is set. */
	holdCompactions = false;
	readonly compactions: (() => void)[] = [];
	override compact(room: string, state: Uint8Array, upToId: number): Promise<void> {
		if (!this.holdCompactions) return super.compact(room, state, upToId);
		return new Promise<void>((resolve, reject) => this.compactions.push(() => super.compact(room, state, upToId).then(resolve, reject)));
	}
	override async close(): Promise<void> {
		this.closed = true;
	}
	/** Lets every append (and held compaction) asked for so far finish. */
	releaseAll() {
		for (const append of this.appends.splice(0)) append.release();
		for (const compaction of this.compactions.splice(0)) compaction();
	}
}

const projector: Principal = { workshopId: 3, role: 'viewer', institutionId: null, subject: 'projector', name: 'Proyektor' };

/** The document updates a connection was sent, in order (sync answers and broadcasts alike). */
const updatesSent = (sent: Uint8Array[]) => sent.map((m) => parseMessage(m)).flatMap((m) => (m.kind === 'update' ? [m.update] : []));

/** A room whose seeding is stored, with a representative and the projector connected. */
async function heldRoom() {
	const db = await memoryDb();
	const store = new HeldStore(db);
	const m = manager(db, store, 1000);
	const writer = recorder(rep);
	const reader = recorder(projector);
	await m.connect(3, writer.conn);
	store.releaseAll();
	await (await m.room(3)).stored();
	await m.connect(3, reader.conn);
	// What the projector holds after its first sync.
	const seen = new Y.Doc();
	Y.applyUpdate(seen, Y.encodeStateAsUpdate((await m.room(3)).doc));
	return { db, store, m, writer, reader, seen };
}

describe('live rooms: appends off the event loop', () => {
	it('broadcasts each batch only once it is stored, in the order accepted, and groups what arrives meanwhile', async () => {
		const { store, m, writer, reader, seen } = await heldRoom();
		await typeInto(m, writer.conn, 'a');
		await flush();
		expect(store.appends).toHaveLength(1);
		// While that append is in flight, two more edits and a change of the server's own arrive.
		await typeInto(m, writer.conn, 'b');
		await flush();
		await typeInto(m, writer.conn, 'c');
		await flush();
		let serverChangeStored = false;
		const serverChange = m.change(3, (doc) => roots(doc).meta.set('agendaItem', 2)).then(() => (serverChangeStored = true));
		await flush();
		expect(store.appends).toHaveLength(1);
		expect(updatesSent(reader.sent)).toEqual([]);

		store.appends[0]!.release();
		await vi.waitFor(() => expect(updatesSent(reader.sent)).toHaveLength(1));
		Y.applyUpdate(seen, updatesSent(reader.sent)[0]!);
		expect(descriptionOf(seen)).toBe('a');
		// The rest went to the store as one batch, and stays unsent until it is stored.
		expect(store.appends).toHaveLength(2);
		expect(store.appends[1]!.updates).toHaveLength(3);
		expect(serverChangeStored).toBe(false);

		store.appends[1]!.release();
		await serverChange;
		const sent = updatesSent(reader.sent);
		expect(sent).toHaveLength(2);
		Y.applyUpdate(seen, sent[1]!);
		expect(descriptionOf(seen)).toBe('abc');
		expect(roots(seen).meta.get('agendaItem')).toBe(2);
		expect(reader.closed).toEqual([]);
	});

	it('a room given up while a server change waits behind an append tells the change so, instead of leaving it waiting', async () => {
		const { store, m, writer } = await heldRoom();
		await typeInto(m, writer.conn, 'a');
		await flush();
		expect(store.appends).toHaveLength(1);
		// Queued behind the append in flight, as a freeze asked for while a typist's edit is flushed.
		const serverChange = m.change(3, (doc) => roots(doc).meta.set('agendaItem', 2));
		const outcome = serverChange.then(
			() => 'stored',
			(error: unknown) => (error instanceof Error ? error.message : String(error))
		);
		await flush();
		// The room is dropped (its instance lost the room's lease in cluster mode).
		(await m.room(3)).destroy();
		expect(await outcome).toMatch(/closed before its updates were stored/);
		store.releaseAll();
	});

	it('answers a sync that includes an unstored update only once that update is stored', async () => {
		const { store, m, writer } = await heldRoom();
		await typeInto(m, writer.conn, 'belum');
		await flush();
		const late = recorder(projector);
		const room = await m.connect(3, late.conn);
		room.receive(late.conn, syncStep1Message(new Y.Doc()));
		await flush();
		expect(updatesSent(late.sent)).toEqual([]);
		store.releaseAll();
		await vi.waitFor(() => expect(updatesSent(late.sent).length).toBeGreaterThan(0));
		const doc = new Y.Doc();
		for (const update of updatesSent(late.sent)) Y.applyUpdate(doc, update);
		expect(descriptionOf(doc)).toBe('belum');
	});

	it('sends nothing of a batch whose append failed, tells the clients to reconnect, and stores it on the retry', async () => {
		const { store, m, writer, reader, db } = await heldRoom();
		await typeInto(m, writer.conn, 'hilang?');
		// A change of the server's own goes to the store at once, together with the edit.
		const failedChange = m.change(3, (doc) => roots(doc).meta.set('agendaItem', 3));
		expect(store.appends).toHaveLength(1);
		store.appends.shift()!.fail(new Error('SQLITE_IOERR: disk I/O error'));
		await expect(failedChange).rejects.toThrow('SQLITE_IOERR');
		expect(updatesSent(reader.sent)).toEqual([]);
		expect(reader.closed).toEqual([1012]);
		expect(writer.closed).toEqual([1012]);
		// Retried: the failed updates come first in the next append, and then they are on disk.
		await vi.waitFor(() => expect(store.appends).toHaveLength(1), { timeout: 5000 });
		expect(store.appends[0]!.updates.length).toBeGreaterThanOrEqual(2);
		store.releaseAll();
		await (await m.room(3)).stored();
		expect(descriptionOf((await manager(db).room(3)).doc)).toBe('hilang?');
	});

	it('on shutdown, finishes the appends in flight and folds the log before the store closes', async () => {
		const { store, m, writer, db } = await heldRoom();
		for (const word of ['satu ', 'dua ', 'tiga ']) {
			await typeInto(m, writer.conn, word);
			await flush();
		}
		let closed = false;
		const closing = m.closeAll().then(() => (closed = true));
		await flush();
		expect(closed).toBe(false);
		expect(store.closed).toBe(false);
		store.releaseAll();
		await vi.waitFor(() => expect(store.appends).toHaveLength(1));
		store.releaseAll();
		await closing;
		expect(store.closed).toBe(true);
		expect(writer.closed).toEqual([1012]);
		expect(await db.select().from(collabSnapshots)).toHaveLength(1);
		expect(await db.select().from(collabUpdates)).toEqual([]);
		expect(descriptionOf((await manager(db).room(3)).doc)).toBe('satu dua tiga ');
	});

	it('on shutdown during a compaction, also stores and folds what came after that compaction began', async () => {
		const { store, m, writer, db } = await heldRoom();
		store.holdCompactions = true;
		await typeInto(m, writer.conn, 'sebelum ');
		await flush();
		const compacting = (await m.room(3)).compact();
		store.releaseAll();
		await vi.waitFor(() => expect(store.compactions).toHaveLength(1));
		await typeInto(m, writer.conn, 'sesudah');
		await flush();
		let closed = false;
		const closing = m.closeAll().then(() => (closed = true));
		while (!closed) {
			store.releaseAll();
			await flush();
		}
		await Promise.all([compacting, closing]);
		expect(await db.select().from(collabUpdates)).toEqual([]);
		const snapshot = new Y.Doc();
		Y.applyUpdate(snapshot, (await db.select().from(collabSnapshots))[0]!.data);
		expect(descriptionOf(snapshot)).toBe('sebelum sesudah');
	});

	it('writes a file database on the writer thread, waits for a busy database, and drains it on close', async () => {
		const dir = mkdtempSync(join(tmpdir(), 'mufakat-writer-'));
		try {
			const db = openDatabase(join(dir, 'live.db'));
			const store = roomStoreFor(db);
			expect(store).toBeInstanceOf(LogWriterStore);
			const m = new RoomManager({ store, seed, compactEvery: 1000, compactQuietMs: 0, idleMs: 60_000 });
			const { conn } = recorder(rep);
			await m.connect(3, conn);
			await (await m.room(3)).stored();
			// The event loop's connection holds the write lock for a moment: the thread waits, then writes.
			db.$client.exec('BEGIN IMMEDIATE');
			await typeInto(m, conn, 'tunggu ');
			await flush();
			setTimeout(() => db.$client.exec('COMMIT'), 50);
			await (await m.room(3)).stored();
			for (let i = 0; i < 20; i++) await typeInto(m, conn, `k${i} `);
			const expected = descriptionOf((await m.room(3)).doc);
			await m.closeAll();
			db.$client.close();
			const reopened = openDatabase(join(dir, 'live.db'));
			expect(await reopened.select().from(collabSnapshots)).toHaveLength(1);
			const again = new RoomManager({ store: new SqliteRoomStore(reopened), seed });
			expect(descriptionOf((await again.room(3)).doc)).toBe(expected);
			expect(expected).toContain('k19');
			await again.closeAll();
			reopened.$client.close();
		} finally {
			rmSync(dir, { recursive: true, force: true });
		}
	});
});
