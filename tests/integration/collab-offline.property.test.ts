/**
 * Property: representatives who go offline, make up to 500 edits each (inserts, deletions,
 * corrections, field sets, consent) and come back in any order, while the moderator locks,
 * unlocks, freezes and unfreezes, never lose a word. Every edit the rules allow is accepted, every
 * edit a lock refused is kept on the device (the client's unsaved-edit list) and lands once the
 * lock is lifted, and every client converges to the server's state.
 *
 * Real server, real y-websocket clients. CI runs a fixed seed; set MUFAKAT_PROPERTY_RUNS (and
 * optionally MUFAKAT_PROPERTY_SEED) for a longer search.
 */
import fc from 'fast-check';
import * as Y from 'yjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cellKey, readCell, roots, WHOLE_MATRIX, type CellFields, type ConsentState, CONTRIBUTION_TYPES } from '../../src/lib/collab/matrix-doc';
import { applyTextEdit, setCellField, setConsent } from '../../src/lib/collab/matrix-edits';
import { decodeRefusal, type RefusalCode } from '../../src/lib/collab/refusals';
import { applyUnsavedEdit, collectUnsavedEdits, restoreConsent, type UnsavedEdit } from '../../src/lib/collab/unsaved-edits';
import { connectClient, TEST_SECRET, token, until, type TestClient } from '../helpers/collab';
import { Client } from '../helpers/http';
import { removeDir, startServer, type RunningServer } from '../helpers/server';

const RUNS = Number(process.env.MUFAKAT_PROPERTY_RUNS ?? 3);
const SEED = Number(process.env.MUFAKAT_PROPERTY_SEED ?? 20261129);
const INSTITUTIONS = [14, 1, 5];
const COMPONENTS = [1, 2, 3];
/** Codes of real kelurahan in Kota Madiun (the demo's area table). */
const SITES = ['35.77.01.1001', '35.77.02.1004', '35.77.03.1009'];
/** What a refusal may legitimately say during these sessions; anything else is a bug. */
const EXPECTED_REFUSALS: RefusalCode[] = ['rowLocked', 'columnLocked', 'frozen', 'missingContent'];

let server: RunningServer;
let staff: Client;
const open: TestClient[] = [];

beforeAll(async () => {
	server = await startServer({ env: { MUFAKAT_COLLAB_SECRET: TEST_SECRET, MUFAKAT_LOG_LEVEL: 'warn' } });
	staff = new Client(server.url);
	await staff.login('moderator@mufakat.test', 'mufakat-demo');
});
afterAll(async () => {
	for (const c of open) c.destroy();
	await server?.stop();
	removeDir(server.dir);
});

function connect(auth: { token: string }): TestClient {
	const c = connectClient(server.url, 'workshop-3', auth);
	open.push(c);
	return c;
}

/** A deterministic generator for the edits inside one offline session. */
function prng(seed: number) {
	let s = seed >>> 0 || 1;
	return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
}

type Intended = { cells: Map<string, CellFields>; consent: Map<string, ConsentState> };

/**
 * One representative's device, behaving as Mufakat's browser client does: edits go to the local
 * doc (sent when online); on a refusal it stops sending, resynchronises with a fresh doc, keeps
 * what the server does not have as unsaved edits, and re-applies those it may write now.
 */
class Device {
	client: TestClient;
	online = true;
	kept: UnsavedEdit[] = [];
	refusals: RefusalCode[] = [];
	/** Every consent mark this person gave, whatever happened to the update that carried it. */
	consentGiven = new Map<string, ConsentState>();
	private handled = 0;
	private recovering: Promise<void> | null = null;

	constructor(readonly institutionId: number) {
		this.client = this.open();
	}

	private open(): TestClient {
		const c = connect({ token: token({ role: 'representative', institutionId: this.institutionId, subject: `device-${this.institutionId}` }) });
		this.handled = 0;
		return c;
	}

	get own(): string {
		return String(this.institutionId);
	}

	/** Notices a new refusal and recovers from it (once per refused doc). */
	poll(): void {
		const denied = this.client.denied;
		if (denied.length <= this.handled || this.recovering) return;
		this.handled = denied.length;
		for (const r of denied) this.refusals.push(decodeRefusal(r).code);
		this.recovering = this.recover().finally(() => (this.recovering = null));
	}

	private async recover(): Promise<void> {
		const refused = this.client;
		refused.provider.disconnect();
		const fresh = this.open();
		await fresh.synced;
		const found = collectUnsavedEdits(refused.doc, fresh.doc, this.own);
		const byKey = new Map(this.kept.map((e) => [e.cellKey, e]));
		for (const edit of found) byKey.set(edit.cellKey, edit);
		this.kept = [...byKey.values()];
		restoreConsent(refused.doc, fresh.doc, this.own);
		this.consentGiven = new Map([...this.consentGiven, ...(Object.entries(roots(refused.doc).consent.get(this.own)?.toJSON() ?? {}) as [string, ConsentState][])]);
		refused.destroy();
		this.client = fresh;
		if (!this.online) fresh.provider.disconnect();
		this.retry();
	}

