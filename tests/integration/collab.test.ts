import WebSocket from 'ws';
import * as Y from 'yjs';
import * as encoding from 'lib0/encoding';
import * as syncProtocol from 'y-protocols/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cellKey, roots } from '../../src/lib/collab/matrix-doc';
import { connectClient, refusals, sentinel, TEST_SECRET, token, until, type TestClient } from '../helpers/collab';
import { Client } from '../helpers/http';
import { removeDir, startServer, type RunningServer } from '../helpers/server';
import { openServerDb } from '../helpers/server-db';

let server: RunningServer;
const clients: TestClient[] = [];

beforeAll(async () => {
	server = await startServer({ env: { MUFAKAT_COLLAB_SECRET: TEST_SECRET, MUFAKAT_COMPACT_EVERY: '50', MUFAKAT_COMPACT_QUIET_MS: '0' } });
});
afterAll(async () => {
	for (const c of clients) c.destroy();
	await server?.stop();
	removeDir(server.dir);
});

function open(auth: { token?: string; cookie?: string }, room = 'workshop-3'): TestClient {
	const c = connectClient(server.url, room, auth);
	clients.push(c);
	return c;
}

const BAPPELITBANGDA = 1;
const PT_INKA = 14;
const cell = (c: TestClient, inst: number, comp: number) => roots(c.doc).cells.get(cellKey(inst, comp))!;
const text = (c: TestClient, inst: number, comp: number) => String(cell(c, inst, comp)?.get('description') ?? '');

/** A raw socket to watch exactly what the server sends before closing it. */
function rawSocket(path: string, headers: Record<string, string> = {}) {
	const ws = new WebSocket(server.url.replace(/^http/, 'ws') + path, { headers });
	const messages: Buffer[] = [];
	ws.on('message', (d: Buffer) => messages.push(d));
	const closed = new Promise<{ code: number; reason: string }>((resolve) => ws.on('close', (code, reason) => resolve({ code, reason: reason.toString() })));
	ws.on('error', () => {});
	return { ws, messages, closed };
}

