/**
 * The cluster room manager in one process: two or three "instances" (each its own ClusterRooms
 * with its own Redis connections) over one database and a real redis-server. Clients speak the
 * y-websocket protocol to whichever instance they are attached to.
 */
import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';
import * as syncProtocol from 'y-protocols/sync';
import * as Y from 'yjs';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { cellKey, roots } from '../../src/lib/collab/matrix-doc';
import { decodeRefusal, type Refusal } from '../../src/lib/collab/refusals';
import { ClusterRooms } from '../../src/lib/server/collab/cluster/cluster-rooms';
import type { LiveSocket } from '../../src/lib/server/collab/live-rooms';
import type { ClusterSettings } from '../../src/lib/server/collab/cluster/settings';
import { claimRoom, DatabaseRoomStore, loadStoredRoom } from '../../src/lib/server/collab/database-store';
import type { Principal } from '../../src/lib/server/collab/principal';
import { MESSAGE_AUTH, MESSAGE_SYNC, syncStep1Message, updateMessage } from '../../src/lib/server/collab/protocol';
import type { Connection } from '../../src/lib/server/collab/rooms';
import type { Db } from '../../src/lib/server/db/client';
import { collabUpdates } from '../../src/lib/server/db/schema';
import { startRedis, type RunningRedis } from '../helpers/cluster-services';
import { until } from '../helpers/collab';
import { memoryDb } from '../helpers/db';
import { buildMatrixDoc } from '../helpers/matrix-doc';

const OWN = 14;
const OTHER = 1;
const seed = async () => (doc: Y.Doc) =>
	buildMatrixDoc(
		doc,
		[{ id: 1, name: 'Kelembagaan' }],
		[
			{ id: OTHER, name: 'Bappelitbangda', sector: 'pemerintah' },
			{ id: OWN, name: 'PT INKA', sector: 'bisnis' }
		]
	);
const rep = (institutionId: number): Principal => ({ workshopId: 3, role: 'representative', institutionId, subject: `rep-${institutionId}-${Math.random()}`, name: 'Rep' });
const moderator: Principal = { workshopId: 3, role: 'moderator', institutionId: null, subject: 'user:1', name: 'Moderator' };

let redis: RunningRedis;
let db: Db;
const instances: ClusterRooms[] = [];

function settings(name: string): ClusterSettings {
	return { redisUrl: redis.url, instanceId: name, leaseTtlMs: 1500, streamMaxLength: 1000, forwardTimeoutMs: 5000 };
}

function instance(name: string, idleMs = 60_000): ClusterRooms {
	const rooms = new ClusterRooms({
		settings: settings(name),
		seed,
		idleMs,
		compactQuietMs: 0,
		ownerStore: (fencing) => new DatabaseRoomStore(db, fencing),
		loadDurable: (room) => loadStoredRoom(db, room),
		claim: (room, fence) => claimRoom(db, room, fence)
	});
	instances.push(rooms);
	return rooms;
}

/** A y-websocket client attached to one instance: answers sync, sends its own edits, records refusals and closes. */
function client(rooms: ClusterRooms, principal: Principal) {
	const doc = new Y.Doc();
	const refused: Refusal[] = [];
	const closes: number[] = [];
	let synced = false;
	let socket: LiveSocket;
	const conn: Connection = {
		principal,
		bufferedAmount: () => 0,
		close: (code) => {
			closes.push(code);
			socket.leave();
		},
		send: (data) => {
			const decoder = decoding.createDecoder(data);
			const type = decoding.readVarUint(decoder);
			if (type === MESSAGE_AUTH) {
				decoding.readVarUint(decoder);
				refused.push(decodeRefusal(decoding.readVarString(decoder)));
			} else if (type === MESSAGE_SYNC) {
				const encoder = encoding.createEncoder();
				encoding.writeVarUint(encoder, MESSAGE_SYNC);
				const kind = syncProtocol.readSyncMessage(decoder, encoder, doc, 'server');
				if (kind === syncProtocol.messageYjsSyncStep2) synced = true;
				if (encoding.length(encoder) > 1) queueMicrotask(() => socket.receive(encoding.toUint8Array(encoder)));
			}
		}
	};
	doc.on('update', (update: Uint8Array, origin: unknown) => {
		if (origin !== 'server' && closes.length === 0) socket.receive(updateMessage(update));
	});
	socket = rooms.open(3, conn);
	socket.receive(syncStep1Message(doc));
	return {
		doc,
		refused,
		closes,
		synced: () => until(() => synced, 5000, 'sync'),
		description: (inst: number) => String(roots(doc).cells.get(cellKey(inst, 1))?.get('description') ?? ''),
		type: (inst: number, text: string) => {
			const t = roots(doc).cells.get(cellKey(inst, 1))!.get('description') as Y.Text;
			t.insert(t.length, text);
		},
		leave: () => socket.leave()
	};
}