	/** Re-applies every kept edit the rules allow now; the rest stay kept. */
	retry(): void {
		this.kept = this.kept.filter((edit) => !applyUnsavedEdit(this.client.doc, edit));
	}

	async settle(): Promise<void> {
		this.poll();
		while (this.recovering) {
			await this.recovering;
			this.poll();
		}
	}

	goOffline(): void {
		this.online = false;
		this.client.provider.disconnect();
	}

	async goOnline(): Promise<void> {
		this.online = true;
		this.client.provider.connect();
		await until(() => this.client.provider.synced, 10_000, 'reconnect');
	}

	edit(count: number, seed: number): void {
		const rand = prng(seed);
		const doc = this.client.doc;
		const pick = <T>(xs: readonly T[]) => xs[Math.floor(rand() * xs.length)]!;
		for (let i = 0; i < count; i++) {
			const key = cellKey(this.institutionId, pick(COMPONENTS));
			const text = roots(doc).cells.get(key)?.get('description');
			if (!(text instanceof Y.Text)) continue;
			const now = text.toString();
			const r = rand();
			const at = Math.floor(rand() * (now.length + 1));
			if (r < 0.45) applyTextEdit(text, now.slice(0, at) + pick(['pelatihan ', 'UMKM ', 'dana ', 'Syafiʼi ', 'kelurahan ']) + now.slice(at), null);
			else if (r < 0.6) applyTextEdit(text, now.slice(0, at) + now.slice(Math.min(now.length, at + 1 + Math.floor(rand() * 6))), null);
			else if (r < 0.72) applyTextEdit(text, now.slice(0, at) + pick(['koreksi', 'perbaikan']) + now.slice(Math.min(now.length, at + 3)), null);
			else if (r < 0.94) {
				const field = pick(['type', 'timing', 'unit', 'volume', 'valueRupiah', 'fundingSource', 'sites'] as const);
				const value =
					field === 'type'
						? pick(CONTRIBUTION_TYPES)
						: field === 'volume' || field === 'valueRupiah'
							? Math.floor(rand() * 1e6)
							: field === 'sites'
								? SITES.filter(() => rand() < 0.5)
								: `${field} ${Math.floor(rand() * 100)}`;
				setCellField(doc, key, field, value as never, null);
			} else {
				const target = rand() < 0.5 ? WHOLE_MATRIX : key;
				const state = pick(['agree', 'abstain', 'object'] as const);
				if (setConsent(doc, this.own, target, state, null)) this.consentGiven.set(target, state);
			}
		}
	}

	/** What this person meant their row to say: their own device's copy, plus what is kept aside. */
	intended(): Intended {
		const doc = this.client.doc;
		const cells = new Map<string, CellFields>();
		for (const comp of COMPONENTS) cells.set(cellKey(this.institutionId, comp), readCell(roots(doc).cells.get(cellKey(this.institutionId, comp))));
		for (const edit of this.kept) cells.set(edit.cellKey, { ...cells.get(edit.cellKey)!, ...edit.fields });
		return { cells, consent: this.consentGiven };
	}
}

type Action =
	| { k: 'offline' | 'online'; d: number }
	| { k: 'edits'; d: number; n: number; seed: number }
	| { k: 'lockRow' | 'unlockRow'; d: number }
	| { k: 'lockColumn' | 'unlockColumn'; c: number }
	| { k: 'freeze' | 'unfreeze' };

const action: fc.Arbitrary<Action> = fc.oneof(
	{ weight: 3, arbitrary: fc.record({ k: fc.constantFrom('offline' as const, 'online' as const), d: fc.nat(2) }) },
	{ weight: 4, arbitrary: fc.record({ k: fc.constant('edits' as const), d: fc.nat(2), n: fc.oneof(fc.integer({ min: 1, max: 40 }), fc.integer({ min: 41, max: 500 })), seed: fc.nat() }) },
	{ weight: 2, arbitrary: fc.record({ k: fc.constantFrom('lockRow' as const, 'unlockRow' as const), d: fc.nat(2) }) },
	{ weight: 1, arbitrary: fc.record({ k: fc.constantFrom('lockColumn' as const, 'unlockColumn' as const), c: fc.nat(2) }) },
	{ weight: 1, arbitrary: fc.record({ k: fc.constantFrom('freeze' as const, 'unfreeze' as const) }) }
);

