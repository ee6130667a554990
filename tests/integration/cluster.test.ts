/**
 * Three built instances on loopback behind a real HAProxy, sharing one PostgreSQL and a real Redis:
 * live rooms across instances, an owner killed mid-burst, Redis killed, and HTTP changes made on an
 * instance that does not own the room.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import pg from 'pg';
import * as Y from 'yjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cellKey, roots } from '../../src/lib/collab/matrix-doc';
import { parseHolder, type LeaseHolder } from '../../src/lib/server/collab/cluster/lease';
import { keys } from '../../src/lib/server/collab/cluster/redis';
import { startCluster, type ClusterInstance, type RunningCluster } from '../helpers/cluster-services';
import { connectClient, refusals, sentinel, TEST_SECRET, token, until, type TestClient } from '../helpers/collab';
import { Client } from '../helpers/http';
import { flatText, runTool, writeTemp } from '../helpers/pdf-tools';
import { startPostgres, type PostgresServer } from '../helpers/postgres';

const ROOM = 'workshop-3';
const BAPPELITBANGDA = 1;
const PT_INKA = 14;
const DINSOS = 2;

let cluster: RunningCluster;
let redis: Redis;
let postgres: PostgresServer;
let sql: pg.Client;
const clients: TestClient[] = [];

beforeAll(async () => {
	postgres = await startPostgres();
	await postgres.createDatabase('mufakat_cluster');
	// The instances migrate it as they start (under an advisory lock).
	cluster = await startCluster({
		instances: 3,
		balance: 'roundrobin',
		env: {
			DATABASE_URL: postgres.url('mufakat_cluster'),
			MUFAKAT_COLLAB_SECRET: TEST_SECRET,
			MUFAKAT_SEAL_SECRET: 'cluster-test-seal-secret',
			MUFAKAT_LEASE_TTL_MS: '2000',
			MUFAKAT_COMPACT_EVERY: '40',
			MUFAKAT_COMPACT_QUIET_MS: '0'
		}
	});
	sql = new pg.Client({ connectionString: postgres.url('mufakat_cluster') });
	await sql.connect();
	redis = new Redis(cluster.redis.url, { maxRetriesPerRequest: 1, lazyConnect: true });
	redis.on('error', () => undefined);
});
afterAll(async () => {
	// Every instance's log, Redis' and HAProxy's, for a failure that needs them.
	if (process.env.CLUSTER_TEST_LOGS) writeFileSync(process.env.CLUSTER_TEST_LOGS, cluster?.logs() ?? '');
	for (const c of clients) c.destroy();
	redis?.disconnect();
	await sql?.end();
	await cluster?.stop();
	await postgres?.stop();
});

function open(baseUrl: string, auth: { token?: string; cookie?: string }): TestClient {
	const c = connectClient(baseUrl, ROOM, auth);
	clients.push(c);
	return c;
}
const repToken = (institutionId: number) => token({ role: 'representative', institutionId });
const cell = (c: TestClient | Y.Doc, inst: number, comp = 1) => roots(c instanceof Y.Doc ? c : c.doc).cells.get(cellKey(inst, comp));
const text = (c: TestClient | Y.Doc, inst: number, comp = 1) => String(cell(c, inst, comp)?.get('description') ?? '');
const type = (c: TestClient, inst: number, words: string, comp = 1) => {
	const t = cell(c, inst, comp)!.get('description') as Y.Text;
	t.insert(t.length, words);
};

async function owner(): Promise<LeaseHolder | null> {
	if (redis.status === 'wait' || redis.status === 'end') await redis.connect().catch(() => undefined);
	return parseHolder(await redis.get(keys.lease(ROOM)));
}
const alive = () => cluster.instances.filter((i) => i.process.exitCode === null && i.process.signalCode === null);
const byName = (name: string) => cluster.instances.find((i) => i.name === name)!;

/** What the database holds for the room, loaded as a restarting owner would load it. */
async function durableDoc(): Promise<Y.Doc> {
	const doc = new Y.Doc();
	const snap = (await sql.query<{ data: Buffer; up_to_id: number }>('SELECT data, up_to_id FROM collab_snapshots WHERE room = $1', [ROOM])).rows[0];
	if (snap) Y.applyUpdate(doc, snap.data);
	const rows = await sql.query<{ data: Buffer }>('SELECT data FROM collab_updates WHERE room = $1 AND id > $2 ORDER BY id', [ROOM, snap?.up_to_id ?? 0]);
	for (const row of rows.rows) Y.applyUpdate(doc, row.data);
	return doc;
}

/** Waits until the database holds what `check` looks for. */
async function untilStored(check: (doc: Y.Doc) => boolean, what: string, timeoutMs = 10_000): Promise<void> {
	const deadline = Date.now() + timeoutMs;
	while (!check(await durableDoc())) {
		if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
		await new Promise((r) => setTimeout(r, 50));
	}
}