/** What the database holds for the room, as a fresh reader would load it. */
async function durable(): Promise<Y.Doc> {
	const doc = new Y.Doc();
	const { snapshot, updates } = await loadStoredRoom(db, 'workshop-3');
	if (snapshot) Y.applyUpdate(doc, snapshot);
	for (const u of updates) Y.applyUpdate(doc, u);
	return doc;
}
const durableText = async (inst: number) => String(roots(await durable()).cells.get(cellKey(inst, 1))?.get('description') ?? '');

/** Waits until the database holds this text in a row's description. */
async function untilStored(inst: number, text: string, what: string): Promise<void> {
	const deadline = Date.now() + 5000;
	while ((await durableText(inst)) !== text) {
		if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
		await new Promise((r) => setTimeout(r, 20));
	}
}

/**
 * A fresh database and two instances: `owner`'s socket on a makes a the room's owner, then
 * `forwarded`'s socket on b is forwarded to it; both synced.
 */
async function ownerAndForwarder(owner: Principal, forwarded: Principal, idleMs?: number) {
	db = await memoryDb();
	const a = instance('a', idleMs);
	const b = instance('b', idleMs);
	const onA = client(a, owner);
	await onA.synced();
	const onB = client(b, forwarded);
	await onB.synced();
	return { a, b, onA, onB };
}

beforeAll(async () => {
	redis = await startRedis();
});
afterAll(async () => {
	await redis?.stop();
});
afterEach(async () => {
	await Promise.all(instances.splice(0).map((i) => i.closeAll().catch(() => undefined)));
});