async function setFrozen(frozen: boolean, moderator: TestClient): Promise<void> {
	if ((roots(moderator.doc).meta.get('frozen') === true) === frozen) return;
	const res = await staff.post(`/workshops/3/matrix?/${frozen ? 'freeze' : 'unfreeze'}`, {});
	expect(res.status).toBeLessThan(400);
	await until(() => (roots(moderator.doc).meta.get('frozen') === true) === frozen, 10_000, frozen ? 'frozen' : 'unfrozen');
}

function setLock(moderator: TestClient, root: 'rows' | 'components', id: number, locked: boolean) {
	roots(moderator.doc)[root].get(String(id))?.set('locked', locked);
}

const matrixOf = (doc: Y.Doc) => JSON.stringify({ cells: roots(doc).cells.toJSON(), consent: roots(doc).consent.toJSON() });

async function runSession(actions: Action[]): Promise<void> {
	const moderator = connect({ token: token({ role: 'moderator', subject: 'property-moderator' }) });
	const projector = connect({ token: token({ role: 'viewer' }) });
	await Promise.all([moderator.synced, projector.synced]);
	await setFrozen(false, moderator);
	moderator.doc.transact(() => {
		for (const id of INSTITUTIONS) setLock(moderator, 'rows', id, false);
		for (const id of COMPONENTS) setLock(moderator, 'components', id, false);
	});
	const devices = INSTITUTIONS.map((id) => new Device(id));
	await Promise.all(devices.map((d) => d.client.synced));
	let locksUsed = false;

	for (const a of actions) {
		for (const d of devices) d.poll();
		switch (a.k) {
			case 'offline':
				devices[a.d]!.goOffline();
				break;
			case 'online':
				await devices[a.d]!.goOnline();
				break;
			case 'edits':
				devices[a.d]!.edit(a.n, a.seed);
				break;
			case 'lockRow':
			case 'unlockRow':
				locksUsed = true;
				setLock(moderator, 'rows', INSTITUTIONS[a.d]!, a.k === 'lockRow');
				break;
			case 'lockColumn':
			case 'unlockColumn':
				locksUsed = true;
				setLock(moderator, 'components', COMPONENTS[a.c]!, a.k === 'lockColumn');
				break;
			case 'freeze':
			case 'unfreeze':
				locksUsed = true;
				await setFrozen(a.k === 'freeze', moderator);
				break;
		}
		await new Promise((r) => setTimeout(r, 5));
	}

	// The moderator lifts every lock; everyone comes back online and retries what was kept.
	await setFrozen(false, moderator);
	moderator.doc.transact(() => {
		for (const id of INSTITUTIONS) setLock(moderator, 'rows', id, false);
		for (const id of COMPONENTS) setLock(moderator, 'components', id, false);
	});
	for (const d of devices) if (!d.online) await d.goOnline();
	const unlocked = () => INSTITUTIONS.every((id) => roots(moderator.doc).rows.get(String(id))?.get('locked') === false);
	await until(unlocked, 10_000, 'locks lifted');

	const settled = async () => {
		for (const d of devices) await d.settle();
	};
	await until(
		() => {
			for (const d of devices) d.poll();
			return devices.every((d) => d.client.provider.synced && matrixOf(d.client.doc) === matrixOf(projector.doc));
		},
		20_000,
		'devices converge'
	).catch(async (e) => {
		await settled();
		throw e;
	});
	await settled();
	for (const d of devices) {
		await until(() => roots(d.client.doc).rows.get(d.own)?.get('locked') === false && roots(d.client.doc).meta.get('frozen') === false, 10_000, 'device sees unlock');
		d.retry();
	}
	await until(
		() => {
			for (const d of devices) d.poll();
			return devices.every((d) => d.kept.length === 0 && matrixOf(d.client.doc) === matrixOf(projector.doc));
		},
		20_000,
		'kept edits land and everyone converges'
	);

	for (const d of devices) {
		const wanted = d.intended();
		for (const [key, fields] of wanted.cells) expect(readCell(roots(projector.doc).cells.get(key)), `cell ${key}`).toEqual(fields);
		for (const [target, state] of wanted.consent) expect(roots(projector.doc).consent.get(d.own)?.get(target)).toBe(state);
		for (const code of d.refusals) expect(EXPECTED_REFUSALS).toContain(code);
		if (!locksUsed) expect(d.refusals).toEqual([]);
	}
	for (const c of [...devices.map((d) => d.client), moderator, projector]) c.destroy();
}

describe('offline sessions under locks and freezing (property)', () => {
	it(
		'accepts every legal edit, keeps every refused one until it lands, and converges',
		async () => {
			await fc.assert(
				fc.asyncProperty(fc.array(action, { minLength: 4, maxLength: 14 }), (actions) => runSession(actions)),
				{ numRuns: RUNS, seed: SEED, endOnFailure: true }
			);
		},
		RUNS * 60_000
	);
});