/** A fresh reader through the load balancer: what anyone joining now would get. */
async function freshReader(): Promise<TestClient> {
	const reader = open(cluster.url, { token: token({ role: 'viewer' }) });
	await reader.synced;
	return reader;
}

describe('live rooms across three instances behind HAProxy', () => {
	it('representatives on different instances co-edit one room; exactly one instance owns it', async () => {
		const [app1, app2, app3] = cluster.instances as [ClusterInstance, ClusterInstance, ClusterInstance];
		const bappeda = open(app1.url, { token: repToken(BAPPELITBANGDA) });
		await bappeda.synced;
		const inka = open(app2.url, { token: repToken(PT_INKA) });
		const projector = open(app3.url, { token: token({ role: 'viewer' }) });
		await Promise.all([inka.synced, projector.synced]);
		expect(roots(projector.doc).rows.size).toBe(17);

		type(bappeda, BAPPELITBANGDA, 'Fasilitasi Musrenbang kelurahan');
		type(inka, PT_INKA, 'Pinjaman kemitraan TJSL untuk UMKM lapak');
		await until(() => text(projector, PT_INKA).includes('TJSL') && text(projector, BAPPELITBANGDA).includes('Musrenbang'), 10_000, 'projector sees both');
		await until(() => text(inka, BAPPELITBANGDA).includes('Musrenbang') && text(bappeda, PT_INKA).includes('TJSL'), 10_000, 'both see each other');
		const holder = await owner();
		expect(holder?.instanceId).toBe('app1');
		expect(bappeda.denied).toEqual([]);
		expect(inka.denied).toEqual([]);
		expect(text(await durableDoc(), PT_INKA)).toContain('TJSL');
	});

	it('refuses a foreign-row write on the owner and on a non-owner alike, and nobody sees it', async () => {
		const holder = (await owner())!;
		const witness = open(byName(holder.instanceId).url, { token: token({ role: 'viewer' }) });
		await witness.synced;
		for (const instance of cluster.instances) {
			const intruder = open(instance.url, { token: repToken(PT_INKA) });
			await intruder.synced;
			cell(intruder, BAPPELITBANGDA, 2)!.set('timing', `DIBAJAK lewat ${instance.name}`);
			await until(() => intruder.denied.length > 0, 10_000, `refusal on ${instance.name}`);
			expect(refusals(intruder)[0]).toMatchObject({ code: 'foreignRow', institutionId: String(BAPPELITBANGDA) });
			intruder.destroy();
		}
		// A legal write through a non-owner arrives after the refused ones would have.
		const other = cluster.instances.find((i) => i.name !== holder.instanceId)!;
		await sentinel(other.url, witness, (doc) => cell(doc, PT_INKA, 2)!.set('timing', 'Triwulan I 2022'), (doc) => cell(doc, PT_INKA, 2)?.get('timing') === 'Triwulan I 2022', {
			token: repToken(PT_INKA)
		}, ROOM);
		expect(cell(witness, BAPPELITBANGDA, 2)!.get('timing')).toBe('');
		expect(cell(await durableDoc(), BAPPELITBANGDA, 2)!.get('timing')).toBe('');
	});

	it('kill -9 of the owner during a burst: another instance takes over, nothing any client received is lost, all converge', async () => {
		const writers = [BAPPELITBANGDA, PT_INKA, DINSOS].map((inst) => ({ inst, client: open(cluster.url, { token: repToken(inst) }), typed: [] as string[] }));
		for (const w of writers) await w.client.synced;
		const holder = (await owner())!;
		// Everything each client was sent by others, as it arrived.
		const received = new Set<string>();
		for (const w of writers)
			w.client.doc.on('update', (_u: Uint8Array, origin: unknown) => {
				if (origin !== w.client.provider) return;
				for (const other of writers) for (const word of text(w.client, other.inst).split(' ')) if (word.startsWith('k')) received.add(word);
			});
		let n = 0;
		const burst = setInterval(() => {
			for (const w of writers) {
				const word = `k${w.inst}-${n}`;
				w.typed.push(word);
				type(w.client, w.inst, ` ${word}`);
			}
			n++;
		}, 30);
		try {
			await until(() => n >= 15, 10_000, 'burst under way');
			await cluster.kill(byName(holder.instanceId));
			await until(() => n >= 45, 20_000, 'burst continues');
		} finally {
			clearInterval(burst);
		}
		let now: LeaseHolder | null = null;
		for (const deadline = Date.now() + 15_000; !(now && now.instanceId !== holder.instanceId) && Date.now() < deadline; ) {
			now = await owner().catch(() => null);
			await new Promise((r) => setTimeout(r, 100));
		}
		expect(now?.instanceId, 'another instance owns the room').not.toBe(holder.instanceId);
		const expectAll = (doc: TestClient | Y.Doc) => writers.every((w) => w.typed.every((word) => text(doc, w.inst).includes(` ${word}`)));
		await until(() => writers.every((w) => expectAll(w.client)), 30_000, 'clients converge with every edit');
		for (const w of writers) for (const other of writers) expect(text(w.client, other.inst)).toBe(text(writers[0]!.client, other.inst));
		const reader = await freshReader();
		expect(expectAll(reader)).toBe(true);
		await untilStored(expectAll, 'every edit in the database');
		expect(received.size).toBeGreaterThan(0);
		const everything = writers.flatMap((w) => text(reader, w.inst).split(' '));
		for (const word of received) expect(everything).toContain(word);
		expect((await owner())?.instanceId).not.toBe(holder.instanceId);
	});

	it('Redis killed for a few seconds: rooms pause, then resume with nothing acknowledged lost', async () => {
		const a = open(cluster.url, { token: repToken(BAPPELITBANGDA) });
		const b = open(cluster.url, { token: repToken(PT_INKA) });
		await Promise.all([a.synced, b.synced]);
		type(a, BAPPELITBANGDA, ' sebelum-redis-mati');
		await until(() => text(b, BAPPELITBANGDA).includes('sebelum-redis-mati'), 10_000, 'acknowledged before the outage');
		await cluster.redis.kill();
		await until(() => a.closes.length > 0 && b.closes.length > 0, 15_000, 'sockets closed while Redis is away');
		// Typed while the room is paused: kept by the client, sent when it is back.
		type(a, BAPPELITBANGDA, ' selama-redis-mati');
		// The rooms stay paused: reconnecting meanwhile is answered "try again later".
		await until(() => a.closes.length >= 2 && b.closes.length >= 2, 15_000, 'reconnections refused while Redis is away');
		expect([...a.closes, ...b.closes].every((c) => c.code === 1012 || c.code === 1013)).toBe(true);
		await cluster.redis.restart();
		await until(() => a.provider.wsconnected && b.provider.wsconnected, 20_000, 'clients reconnect');
		type(a, BAPPELITBANGDA, ' sesudah-redis-kembali');
		await until(() => text(b, BAPPELITBANGDA).includes('sesudah-redis-kembali'), 20_000, 'edits flow again');
		expect(text(b, BAPPELITBANGDA)).toContain('selama-redis-mati');
		const reader = await freshReader();
		for (const words of ['sebelum-redis-mati', 'selama-redis-mati', 'sesudah-redis-kembali']) {
			expect(text(reader, BAPPELITBANGDA)).toContain(words);
			expect(text(await durableDoc(), BAPPELITBANGDA)).toContain(words);
		}
	});

	it('a freeze, the minutes and the seal requested on a non-owner act on the live room: the sealed minutes hold the last acknowledged edits', async () => {
		const holder = (await owner())!;
		const nonOwner = alive().find((i) => i.name !== holder.instanceId)!;
		// A representative joins through the non-owner: the new attendance reaches the live room from there.
		const phone = new Client(nonOwner.url);
		const code = (
			await sql.query<{ code: string }>(
				`SELECT i.code FROM workshop_invitations i JOIN institutions s ON s.id = i.institution_id WHERE i.workshop_id = 3 AND s.short_name = 'PT INKA'`
			)
		).rows[0]!.code;
		expect((await phone.post(`/join/${code}`, { institutionId: String(PT_INKA), name: 'Lina Marlina', jabatan: 'Staf TJSL', gender: 'P', phone: '' })).status).toBe(303);

		const rep = open(cluster.url, { token: repToken(PT_INKA) });
		const witness = open(cluster.url, { token: token({ role: 'viewer' }) });
		await Promise.all([rep.synced, witness.synced]);
		type(rep, PT_INKA, ' Zamrud');
		await until(() => text(witness, PT_INKA).includes('Zamrud'), 10_000, 'last edit acknowledged');

		const staff = new Client(nonOwner.url);
		await staff.login('moderator@mufakat.test', 'mufakat-demo');
		// Someone keeps typing while the freeze goes through: whatever the room accepted must be in the
		// frozen version, and whatever is not in it must have been refused.
		const typist = open(cluster.url, { token: repToken(PT_INKA) });
		await typist.synced;
		let n = 0;
		const typing = setInterval(() => type(typist, PT_INKA, ` ketik${n++}`), 15);
		let freeze: Response;
		try {
			// The typing is under way (its first words acknowledged) when the freeze is asked for.
			await until(() => text(witness, PT_INKA).includes('ketik0'), 10_000, 'typing acknowledged before the freeze');
			freeze = await staff.post('/workshops/3/matrix?/freeze', {});
			await until(() => typist.denied.length > 0, 10_000, 'typing refused once frozen');
		} finally {
			clearInterval(typing);
		}
		expect(freeze.status, await freeze.clone().text()).toBeLessThan(400);
		await until(() => roots(rep.doc).meta.get('frozen') === true, 10_000, 'freeze reaches the live room');
		type(rep, PT_INKA, ' Sesudahbeku');
		await until(() => rep.denied.length > 0, 10_000, 'edit after the freeze refused');
		expect(refusals(rep).at(-1)).toMatchObject({ code: 'frozen' });

		// Opening the minutes on the non-owner creates the live draft in the owner's room.
		expect((await staff.get('/workshops/3/minutes')).status).toBe(200);
		const moderator = open(cluster.url, { token: token({ role: 'moderator' }) });
		await moderator.synced;
		await until(() => (roots(moderator.doc).minutes.get('points') as Y.Array<Y.Text> | undefined)?.length !== undefined, 10_000, 'draft in the live room');
		(roots(moderator.doc).minutes.get('points') as Y.Array<Y.Text>).get(0).insert(0, 'Kenanga. ');
		await until(() => String((roots(witness.doc).minutes.get('points') as Y.Array<Y.Text>).get(0)).startsWith('Kenanga'), 10_000, 'draft edit acknowledged');

		const finalize = await staff.post('/workshops/3/minutes?/finalize', {});
		expect(finalize.status, await finalize.clone().text()).toBe(200);
		const version = (await sql.query<{ id: number; version: number; text_hash: string }>('SELECT id, version, text_hash FROM minutes_versions WHERE workshop_id = 3 ORDER BY version DESC')).rows[0]!;
		const signers = (await sql.query<{ link_token: string }>('SELECT link_token FROM minutes_signers WHERE minutes_version_id = $1', [version.id])).rows;
		const frozen = (
			await sql.query<{ description: string }>(
				`SELECT c.description FROM matrix_cells c JOIN matrix_versions v ON v.id = c.version_id
				 WHERE v.workshop_id = 3 AND v.superseded_at IS NULL AND c.institution_id = $1 AND c.component_id = 1`,
				[PT_INKA]
			)
		).rows[0];
		expect(frozen?.description).toContain('Zamrud');
		expect(frozen?.description).not.toContain('Sesudahbeku');
		// Nothing accepted slipped past the freeze: the frozen text is the live room's, to the letter.
		expect(frozen?.description).toBe(text(await durableDoc(), PT_INKA));
		expect(frozen?.description).toContain('ketik0');
		expect(signers.length).toBeGreaterThan(0);
		const strokes = JSON.stringify({ width: 300, height: 120, strokes: [[[10, 60], [80, 20], [150, 100], [290, 30]]] });
		for (const s of signers) {
			const signed = await new Client(nonOwner.url).post(`/sign/${s.link_token}?/sign`, { shownHash: version.text_hash, consent: 'on', strokes });
			expect(signed.status, await signed.clone().text()).toBe(200);
		}
		const seal = await staff.post('/workshops/3/minutes?/seal', {});
		expect(seal.status, await seal.clone().text()).toBe(200);
		const pdf = await staff.get(`/workshops/3/minutes/${version.version}/berita-acara.pdf`);
		expect(pdf.status).toBe(200);
		const dir = mkdtempSync(join(tmpdir(), 'mufakat-cluster-pdf-'));
		try {
			const printed = flatText(runTool('pdftotext', ['-layout', writeTemp(dir, 'ba.pdf', new Uint8Array(await pdf.arrayBuffer())), '-']).out);
			expect(printed).toContain('Zamrud');
			expect(printed).toContain('Kenanga');
			expect(printed).not.toContain('Sesudahbeku');
		} finally {
			rmSync(dir, { recursive: true, force: true });
		}
		expect((await owner())?.instanceId).toBe(holder.instanceId);
	});

	it('kill -9 of an instance that only forwards: its people leave the room’s presence, everyone else goes on', async () => {
		const holder = (await owner())!;
		const forwarder = alive().find((i) => i.name !== holder.instanceId)!;
		const witness = open(byName(holder.instanceId).url, { token: token({ role: 'moderator' }) });
		const leaving = open(forwarder.url, { token: repToken(DINSOS) });
		await Promise.all([witness.synced, leaving.synced]);
		leaving.provider.awareness.setLocalStateField('user', { name: 'Peserta di instans yang mati' });
		const id = leaving.doc.clientID;
		await until(() => witness.provider.awareness.getStates().has(id), 10_000, 'presence seen through the owner');
		await cluster.kill(forwarder);
		leaving.destroy();
		// Well before the 30 s after which presence would expire by itself.
		await until(() => !witness.provider.awareness.getStates().has(id), 15_000, 'presence of the dead instance’s socket gone');
		expect((await owner())?.instanceId).toBe(holder.instanceId);
		expect(witness.closes).toEqual([]);
	});
});