describe('live rooms across instances (in one process, real Redis)', () => {
	it('serves a socket on a non-owner through the owner: edits go both ways and are stored', async () => {
		db = await memoryDb();
		const a = instance('a');
		const b = instance('b');
		const onA = client(a, rep(OTHER));
		await onA.synced();
		expect(a.owns(3)).toBe(true);
		const onB = client(b, rep(OWN));
		await onB.synced();
		expect(b.owns(3)).toBe(false);
		expect(roots(onB.doc).rows.size).toBe(2);

		onB.type(OWN, 'Pinjaman TJSL');
		onA.type(OTHER, 'Fasilitasi Musrenbang');
		await until(() => onA.description(OWN) === 'Pinjaman TJSL' && onB.description(OTHER) === 'Fasilitasi Musrenbang', 5000, 'both see each other');
		expect(await durableText(OWN)).toBe('Pinjaman TJSL');
		expect(onB.refused).toEqual([]);
	});

	it('a lone forwarded socket, answered by a broadcast for all, is not taken for unanswered and closed', async () => {
		const { onA, onB } = await ownerAndForwarder(rep(OTHER), rep(OWN));
		// The forwarder closes a socket its owner never answered after twice the lease TTL (1.5 s here).
		await new Promise((r) => setTimeout(r, 3500));
		expect(onB.closes).toEqual([]);
		onB.type(OWN, 'masih tersambung');
		await until(() => onA.description(OWN) === 'masih tersambung', 5000, 'the forwarded socket still reaches the owner');
	});

	it('a forwarded socket the owner closes (its account signed out) leaves the room, which the owner then gives up when idle', async () => {
		const { a, onA, onB } = await ownerAndForwarder(rep(OTHER), { ...rep(OWN), subject: 'user:77' }, 300);
		onA.leave();
		// Closed by the owner, not by the instance holding the socket (no described match: here only).
		expect(a.closeConnections(3, (p) => p.subject === 'user:77', 4401, 'signed out')).toBe(1);
		await until(() => onB.closes.length > 0, 5000, 'the forwarding instance closes the socket');
		expect(onB.closes).toEqual([4401]);
		// Nobody is left: the owner folds the room and releases it after its idle time.
		await until(() => !a.owns(3), 5000, 'the owner gives the empty room up');
	});

	it('refuses a foreign-row write that arrives through a non-owner, and nobody sees it', async () => {
		db = await memoryDb();
		const a = instance('a');
		const b = instance('b');
		const witness = client(a, moderator);
		await witness.synced();
		const intruder = client(b, rep(OWN));
		await intruder.synced();
		intruder.type(OTHER, 'DIBAJAK');
		await until(() => intruder.refused.length > 0, 5000, 'refusal');
		expect(intruder.refused[0]).toMatchObject({ code: 'foreignRow', institutionId: String(OTHER) });
		// A later legal write through the same path arrives: the refused one was never broadcast before it.
		const honest = client(b, rep(OWN));
		await honest.synced();
		honest.type(OWN, 'sah');
		await until(() => witness.description(OWN) === 'sah', 5000, 'legal write');
		expect(witness.description(OTHER)).toBe('');
		expect(await durableText(OTHER)).toBe('');
	});

	it('a server change made on a non-owner reaches the live room and is durable when it resolves', async () => {
		db = await memoryDb();
		const a = instance('a');
		const b = instance('b');
		const editor = client(a, rep(OWN));
		await editor.synced();
		editor.type(OWN, 'sebelum beku');
		await untilStored(OWN, 'sebelum beku', 'edit stored');
		// A non-owner reads the durable state, which holds every acknowledged edit.
		expect(await b.read(3, (doc) => String(roots(doc).cells.get(cellKey(OWN, 1))!.get('description')))).toBe('sebelum beku');
		await b.change(3, (doc) => roots(doc).meta.set('frozen', true));
		expect(roots(await durable()).meta.get('frozen')).toBe(true);
		await until(() => roots(editor.doc).meta.get('frozen') === true, 5000, 'client sees the freeze');
		editor.type(OWN, ' sesudah');
		await until(() => editor.refused.length > 0, 5000, 'refusal after freeze');
		expect(editor.refused[0]).toMatchObject({ code: 'frozen' });
		expect(await durableText(OWN)).toBe('sebelum beku');
	});

	it('closing a signed-out account’s sockets on one instance reaches its sockets on the others', async () => {
		db = await memoryDb();
		const a = instance('a');
		const b = instance('b');
		const c = instance('c');
		const owner = client(a, rep(OTHER));
		await owner.synced();
		const staff: Principal = { ...moderator, subject: 'user:7' };
		const onB = client(b, staff);
		await onB.synced();
		const bystander = client(b, rep(OWN));
		await bystander.synced();
		// Signed out through an instance that holds neither the room nor the socket.
		c.closeConnectionsEverywhere((p) => p.subject === 'user:7', 4000, 'signed out', { subjects: ['user:7'] });
		await until(() => onB.closes.length > 0, 5000, 'socket on b closed');
		expect(onB.closes).toEqual([4000]);
		// The same room goes on for everyone else.
		bystander.type(OWN, 'masih jalan');
		await until(() => owner.description(OWN) === 'masih jalan', 5000, 'others unaffected');
		expect(bystander.closes).toEqual([]);
	});

	it('a stale owner cannot write once another instance claimed the room, and drops it with a retryable close', async () => {
		db = await memoryDb();
		const a = instance('a');
		const editor = client(a, rep(OWN));
		await editor.synced();
		editor.type(OWN, 'satu');
		await untilStored(OWN, 'satu', 'first edit stored');
		// Another instance claims the room with a higher fence (as after a takeover it would).
		expect(await claimRoom(db, 'workshop-3', 1_000_000)).toEqual({ ok: true });
		editor.type(OWN, ' dua');
		await until(() => editor.closes.length > 0, 5000, 'stale owner closes');
		expect(editor.closes[0]).toBe(1012);
		expect(a.owns(3)).toBe(false);
		expect(await durableText(OWN)).toBe('satu');
		expect((await db.select().from(collabUpdates)).every((row) => row.fence < 1_000_000)).toBe(true);
	});

	it('when Redis dies, owners stop and close sockets retryably; afterwards the room resumes with everything acknowledged', async () => {
		const { b, onA, onB } = await ownerAndForwarder(rep(OWN), rep(OTHER));
		onA.type(OWN, 'diakui');
		await until(() => onB.description(OWN) === 'diakui', 5000, 'acknowledged edit seen on b');
		await redis.kill();
		await until(() => onA.closes.length > 0 && onB.closes.length > 0, 10_000, 'both sockets closed');
		expect([...onA.closes, ...onB.closes].every((code) => code === 1012 || code === 1013)).toBe(true);
		// While Redis is away a new socket is told to come back later.
		const early = client(b, rep(OWN));
		await until(() => early.closes.length > 0, 10_000, 'refused while redis is down');
		expect(early.closes[0]).toBe(1013);
		await redis.restart();
		const again = client(b, rep(OTHER));
		await again.synced();
		expect(again.description(OWN)).toBe('diakui');
		again.type(OTHER, ' lanjut');
		await untilStored(OTHER, ' lanjut', 'edits resume');
	});
});
