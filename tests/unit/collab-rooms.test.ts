import * as Y from 'yjs';
import { afterEach, describe, expect, it } from 'vitest';
import { cellKey, roots } from '../../src/lib/collab/matrix-doc';
import { decodeRefusal } from '../../src/lib/collab/refusals';
import { SqliteRoomStore } from '../../src/lib/server/collab/persistence';
import type { Principal } from '../../src/lib/server/collab/principal';
import { parseMessage, updateMessage } from '../../src/lib/server/collab/protocol';
import { RoomManager, type Connection } from '../../src/lib/server/collab/rooms';
import { collabSnapshots, collabUpdates } from '../../src/lib/server/db/schema';
import * as decoding from 'lib0/decoding';
import { memoryDb } from '../helpers/db';
import { buildMatrixDoc } from '../helpers/matrix-doc';

const OWN = 14;
const seed = (_workshopId: number, doc: Y.Doc) => {
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
function typeInto(manager: RoomManager, conn: Connection, text: string) {
	const room = manager.room(3);
	const client = new Y.Doc();
	Y.applyUpdate(client, Y.encodeStateAsUpdate(room.doc));
	const before = Y.encodeStateVector(client);
	const description = roots(client).cells.get(cellKey(OWN, 1))!.get('description') as Y.Text;
	description.insert(description.length, text);
	room.receive(conn, updateMessage(Y.encodeStateAsUpdate(client, before)));
}

const managers: RoomManager[] = [];
afterEach(() => {
	for (const m of managers.splice(0)) m.closeAll();
});

function manager(db: ReturnType<typeof memoryDb>, store = new SqliteRoomStore(db), compactEvery = 5) {
	const m = new RoomManager({ store, seed, compactEvery, compactQuietMs: 0, idleMs: 60_000 });
	managers.push(m);
	return m;
}

const descriptionOf = (doc: Y.Doc) => String(roots(doc).cells.get(cellKey(OWN, 1))?.get('description') ?? '');
const flush = () => new Promise((r) => setImmediate(r));

describe('live rooms: load, compaction, reload', () => {
	it('keeps every accepted edit across compactions and a reload from snapshot plus log tail', async () => {
		const db = memoryDb();
		const first = manager(db);
		const { conn } = recorder(rep);
		first.connect(3, conn);
		for (let i = 0; i < 12; i++) {
			typeInto(first, conn, `w${i} `);
			await flush();
		}
		expect(db.select().from(collabSnapshots).all()).toHaveLength(1);
		expect(db.select().from(collabUpdates).all().length).toBeLessThan(12);
		const expected = descriptionOf(first.room(3).doc);
		expect(expected).toContain('w11');
		// A second process (or a restart) loads the same document.
		const second = manager(db);
		expect(descriptionOf(second.room(3).doc)).toBe(expected);
	});

	it('logs a failing compaction, keeps serving and loses nothing', async () => {
		const db = memoryDb();
		class FailingStore extends SqliteRoomStore {
			compact(): void {
				throw new Error('SQLITE_FULL: database or disk is full');
			}
		}
		const m = manager(db, new FailingStore(db), 2);
		const { conn, refusals } = recorder(rep);
		m.connect(3, conn);
		for (let i = 0; i < 6; i++) {
			typeInto(m, conn, `k${i} `);
			await flush();
		}
		expect(refusals()).toEqual([]);
		expect(m.room(3).compact()).toBe(false);
		const reloaded = manager(db);
		expect(descriptionOf(reloaded.room(3).doc)).toBe(descriptionOf(m.room(3).doc));
		expect(descriptionOf(reloaded.room(3).doc)).toContain('k5');
	});

	it('folds only up to the last update this room appended', async () => {
		const db = memoryDb();
		const m = manager(db, undefined, 1000);
		const { conn } = recorder(rep);
		m.connect(3, conn);
		typeInto(m, conn, 'milik ruang ini ');
		await flush();
		// A row another writer appended that this room never loaded.
		const foreign = new Y.Doc();
		foreign.getMap('meta').set('elsewhere', true);
		db.insert(collabUpdates).values({ room: 'workshop-3', data: Buffer.from(Y.encodeStateAsUpdate(foreign)) }).run();
		expect(m.room(3).compact()).toBe(true);
		const left = db.select().from(collabUpdates).all();
		expect(left).toHaveLength(1);
		const reloaded = manager(db);
		expect(roots(reloaded.room(3).doc).meta.get('elsewhere')).toBe(true);
		expect(descriptionOf(reloaded.room(3).doc)).toContain('milik ruang ini');
	});

	it('refuses with a reason, stores nothing and stays in step for the next honest edit', async () => {
		const db = memoryDb();
		const m = manager(db, undefined, 1000);
		const { conn, refusals } = recorder(rep);
		const room = m.connect(3, conn);
		const before = db.select().from(collabUpdates).all().length;
		const client = new Y.Doc();
		Y.applyUpdate(client, Y.encodeStateAsUpdate(room.doc));
		const sv = Y.encodeStateVector(client);
		roots(client).cells.get(cellKey(OWN, 1))!.set('type', 'BUKAN');
		room.receive(conn, updateMessage(Y.encodeStateAsUpdate(client, sv)));
		expect(refusals()).toEqual([{ code: 'invalidValue', field: 'type', institutionId: String(OWN), componentId: '1' }]);
		expect(db.select().from(collabUpdates).all().length).toBe(before);
		typeInto(m, conn, 'jujur');
		expect(descriptionOf(room.doc)).toBe('jujur');
		expect(parseMessage(updateMessage(new Uint8Array([0, 0]))).kind).toBe('update');
	});
});