describe('live matrix over y-websocket', () => {
	it('propagates each representative’s edits of their own row to everyone', async () => {
		const bappeda = open({ token: token({ role: 'representative', institutionId: BAPPELITBANGDA }) });
		const inka = open({ token: token({ role: 'representative', institutionId: PT_INKA }) });
		const projector = open({ token: token({ role: 'viewer' }) });
		await Promise.all([bappeda.synced, inka.synced, projector.synced]);
		expect(roots(projector.doc).rows.size).toBe(17);
		expect(roots(projector.doc).components.size).toBe(3);

		(cell(bappeda, BAPPELITBANGDA, 1).get('description') as Y.Text).insert(0, 'Fasilitasi Musrenbang kelurahan');
		cell(inka, PT_INKA, 3).set('type', 'PENDANAAN');
		(cell(inka, PT_INKA, 3).get('description') as Y.Text).insert(0, 'Pinjaman kemitraan TJSL untuk UMKM lapak');
		cell(inka, PT_INKA, 3).set('valueRupiah', 250_000_000);

		await until(() => text(projector, PT_INKA, 3).includes('TJSL') && text(projector, BAPPELITBANGDA, 1).includes('Musrenbang'), 5000, 'projector sees both');
		await until(() => text(inka, BAPPELITBANGDA, 1).includes('Musrenbang') && text(bappeda, PT_INKA, 3).includes('TJSL'), 5000, 'both see each other');
		expect(cell(projector, PT_INKA, 3).get('valueRupiah')).toBe(250_000_000);
		expect(bappeda.denied).toEqual([]);
		expect(inka.denied).toEqual([]);
	});

	it('rejects a representative writing another institution’s row, and nobody else sees it', async () => {
		const inka = open({ token: token({ role: 'representative', institutionId: PT_INKA }) });
		const witness = open({ token: token({ role: 'viewer' }) });
		await Promise.all([inka.synced, witness.synced]);
		cell(inka, BAPPELITBANGDA, 2).set('timing', 'DIBAJAK');
		cell(inka, PT_INKA, 2).set('timing', 'bersama yang dibajak');
		await until(() => inka.denied.length > 0, 5000, 'permission denied');
		expect(refusals(inka)[0]).toMatchObject({ code: 'foreignRow', institutionId: String(BAPPELITBANGDA) });
		// Everything built on a refused change is refused too (its clocks follow the refused ones):
		// the browser client starts afresh after a refusal; a fresh connection writes normally.
		const again = open({ token: token({ role: 'representative', institutionId: PT_INKA }) });
		await again.synced;
		cell(again, PT_INKA, 2).set('timing', 'Triwulan I 2022');
		await until(() => cell(witness, PT_INKA, 2).get('timing') === 'Triwulan I 2022', 5000, 'allowed edit');
		expect(cell(witness, BAPPELITBANGDA, 2).get('timing')).toBe('');
		const late = open({ token: token({ role: 'viewer' }) });
		await late.synced;
		expect(cell(late, BAPPELITBANGDA, 2).get('timing')).toBe('');
		expect(cell(late, PT_INKA, 2).get('timing')).toBe('Triwulan I 2022');
	});

	it('keeps viewers (projector, public) read-only', async () => {
		const viewer = open({ token: token({ role: 'viewer' }) });
		const witness = open({ token: token({ role: 'representative', institutionId: PT_INKA }) });
		await Promise.all([viewer.synced, witness.synced]);
		(cell(viewer, PT_INKA, 1).get('description') as Y.Text).insert(0, 'dari proyektor');
		roots(viewer.doc).session.set('agendaIndex', 3);
		await until(() => viewer.denied.length > 0, 5000, 'permission denied');
		expect(refusals(viewer)[0]).toEqual({ code: 'readOnly' });
		await sentinel(
			server.url,
			witness,
			(doc) => roots(doc).cells.get(cellKey(PT_INKA, 1))!.set('unit', 'sentinel-viewer'),
			(doc) => roots(doc).cells.get(cellKey(PT_INKA, 1))?.get('unit') === 'sentinel-viewer',
			{ token: token({ role: 'representative', institutionId: PT_INKA }) }
		);
		expect(text(witness, PT_INKA, 1)).not.toContain('dari proyektor');
		expect(roots(witness.doc).session.get('agendaIndex')).not.toBe(3);
	});

	it('refuses writes into a column the moderator locked, and into a frozen matrix', async () => {
		const moderator = open({ token: token({ role: 'moderator' }) });
		const rep = open({ token: token({ role: 'representative', institutionId: PT_INKA }) });
		await Promise.all([moderator.synced, rep.synced]);
		roots(moderator.doc).components.get('2')!.set('locked', true);
		await until(() => roots(rep.doc).components.get('2')?.get('locked') === true, 5000, 'lock arrives');
		cell(rep, PT_INKA, 2).set('unit', 'paket');
		await until(() => refusals(rep).some((r) => r.code === 'columnLocked' && r.componentId === '2'), 5000, 'locked column refusal');
		const sentinelToken = { token: token({ role: 'representative', institutionId: PT_INKA }) };
		await sentinel(
			server.url,
			moderator,
			(doc) => roots(doc).cells.get(cellKey(PT_INKA, 1))!.set('unit', 'sentinel-lock'),
			(doc) => roots(doc).cells.get(cellKey(PT_INKA, 1))?.get('unit') === 'sentinel-lock',
			sentinelToken
		);
		expect(cell(moderator, PT_INKA, 2).get('unit')).toBe('');
		roots(moderator.doc).components.get('2')!.set('locked', false);
		await until(() => roots(rep.doc).components.get('2')?.get('locked') === false, 5000, 'unlock arrives');
		// Moderators change structure, not the institutions' contributions.
		const other = open({ token: token({ role: 'moderator' }) });
		await other.synced;
		cell(other, PT_INKA, 1).set('unit', 'dari moderator');
		await until(() => other.denied.length > 0, 5000, 'moderator refusal');
		expect(refusals(other)[0]).toEqual({ code: 'notAllowed' });

		// Frozen: content is closed, consent stays open.
		const staff = new Client(server.url);
		await staff.login('moderator@mufakat.test', 'mufakat-demo');
		expect((await staff.post('/workshops/3/matrix?/freeze', {})).status).toBeLessThan(400);
		await until(() => roots(rep.doc).meta.get('frozen') === true, 5000, 'freeze arrives');
		const late = open({ token: token({ role: 'representative', institutionId: PT_INKA }) });
		await late.synced;
		cell(late, PT_INKA, 3).set('unit', 'setelah beku');
		await until(() => refusals(late).some((r) => r.code === 'frozen'), 5000, 'frozen refusal');
		const consenting = open({ token: token({ role: 'representative', institutionId: PT_INKA }) });
		await consenting.synced;
		roots(consenting.doc).consent.get(String(PT_INKA))!.set('*', 'agree');
		await until(() => roots(moderator.doc).consent.get(String(PT_INKA))?.get('*') === 'agree', 5000, 'consent after freezing');
		expect(cell(moderator, PT_INKA, 3).get('unit')).not.toBe('setelah beku');
		expect(consenting.denied).toEqual([]);
		expect((await staff.post('/workshops/3/matrix?/unfreeze', {})).status).toBeLessThan(400);
		await until(() => roots(rep.doc).meta.get('frozen') === false, 5000, 'unfreeze arrives');
	});

	it('refuses a Yjs client id that another user already writes with', async () => {
		const first = open({ token: token({ role: 'representative', institutionId: PT_INKA, subject: 'rep-a' }) });
		await first.synced;
		cell(first, PT_INKA, 1).set('timing', 'A');
		const watcher = open({ token: token({ role: 'viewer' }) });
		await watcher.synced;
		await until(() => cell(watcher, PT_INKA, 1).get('timing') === 'A', 5000, 'first edit accepted');
		// A second user replays an update made with the first user's client id.
		const forged = new Y.Doc();
		Y.applyUpdate(forged, Y.encodeStateAsUpdate(first.doc));
		// Set after loading: Yjs picks a new id when it receives structs under its own.
		forged.clientID = first.doc.clientID;
		const before = Y.encodeStateVector(forged);
		roots(forged).cells.get(cellKey(PT_INKA, 1))!.set('timing', 'B');
		const update = Y.encodeStateAsUpdate(forged, before);
		const other = rawSocket(`/collab/workshop-3?token=${token({ role: 'representative', institutionId: PT_INKA, subject: 'rep-b' })}`);
		await new Promise((r) => other.ws.once('open', r));
		const encoder = encoding.createEncoder();
		encoding.writeVarUint(encoder, 0);
		syncProtocol.writeUpdate(encoder, update);
		other.ws.send(encoding.toUint8Array(encoder));
		await until(() => other.messages.some((m) => m[0] === 2 && m.toString('utf8').includes('foreignClientId')), 5000, 'client id refusal');
		other.ws.close();
		expect(cell(first, PT_INKA, 1).get('timing')).toBe('A');
	});

	it('refuses unauthenticated and cross-workshop sockets before sending any document data', async () => {
		const anonymous = rawSocket('/collab/workshop-3');
		expect((await anonymous.closed).code).toBe(4401);
		expect(anonymous.messages).toHaveLength(0);

		const foreignToken = rawSocket(`/collab/workshop-3?token=${token({ role: 'moderator', workshopId: 2 })}`);
		expect((await foreignToken.closed).code).toBe(4403);
		expect(foreignToken.messages).toHaveLength(0);

		const forged = rawSocket(`/collab/workshop-3?token=${token({ role: 'moderator' }).slice(0, -4)}AAAA`);
		expect((await forged.closed).code).toBe(4401);

		// A participant who joined workshop 1 may not open workshop 2's room with their cookie.
		const participant = new Client(server.url);
		const joined = await participant.post('/join/TAMAN8', { institutionId: '2', name: 'Peserta Silang', jabatan: 'Staf', gender: 'L', phone: '' });
		expect(joined.status).toBe(303);
		const cross = rawSocket('/collab/workshop-2', { cookie: participant.cookieHeader(), origin: server.url });
		expect((await cross.closed).code).toBe(4403);
		expect(cross.messages).toHaveLength(0);
		const own = connectClient(server.url, 'workshop-3', { cookie: participant.cookieHeader() });
		clients.push(own);
		await own.synced;
		expect(roots(own.doc).rows.size).toBeGreaterThan(0);
		// Cookies from another site's page are not accepted (cross-site WebSocket hijacking).
		const hijack = rawSocket('/collab/workshop-3', { cookie: participant.cookieHeader(), origin: 'http://evil.example' });
		expect((await hijack.closed).code).toBe(4403);
	});

	it('closes a socket that sends an oversized message and stays up for everyone else', async () => {
		const bystander = open({ token: token({ role: 'viewer' }) });
		await bystander.synced;
		const big = rawSocket(`/collab/workshop-3?token=${token({ role: 'representative', institutionId: PT_INKA })}`);
		await new Promise((r) => big.ws.once('open', r));
		big.ws.send(Buffer.alloc(3 * 1024 * 1024, 1));
		expect((await big.closed).code).toBe(1009);
		const rep = open({ token: token({ role: 'representative', institutionId: PT_INKA }) });
		await rep.synced;
		cell(rep, PT_INKA, 1).set('fundingSource', 'TJSL 2022');
		await until(() => cell(bystander, PT_INKA, 1).get('fundingSource') === 'TJSL 2022', 5000, 'edit after oversized message');
	});

	it('survives 2,000 random and mutated frames from a hostile client, other rooms intact', async () => {
		const neighbour = open({ token: token({ role: 'representative', institutionId: PT_INKA }) });
		const otherRoom = open({ token: token({ role: 'moderator', workshopId: 2 }) }, 'workshop-2');
		await Promise.all([neighbour.synced, otherRoom.synced]);
		const componentsInRoom2 = roots(otherRoom.doc).components.size;

		// Seeds for mutation: genuine messages a client would send.
		const sample = new Y.Doc();
		Y.applyUpdate(sample, Y.encodeStateAsUpdate(neighbour.doc));
		const sv = Y.encodeStateVector(sample);
		roots(sample).cells.get(cellKey(PT_INKA, 1))!.set('timing', 'mutasi');
		const genuine = (() => {
			const e = encoding.createEncoder();
			encoding.writeVarUint(e, 0);
			syncProtocol.writeUpdate(e, Y.encodeStateAsUpdate(sample, sv));
			return Buffer.from(encoding.toUint8Array(e));
		})();
		let seed = 42;
		const rand = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
		let sent = 0;
		let sockets = 0;
		while (sent < 2000) {
			const hostile = rawSocket(`/collab/workshop-3?token=${token({ role: 'representative', institutionId: PT_INKA })}`);
			sockets++;
			const opened = await Promise.race([new Promise((r) => hostile.ws.once('open', () => r(true))), hostile.closed.then(() => false)]);
			if (!opened) continue;
			for (let i = 0; i < 100 && hostile.ws.readyState === WebSocket.OPEN; i++, sent++) {
				let frame: Buffer;
				if (rand() < 0.5) {
					frame = Buffer.from(genuine);
					for (let k = 0; k < 1 + Math.floor(rand() * 4); k++) frame[Math.floor(rand() * frame.length)] = Math.floor(rand() * 256);
					if (rand() < 0.2) frame = frame.subarray(0, Math.floor(rand() * frame.length));
				} else {
					frame = Buffer.from(Array.from({ length: 1 + Math.floor(rand() * 64) }, () => Math.floor(rand() * 256)));
				}
				hostile.ws.send(frame);
			}
			hostile.ws.close();
			await hostile.closed;
		}
		expect(sockets).toBeGreaterThan(0);
		expect(server.process.exitCode).toBeNull();
		cell(neighbour, PT_INKA, 3).set('timing', 'setelah serangan');
		const fresh = open({ token: token({ role: 'viewer' }) });
		await fresh.synced;
		await until(() => cell(fresh, PT_INKA, 3).get('timing') === 'setelah serangan', 5000, 'room 1 still works');
		const fresh2 = open({ token: token({ role: 'viewer', workshopId: 2 }) }, 'workshop-2');
		await fresh2.synced;
		expect(roots(fresh2.doc).components.size).toBe(componentsInRoom2);
		expect(roots(fresh2.doc).rows.size).toBeGreaterThan(0);
	});
});

