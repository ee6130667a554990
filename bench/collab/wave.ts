/**
 * The reconnect wave: the hall's Wi-Fi comes back. N representatives connect to the workshop room,
 * sync, lose the connection, each make E edits to a cell of their own institution's row while
 * offline (typing, backspacing, retyping a word, setting fields: offline-edits.ts), then all
 * reconnect in the same instant. Measured: whether the server accepted everything (refusals must
 * be 0), and how long until every client holds what the server holds and the server holds every
 * offline edit, checked against a fresh reader that connects afterwards (same state vector, same
 * content digest).
 *
 * The demo workshop has 17 institutions × 3 components: representative i edits cell i mod 51, so
 * 50 representatives spread over the 17 institutions, two or three per institution, each on a
 * cell of its own (past 51 they would share cells, which Yjs merges).
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Awareness } from 'y-protocols/awareness';
import * as Y from 'yjs';
import { roomName } from '../../src/lib/collab/matrix-doc';
import { mintCollabToken } from '../../src/lib/server/collab/principal';
import { connect } from './connections';
import { covers, documentDigest, stateVectorOf, unionOf } from './doc-state';
import { CELL_KEYS, MATRIX_CELLS, QUIET_PATIENCE_MS, Session, WORKSHOP_ID, freePort, log, nextMessage, order, scratchDirs, type Placement } from './harness';
import { WindowMeter, waitForQuietMachine } from './meters';
import { benchClock, type StateVector, type WaveClientReport, type WaveClientSpec } from './protocol';
import { DISTURBED_PERCENT } from './report';
import type { ServerName, ServerUnderTest } from './servers/index';

export type WaveSettings = { clients: number; edits: number; servers: ServerName[] };

export type WaveResult = {
	server: ServerName;
	clients: number;
	edits: number;
	institutions: number;
} & (
	| {
			ok: true;
			/** Updates refused, and by how many clients; the distinct reasons given. */
			refusals: number;
			refusedClients: number;
			reasons: string[];
			/** What the clients sent on reconnecting: their offline edits, encoded as Yjs updates. */
			offlineBytes: number;
			/** ms from the reconnect instant to each client's sync step 2 from the server: median and last. */
			syncedP50Ms: number | null;
			syncedMaxMs: number | null;
			/** ms until the watcher, connected throughout, held every offline edit (null: never). */
			serverPassedAllMs: number | null;
			/** ms until each client held everything the fresh reader found on the server: median and last (null: some never did). */
			convergedP50Ms: number | null;
			convergedMaxMs: number | null;
			/** Clients whose document is identical (digest) to the fresh reader's. */
			identical: number;
			/** The fresh reader found every offline edit on the server. */
			serverHoldsAll: boolean;
			/** Every edit accepted, and every client identical to the fresh reader. */
			converged: boolean;
			serverCpuMs: number;
			clientsCpuMs: number;
			serverRssPeakBytes: number;
			otherCpuPercent: number;
	  }
	| { ok: false; error: string; converged: false }
);

/** How long after the last change anywhere a wave that has not converged is given up. */
const QUIET_MS = 3_000;
const WAVE_TIMEOUT_MS = 60_000;
const FRESH_READER_TIMEOUT_MS = 15_000;

function specs(clients: number, secret: string): WaveClientSpec[] {
	const editors = Array.from({ length: clients }, (_, i): WaveClientSpec => {
		const cell = MATRIX_CELLS[i % MATRIX_CELLS.length]!;
		const name = `Wave ${i + 1}`;
		const token = mintCollabToken(secret, { workshopId: WORKSHOP_ID, role: 'representative', institutionId: cell.institutionId, subject: `wave-${i + 1}`, name });
		return { name, token, cell: CELL_KEYS[i % MATRIX_CELLS.length]!, seed: i + 1 };
	});
	const watcher: WaveClientSpec = {
		name: 'Wave watcher',
		token: mintCollabToken(secret, { workshopId: WORKSHOP_ID, role: 'viewer', institutionId: null, subject: 'wave-watcher', name: 'Wave watcher' }),
		cell: null,
		seed: 0
	};
	return [watcher, ...editors];
}

/** A viewer that connects after the wave, syncs and reads what the server holds. */
async function freshRead(server: ServerUnderTest, port: number, secret: string): Promise<{ stateVector: StateVector; digest: string }> {
	const doc = new Y.Doc();
	const token = mintCollabToken(secret, { workshopId: WORKSHOP_ID, role: 'viewer', institutionId: null, subject: 'wave-fresh-reader', name: 'Fresh reader' });
	const link = connect(server.protocol, { url: server.url(port), room: roomName(WORKSHOP_ID), doc, awareness: new Awareness(doc), token });
	let timer: NodeJS.Timeout | undefined;
	try {
		await Promise.race([
			link.synced,
			new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`the fresh reader did not sync (${link.lastClose()})`)), FRESH_READER_TIMEOUT_MS)))
		]);
		return { stateVector: stateVectorOf(doc), digest: documentDigest(doc) };
	} finally {
		clearTimeout(timer);
		link.destroy();
		doc.destroy();
	}
}

const median = (values: number[]) => (values.length ? [...values].sort((a, b) => a - b)[Math.ceil(values.length / 2) - 1]! : null);

/** When a participant first held `target`, in ms after the reconnect instant; null if never. */
const heldAfter = (report: WaveClientReport, target: StateVector) => report.timeline.find((entry) => covers(entry.stateVector, target))?.afterMs ?? null;

