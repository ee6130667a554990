/**
 * What one participant can do to a live room through the real server: hostile updates (refused,
 * unseen by anyone, absent after a restart) and floods (everyone else stays connected and live,
 * server memory stays bounded).
 */
import { readFileSync } from 'node:fs';
import WebSocket from 'ws';
import * as Y from 'yjs';
import * as encoding from 'lib0/encoding';
import * as syncProtocol from 'y-protocols/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cellKey, MAX_DESCRIPTION_LENGTH, roots } from '../../src/lib/collab/matrix-doc';
import { applyTextEdit } from '../../src/lib/collab/matrix-edits';
import { decodeRefusal } from '../../src/lib/collab/refusals';
import { connectClient, sentinel, TEST_SECRET, token, until, type TestClient } from '../helpers/collab';
import { hostileContentUpdates, hostileEffectUpdates } from '../helpers/hostile-updates';
import { removeDir, startServer, type RunningServer } from '../helpers/server';

let server: RunningServer;
const clients: TestClient[] = [];
const env = { MUFAKAT_COLLAB_SECRET: TEST_SECRET, MUFAKAT_LOG_LEVEL: 'warn' };

beforeAll(async () => {
	server = await startServer({ env });
});
afterAll(async () => {
	for (const c of clients) c.destroy();
	await server?.stop();
	removeDir(server.dir);
});

function open(auth: { token: string }): TestClient {
	const c = connectClient(server.url, 'workshop-3', auth);
	clients.push(c);
	return c;
}

const BAPPELITBANGDA = 1;
const PT_INKA = 14;
const repToken = (institutionId = PT_INKA) => token({ role: 'representative', institutionId });

type RawSocket = { ws: WebSocket; refusals: () => string[]; closed: Promise<number>; opened: Promise<void> };
function rawSocket(auth: string): RawSocket {
	const ws = new WebSocket(`${server.url.replace(/^http/, 'ws')}/collab/workshop-3?token=${auth}`);
	const denied: string[] = [];
	ws.on('message', (d: Buffer) => {
		if (d[0] === 2 && d[1] === 0) denied.push(d.subarray(3).toString('utf8'));
	});
	ws.on('error', () => {});
	return {
		ws,
		refusals: () => denied,
		closed: new Promise((r) => ws.on('close', (code) => r(code))),
		opened: new Promise((r) => ws.once('open', () => r()))
	};
}

function updateFrame(update: Uint8Array): Uint8Array {
	const encoder = encoding.createEncoder();
	encoding.writeVarUint(encoder, 0);
	syncProtocol.writeUpdate(encoder, update);
	return encoding.toUint8Array(encoder);
}

function awarenessFrame(entries: { client: number; clock: number; state: string }[]): Uint8Array {
	const inner = encoding.createEncoder();
	encoding.writeVarUint(inner, entries.length);
	for (const e of entries) {
		encoding.writeVarUint(inner, e.client);
		encoding.writeVarUint(inner, e.clock);
		encoding.writeVarString(inner, e.state);
	}
	const encoder = encoding.createEncoder();
	encoding.writeVarUint(encoder, 1);
	encoding.writeVarUint8Array(encoder, encoding.toUint8Array(inner));
	return encoding.toUint8Array(encoder);
}

function rssKiB(pid: number): number {
	const status = readFileSync(`/proc/${pid}/status`, 'utf8');
	return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
}

const cell = (doc: Y.Doc, inst: number, comp: number) => roots(doc).cells.get(cellKey(inst, comp))!;