describe('durability', () => {
	it('loses no edit a reader had received when the server is killed -9 mid-burst', async () => {
		const dir = server.dir;
		const writer = open({ token: token({ role: 'representative', institutionId: PT_INKA }) });
		const reader = open({ token: token({ role: 'viewer' }) });
		await Promise.all([writer.synced, reader.synced]);
		const seen = new Set<string>();
		const description = () => cell(reader, PT_INKA, 2)?.get('description') as Y.Text | undefined;
		reader.doc.on('update', () => {
			for (const word of (description()?.toString() ?? '').split(' ')) if (word.startsWith('e')) seen.add(word);
		});
		const text = cell(writer, PT_INKA, 2).get('description') as Y.Text;
		let n = 0;
		const burst = setInterval(() => {
			for (let i = 0; i < 5; i++) text.insert(text.length, `e${n++} `);
		}, 5);
		await until(() => seen.size > 150, 10_000, 'reader receives part of the burst');
		process.kill(-server.process.pid!, 'SIGKILL');
		clearInterval(burst);
		await new Promise((r) => server.process.once('exit', r));
		writer.destroy();
		reader.destroy();
		const received = [...seen];
		expect(received.length).toBeGreaterThan(150);

		server = await startServer({ dir, env: { MUFAKAT_COLLAB_SECRET: TEST_SECRET, MUFAKAT_COMPACT_EVERY: '50', MUFAKAT_COMPACT_QUIET_MS: '0' } });
		const after = open({ token: token({ role: 'viewer' }) });
		await after.synced;
		const restored = new Set((cell(after, PT_INKA, 2).get('description') as Y.Text).toString().split(' '));
		const missing = received.filter((w) => !restored.has(w));
		expect(missing).toEqual([]);
		// And the store really is the log plus snapshots in the database.
		const db = await openServerDb(server);
		const snapshots = (await db.one<{ n: number }>("select count(*) n from collab_snapshots where room = 'workshop-3'")).n;
		await db.close();
		// The burst crossed several compactions (every 50 updates here): snapshot plus log tail restore it all.
		expect(snapshots).toBe(1);
	});
});