export async function runWave(server: ServerUnderTest, settings: WaveSettings, maxWorkers: number, where: Placement): Promise<WaveResult> {
	const { clients, edits } = settings;
	const institutions = new Set(MATRIX_CELLS.slice(0, Math.min(clients, MATRIX_CELLS.length)).map((cell) => cell.institutionId)).size;
	const base = { server: server.name, clients, edits, institutions };
	const label = `[wave ${server.name} ${clients} × ${edits}]`;
	const busyPercent = await waitForQuietMachine(QUIET_PATIENCE_MS, DISTURBED_PERCENT);
	if (busyPercent >= DISTURBED_PERCENT) log(`${label} other processes keep ${busyPercent.toFixed(0)} % of a core busy; measuring anyway`);
	const port = await freePort();
	const scratchDir = mkdtempSync(join(tmpdir(), 'mufakat-bench-'));
	scratchDirs.add(scratchDir);
	const secret = randomBytes(32).toString('base64url');
	const session = new Session(where);
	try {
		await session.startServer(server, port, scratchDir, secret);
		const everyone = specs(clients, secret);
		const workerCount = Math.min(maxWorkers, clients);
		await session.startWorkers(workerCount);
		const { workers } = session;
		// The watcher (first) goes to worker 0, the representatives round-robin.
		const prepared = await session.orDeath(
			Promise.all(
				workers.map((worker, w) => {
					const reply = nextMessage(worker, 'wave-prepared', 60_000 + 100 * clients, 'preparing the wave');
					order(worker, {
						type: 'wave-prepare',
						protocol: server.protocol,
						url: server.url(port),
						room: roomName(WORKSHOP_ID),
						cellKeys: CELL_KEYS,
						seedCells: !server.preloaded && w === 0,
						clients: everyone.filter((_, i) => (i === 0 ? w === 0 : (i - 1) % workerCount === w)),
						edits,
						readyTimeoutMs: 30_000 + 100 * clients
					});
					return reply;
				})
			)
		);
		const target = unionOf(prepared.flatMap((p) => p.stateVectors));
		const offlineBytes = prepared.reduce((sum, p) => sum + p.offlineBytes, 0);
		log(`${label} ${clients} clients synced, went offline and made ${edits} edits each (${(offlineBytes / 1024).toFixed(0)} KiB in all); reconnecting`);

		const at = benchClock() + 1000;
		const meter = new WindowMeter(session.serverPid, session.workerPids);
		const reports = workers.map((worker) => nextMessage(worker, 'wave-report', WAVE_TIMEOUT_MS + 15_000, 'waiting for the wave to settle'));
		for (const worker of workers) order(worker, { type: 'wave-reconnect', at, target, quietMs: QUIET_MS, timeoutMs: WAVE_TIMEOUT_MS });
		await session.orDeath(new Promise((resolve) => setTimeout(resolve, at - benchClock())));
		meter.start();
		const participants = (await session.orDeath(Promise.all(reports))).flatMap((r) => r.clients);
		const usage = meter.stop();
		const fresh = await session.orDeath(freshRead(server, port, secret));

		const editors = participants.filter((p) => !p.watcher);
		const watcher = participants.find((p) => p.watcher)!;
		const refusals = participants.reduce((sum, p) => sum + p.refusals.length, 0);
		const convergedAt = editors.map((p) => heldAfter(p, fresh.stateVector));
		const synced = editors.map((p) => p.syncedAfterMs);
		const serverHoldsAll = covers(fresh.stateVector, target);
		const identical = editors.filter((p) => p.digest === fresh.digest).length;
		const allConverged = convergedAt.every((ms) => ms !== null);
		const result: WaveResult = {
			...base,
			ok: true,
			refusals,
			refusedClients: participants.filter((p) => p.refusals.length > 0).length,
			reasons: [...new Set(participants.flatMap((p) => p.refusals))],
			offlineBytes,
			syncedP50Ms: synced.every((ms) => ms !== null) ? median(synced as number[]) : null,
			syncedMaxMs: synced.every((ms) => ms !== null) ? Math.max(...(synced as number[])) : null,
			serverPassedAllMs: heldAfter(watcher, target),
			convergedP50Ms: allConverged ? median(convergedAt as number[]) : null,
			convergedMaxMs: allConverged ? Math.max(...(convergedAt as number[])) : null,
			identical,
			serverHoldsAll,
			converged: refusals === 0 && serverHoldsAll && identical === editors.length && allConverged,
			serverCpuMs: (usage.serverCpuPercent / 100) * usage.windowSeconds * 1000,
			clientsCpuMs: (usage.clientsCpuPercent / 100) * usage.windowSeconds * 1000,
			serverRssPeakBytes: usage.serverRssPeakBytes,
			otherCpuPercent: Math.max(0, usage.machineCpuPercent - usage.serverCpuPercent - usage.clientsCpuPercent)
		};
		const ms = (value: number | null) => (value === null ? 'never' : `${value.toFixed(0)} ms`);
		log(
			`${label} refusals ${refusals} (${result.refusedClients} clients)${result.reasons.length ? `: ${result.reasons.slice(0, 3).join(' | ')}` : ''}; ` +
				`synced p50 ${ms(result.syncedP50Ms)}, last ${ms(result.syncedMaxMs)}; server passed every edit on after ${ms(result.serverPassedAllMs)}; ` +
				`clients converged p50 ${ms(result.convergedP50Ms)}, last ${ms(result.convergedMaxMs)}; ${identical}/${editors.length} identical to a fresh reader, ` +
				`which ${serverHoldsAll ? 'holds' : 'lacks some of'} the offline edits; server CPU ${result.serverCpuMs.toFixed(0)} ms`
		);
		return result;
	} catch (error) {
		const message = error instanceof Error ? error.message : String(error);
		log(`${label} failed: ${message}`);
		return { ...base, ok: false, error: message, converged: false };
	} finally {
		await session.close();
		rmSync(scratchDir, { recursive: true, force: true });
		scratchDirs.delete(scratchDir);
	}
}