describe('hostile updates through the real server', () => {
	it('refuses each one, shows none of it to anyone, and keeps none of it after a restart', async () => {
		const owner = open({ token: repToken(BAPPELITBANGDA) });
		const projector = open({ token: token({ role: 'viewer' }) });
		await Promise.all([owner.synced, projector.synced]);
		(cell(owner.doc, BAPPELITBANGDA, 1).get('description') as Y.Text).insert(0, 'Fasilitasi Musrenbang');
		await until(() => String(cell(projector.doc, BAPPELITBANGDA, 1).get('description')) === 'Fasilitasi Musrenbang', 5000, 'owner text');

		const state = Y.encodeStateAsUpdate(projector.doc);
		const hostile = [...hostileContentUpdates(state, PT_INKA, 1), ...hostileEffectUpdates(state, PT_INKA, BAPPELITBANGDA)];
		// One socket each: a connection that keeps being refused runs out of write budget, and each
		// update must be refused for its own reason.
		for (const { name, update } of hostile) {
			const attacker = rawSocket(repToken());
			await attacker.opened;
			attacker.ws.send(updateFrame(update));
			await until(() => attacker.refusals().length === 1, 5000, `refusal of ${name}`);
			expect(decodeRefusal(attacker.refusals()[0]!).code, name).not.toBe('writeRate');
			attacker.ws.close();
		}
		// The same socket, refused again and again, is stopped by its budget.
		const persistent = rawSocket(repToken());
		await persistent.opened;
		for (const { update } of hostile) persistent.ws.send(updateFrame(update));
		await until(() => persistent.refusals().length === hostile.length, 10_000, 'refusals on one socket');
		expect(persistent.refusals().map((r) => decodeRefusal(r).code)).toContain('writeRate');

		await sentinel(
			server.url,
			projector,
			(doc) => cell(doc, PT_INKA, 2).set('unit', 'sentinel-hostile'),
			(doc) => cell(doc, PT_INKA, 2).get('unit') === 'sentinel-hostile',
			{ token: repToken() }
		);
		const seen = () => ({
			own: cell(projector.doc, PT_INKA, 1).toJSON(),
			other: String(cell(projector.doc, BAPPELITBANGDA, 1).get('description')),
			consent: roots(projector.doc).consent.get(String(PT_INKA))?.get('*'),
			frozen: roots(projector.doc).meta.get('frozen'),
			roots: [...projector.doc.share.keys()].sort()
		});
		const clean = {
			own: { type: '', description: '', sites: [], timing: '', volume: null, unit: '', valueRupiah: null, fundingSource: '' },
			other: 'Fasilitasi Musrenbang',
			consent: undefined,
			frozen: false
		};
		expect(seen()).toMatchObject(clean);
		expect(String(cell(projector.doc, PT_INKA, 2).get('description'))).toBe('');
		expect(seen().roots).not.toContain('evil');

		await server.stop();
		server = await startServer({ dir: server.dir, env });
		const after = open({ token: token({ role: 'viewer' }) });
		await after.synced;
		expect(cell(after.doc, PT_INKA, 1).toJSON()).toEqual(clean.own);
		expect(String(cell(after.doc, BAPPELITBANGDA, 1).get('description'))).toBe('Fasilitasi Musrenbang');
		expect(cell(after.doc, PT_INKA, 2).get('unit')).toBe('sentinel-hostile');
		expect([...after.doc.share.keys()]).not.toContain('evil');
	});
});

describe('floods', () => {
	it('an awareness flood from a viewer and from a representative leaves the room live and memory bounded', async () => {
		const projector = open({ token: token({ role: 'viewer' }) });
		const writer = open({ token: repToken() });
		await Promise.all([projector.synced, writer.synced]);
		const rssBefore = rssKiB(server.process.pid!);
		const flooders = [rawSocket(token({ role: 'viewer' })), rawSocket(repToken(BAPPELITBANGDA))];
		await Promise.all(flooders.map((f) => f.opened));
		const state = JSON.stringify({ user: { name: 'x'.repeat(4000) } }).slice(0, 4090);
		let clock = 1;
		for (let round = 0; round < 300; round++) {
			for (const [n, f] of flooders.entries()) {
				const entries = Array.from({ length: 64 }, (_, i) => ({ client: 1_000_000 + n * 100_000 + round * 64 + i, clock, state }));
				f.ws.send(awarenessFrame(entries));
			}
			clock++;
			if (round % 50 === 0) await new Promise((r) => setImmediate(r));
		}
		// Every peer's presence the projector hears: at most the flooders' own one or two ids each.
		const marker = `sentinel-flood-${Date.now()}`;
		cell(writer.doc, PT_INKA, 3).set('timing', marker);
		await until(() => cell(projector.doc, PT_INKA, 3).get('timing') === marker, 10_000, 'projector live during the flood');
		const foreignStates = [...projector.provider.awareness.getStates().keys()].filter((id) => id >= 1_000_000);
		expect(foreignStates.length).toBeLessThanOrEqual(4);
		expect(projector.closes).toEqual([]);
		expect(writer.closes).toEqual([]);
		const grown = rssKiB(server.process.pid!) - rssBefore;
		// 2 × 300 messages of 64 × 4 KiB were sent (150 MiB); what is kept and forwarded is a few states.
		expect(grown).toBeLessThan(64 * 1024);
		for (const f of flooders) f.ws.close();
	});

	it('a burst of maximum-size legal updates is cut to the write budget; everyone else stays connected', async () => {
		const projector = open({ token: token({ role: 'viewer' }) });
		const bystander = open({ token: repToken(BAPPELITBANGDA) });
		const burster = open({ token: repToken() });
		await Promise.all([projector.synced, bystander.synced, burster.synced]);
		const text = cell(burster.doc, PT_INKA, 2).get('description') as Y.Text;
		const letters = 'abcdefghijklmnopqrstuvwxyz';
		for (let i = 0; i < 600; i++) applyTextEdit(text, letters[i % 26]!.repeat(MAX_DESCRIPTION_LENGTH), null);
		await until(() => burster.denied.some((r) => decodeRefusal(r).code === 'writeRate') || String(cell(projector.doc, PT_INKA, 2).get('description')).length === MAX_DESCRIPTION_LENGTH, 20_000, 'burst handled');
		const marker = `sentinel-burst-${Date.now()}`;
		cell(bystander.doc, BAPPELITBANGDA, 3).set('timing', marker);
		await until(() => cell(projector.doc, BAPPELITBANGDA, 3).get('timing') === marker, 10_000, 'projector live after the burst');
		expect(projector.closes).toEqual([]);
		expect(bystander.closes).toEqual([]);
		expect(bystander.denied).toEqual([]);
	});
});