describe('graceful shutdown', () => {
	it('on SIGTERM stores every edit it took, folds the log, and restarts with all of them', async () => {
		const dir = server.dir;
		const writer = open({ token: token({ role: 'representative', institutionId: PT_INKA }) });
		const reader = open({ token: token({ role: 'viewer' }) });
		await Promise.all([writer.synced, reader.synced]);
		const seen = new Set<string>();
		const description = () => cell(reader, PT_INKA, 1)?.get('description') as Y.Text | undefined;
		reader.doc.on('update', () => {
			for (const word of (description()?.toString() ?? '').split(' ')) if (word.startsWith('t')) seen.add(word);
		});
		const text = cell(writer, PT_INKA, 1).get('description') as Y.Text;
		let n = 0;
		// 300 words stay within a description's 2,000 characters.
		const burst = setInterval(() => {
			for (let i = 0; i < 5 && n < 300; i++) text.insert(text.length, `t${n++} `);
		}, 5);
		await until(() => seen.size > 100, 10_000, 'reader receives part of the burst');
		// The burst goes on while the server drains.
		await server.stop('SIGTERM');
		clearInterval(burst);
		writer.destroy();
		reader.destroy();
		expect(server.process.exitCode).toBe(0);
		expect(server.output()).not.toMatch(/room\.(append|drain)\.failed|collab\.writer\.(failed|exited)/);
		const db = await openServerDb(server);
		const logRows = (await db.one<{ n: number }>("select count(*) n from collab_updates where room = 'workshop-3'")).n;
		const snapshots = (await db.one<{ n: number }>("select count(*) n from collab_snapshots where room = 'workshop-3'")).n;
		await db.close();
		// Drained and folded: the snapshot holds everything, no log row is left behind.
		expect(snapshots).toBe(1);
		expect(logRows).toBe(0);

		server = await startServer({ dir, env: { MUFAKAT_COLLAB_SECRET: TEST_SECRET, MUFAKAT_COMPACT_EVERY: '50', MUFAKAT_COMPACT_QUIET_MS: '0' } });
		const after = open({ token: token({ role: 'viewer' }) });
		await after.synced;
		const restored = new Set((cell(after, PT_INKA, 1).get('description') as Y.Text).toString().split(' '));
		expect([...seen].filter((w) => !restored.has(w))).toEqual([]);
	});
});

describe('tokens for outside clients', () => {
	it('lets a moderator mint a representative token that a plain Yjs client can use, and nobody else', async () => {
		const moderator = new Client(server.url);
		await moderator.login('moderator@mufakat.test', 'mufakat-demo');
		const res = await moderator.post('/workshops/3/collab-token', { role: 'representative', institutionId: '14', name: 'Aplikasi PT INKA' });
		expect(res.status).toBe(200);
		const body = (await res.json()) as { token: string; room: string; url: string };
		expect(body.room).toBe('workshop-3');
		const outside = open({ token: body.token });
		await outside.synced;
		cell(outside, PT_INKA, 3).set('unit', 'UMKM');
		const viewer = open({ token: token({ role: 'viewer' }) });
		await viewer.synced;
		await until(() => cell(viewer, PT_INKA, 3).get('unit') === 'UMKM', 5000, 'outside client edit');

		const secretariat = new Client(server.url);
		await secretariat.login('sekretariat@mufakat.test', 'mufakat-demo');
		expect((await secretariat.post('/workshops/3/collab-token', { role: 'moderator' })).status).toBe(403);
		expect((await new Client(server.url).post('/workshops/3/collab-token', { role: 'moderator' })).status).toBe(401);
	});
});
