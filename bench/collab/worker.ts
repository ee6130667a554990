/**
 * A client worker: one child process hosting a share of the benchmark's participants, so that the
 * clients' work runs outside the server process and spreads over several event loops.
 *
 * Forked by run.ts with an IPC channel; it connects its clients when told, reports when every one
 * of them is synced and sees the whole matrix, runs the writers on the conductor's schedule,
 * records how late every remote edit arrives, and hands the samples back. For the reconnect wave
 * (wave.ts) it connects representatives, takes them offline, makes their offline edits, then
 * reconnects them all at the conductor's instant and times their convergence.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { Awareness } from 'y-protocols/awareness';
import * as Y from 'yjs';
import { newCellMap, roots } from '../../src/lib/collab/matrix-doc';
import { connect, type DocumentTap, type LiveConnection } from './connections';
import { covers, documentDigest, stateVectorOf } from './doc-state';
import { makeOfflineEdits } from './offline-edits';
import {
	EDIT_ON_THE_WIRE,
	WRITE_INTERVAL_MS,
	WRITTEN_FIELDS,
	benchClock,
	editValue,
	type ClientSpec,
	type ConductorMessage,
	type Schedule,
	type StateVector,
	type WaveClientReport,
	type WaveClientSpec,
	type WorkerMessage
} from './protocol';

type Participant = {
	spec: ClientSpec;
	doc: Y.Doc;
	awareness: Awareness;
	link: LiveConnection;
	/** A reader that notes edits from the wire instead of applying them, once the load starts. */
	listens: boolean;
};

const participants: Participant[] = [];
const latenciesMs: number[] = [];
/** Set when the load starts. */
let measuring: Schedule | null = null;
const writerTimers = new Set<NodeJS.Timeout>();
let writesMeasured = 0;
/**
 * How late this process runs its callbacks, from the start of the measured window to the report.
 * A reader can only notice an edit when its event loop gets to it, so a large delay means the
 * clients, not the server, set the latency.
 */
const loopDelay = monitorEventLoopDelay({ resolution: 10 });

function send(message: WorkerMessage): void {
	process.send?.(message);
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Presence colours only make the awareness payload look like a browser's. */
const COLOURS = ['#d1495b', '#edae49', '#00798c', '#30638e', '#003d5b', '#66a182'];

function record(sentAt: number, arrivedAt: number, schedule: Schedule): void {
	if (sentAt >= schedule.measureFrom && sentAt < schedule.measureUntil) latenciesMs.push(arrivedAt - sentAt);
}

/**
 * A listening reader's view of the wire. Applying 50 updates a second to 450 Y.Docs costs more CPU
 * than the clients' core can spare, and the clients, not the server, would then set the latency.
 * So once the load starts a reader notes the edits inside each document payload as it arrives
 * and does not apply it. The server cannot tell: no protocol answers an update, and presence,
 * pings and resyncs go on as before.
 */
const listeningTap: DocumentTap = (payload) => {
	if (!measuring) return true;
	const arrivedAt = benchClock();
	const text = Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength).toString('latin1');
	for (const [, sentAt] of text.matchAll(EDIT_ON_THE_WIRE)) record(Number(sentAt), arrivedAt, measuring);
	return false;
};

function join(order: Extract<ConductorMessage, { type: 'connect' }>, spec: ClientSpec, index: number): Participant {
	const doc = new Y.Doc();
	const awareness = new Awareness(doc);
	// Everyone is present with a name and no caret yet; only writers move their caret later.
	awareness.setLocalState({ user: { name: spec.name, color: COLOURS[index % COLOURS.length] }, cursor: null });
	const listens = !spec.writes && !order.fullReaders;
	const link = connect(order.protocol, { url: spec.url ?? order.url, room: spec.room ?? order.room, doc, awareness, token: spec.token, onDocument: listens ? listeningTap : undefined });
	return { spec, doc, awareness, link, listens };
}

/** Records, for each remote edit sent inside the window, how long it took to reach this Y.Doc. */
function recordArrivals({ doc }: Participant, schedule: Schedule): void {
	const { cells } = roots(doc);
	cells.observeDeep((events, transaction) => {
		if (transaction.local) return;
		const arrivedAt = benchClock();
		for (const event of events) {
			if (event.target === cells || !(event instanceof Y.YMapEvent)) continue;
			for (const field of WRITTEN_FIELDS)
				if (event.keysChanged.has(field)) record(Number.parseFloat(String(event.target.get(field))), arrivedAt, schedule);
		}
	});
}

/**
 * One edit a second at a random phase, on the writer's own cell, with the caret moving along.
 * The schedule is fixed in advance: a writer that falls behind catches up instead of quietly
 * offering less load while the server struggles.
 */
function startWriting({ doc, awareness }: Participant, { cell: cellKey, field }: NonNullable<ClientSpec['writes']>, schedule: Schedule): void {
	const cell = roots(doc).cells.get(cellKey);
	if (!cell) throw new Error(`cell ${cellKey} missing when writing starts`);
	let sequence = 0;
	let dueAt = schedule.writeFrom + Math.random() * WRITE_INTERVAL_MS;
	const writeOnce = () => {
		const sentAt = benchClock();
		doc.transact(() => cell.set(field, editValue(sentAt, sequence)));
		awareness.setLocalStateField('cursor', { cell: cellKey, field, offset: sequence % 20 });
		if (sentAt >= schedule.measureFrom && sentAt < schedule.measureUntil) writesMeasured++;
		sequence++;
		dueAt += WRITE_INTERVAL_MS;
		scheduleNext();
	};
	const scheduleNext = () => {
		if (dueAt >= schedule.measureUntil) return;
		const timer = setTimeout(() => {
			writerTimers.delete(timer);
			writeOnce();
		}, Math.max(0, dueAt - benchClock()));
		writerTimers.add(timer);
	};
	scheduleNext();
}

/** Settles when the client holds a Y.Map for every cell of the matrix. */
function seesWholeMatrix(doc: Y.Doc, cellKeys: string[]): Promise<void> {
	const { cells } = roots(doc);
	const complete = () => cellKeys.every((key) => cells.get(key) instanceof Y.Map);
	if (complete()) return Promise.resolve();
	return new Promise((resolve) => {
		const check = () => {
			if (!complete()) return;
			cells.unobserve(check);
			resolve();
		};
		cells.observe(check);
	});
}

async function connectAll(order: Extract<ConductorMessage, { type: 'connect' }>): Promise<void> {
	let synced = 0;
	let complete = 0;
	const ready: Promise<void>[] = [];
	let deadlineTimer: NodeJS.Timeout | undefined;
	const deadline = new Promise<never>((_, reject) => {
		deadlineTimer = setTimeout(() => {
			const closes = [...new Set(participants.map((p) => p.link.lastClose()))].join(', ');
			reject(new Error(`${synced}/${order.clients.length} clients synced, ${complete} saw the whole matrix; last close: ${closes}`));
		}, order.readyTimeoutMs);
	});
	for (const [index, spec] of order.clients.entries()) {
		const participant = join(order, spec, index);
		participants.push(participant);
		ready.push(
			participant.link.synced.then(async () => {
				synced++;
				// The peers start empty: the first client of the first worker lays out the matrix once,
				// in one transaction, as our server does when it loads a workshop.
				if (order.seedCells && index === 0) {
					const { cells } = roots(participant.doc);
					participant.doc.transact(() => {
						for (const key of order.cellKeys) if (!cells.has(key)) cells.set(key, newCellMap());
					});
				}
				await seesWholeMatrix(participant.doc, order.cellKeys);
				complete++;
			})
		);
		await sleep(order.connectSpacingMs);
	}
	try {
		await Promise.race([Promise.all(ready), deadline]);
	} finally {
		clearTimeout(deadlineTimer);
	}
}

function start(schedule: Schedule): void {
	measuring = schedule;
	for (const participant of participants) {
		if (!participant.listens) recordArrivals(participant, schedule);
		const writes = participant.spec.writes;
		if (writes) startWriting(participant, writes, schedule);
	}
	// Enabled now and reset when the window opens: a worker already lagging by more than the
	// warm-up still measures itself from whenever it gets there.
	loopDelay.enable();
	setTimeout(() => loopDelay.reset(), schedule.measureFrom - benchClock());
}

// ---------------------------------------------------------------------------------------------
// Reconnect wave (the conductor's side is wave.ts).

type WaveParticipant = {
	spec: WaveClientSpec;
	doc: Y.Doc;
	link: LiveConnection;
	syncedAt: number | null;
	timeline: { at: number; stateVector: StateVector }[];
};

const waveParticipants: WaveParticipant[] = [];

const holds = (doc: Y.Doc, target: StateVector) => covers(stateVectorOf(doc), target);

/** Connects every participant, waits until all are synced, then takes the representatives offline and makes their edits. */
async function prepareWave(order: Extract<ConductorMessage, { type: 'wave-prepare' }>): Promise<Extract<WorkerMessage, { type: 'wave-prepared' }>> {
	for (const [index, spec] of order.clients.entries()) {
		const doc = new Y.Doc();
		const awareness = new Awareness(doc);
		awareness.setLocalState({ user: { name: spec.name, color: COLOURS[index % COLOURS.length] }, cursor: spec.cell ? { cell: spec.cell, field: 'description' } : null });
		const link = connect(order.protocol, { url: order.url, room: order.room, doc, awareness, token: spec.token });
		waveParticipants.push({ spec, doc, link, syncedAt: null, timeline: [] });
	}
	let timer: NodeJS.Timeout | undefined;
	const deadline = new Promise<never>((_, reject) => {
		timer = setTimeout(() => {
			const closes = [...new Set(waveParticipants.map((p) => p.link.lastClose()))].join(', ');
			reject(new Error(`wave clients did not all sync within ${order.readyTimeoutMs / 1000} s; last close: ${closes}`));
		}, order.readyTimeoutMs);
	});
	try {
		await Promise.race([
			Promise.all(
				waveParticipants.map(async ({ doc, link }, index) => {
					await link.synced;
					if (order.seedCells && index === 0) {
						const { cells } = roots(doc);
						doc.transact(() => {
							for (const key of order.cellKeys) if (!cells.has(key)) cells.set(key, newCellMap());
						});
					}
					await seesWholeMatrix(doc, order.cellKeys);
				})
			),
			deadline
		]);
	} finally {
		clearTimeout(timer);
	}
	const editors = waveParticipants.filter((p) => p.spec.cell !== null);
	await Promise.all(editors.map(({ link }) => link.goOffline()));
	let offlineBytes = 0;
	for (const { spec, doc } of editors) {
		const before = Y.encodeStateVector(doc);
		makeOfflineEdits(doc, spec.cell!, order.edits, spec.seed);
		offlineBytes += Y.encodeStateAsUpdate(doc, before).byteLength;
	}
	return { type: 'wave-prepared', stateVectors: editors.map(({ doc }) => stateVectorOf(doc)), offlineBytes };
}

/** At the conductor's instant every representative reconnects; reports once all hold the target, or things go quiet. */
function reconnectWave(order: Extract<ConductorMessage, { type: 'wave-reconnect' }>): void {
	let lastChange = 0;
	let reported = false;
	const report = () => {
		if (reported) return;
		reported = true;
		clearInterval(poll);
		const reports: WaveClientReport[] = waveParticipants.map((p) => ({
			name: p.spec.name,
			watcher: p.spec.cell === null,
			syncedAfterMs: p.syncedAt === null ? null : p.syncedAt - order.at,
			timeline: p.timeline.map(({ at, stateVector }) => ({ afterMs: at - order.at, stateVector })),
			refusals: [...p.link.refusals()],
			digest: documentDigest(p.doc)
		}));
		send({ type: 'wave-report', clients: reports });
	};
	const poll = setInterval(() => {
		const now = benchClock();
		if (now < order.at) return;
		const allSynced = waveParticipants.every((p) => p.syncedAt !== null || p.spec.cell === null);
		if (waveParticipants.every((p) => holds(p.doc, order.target))) report();
		else if (now - order.at > order.timeoutMs) report();
		else if (allSynced && now - Math.max(lastChange, order.at) > order.quietMs) report();
	}, 50);
	setTimeout(
		() => {
			for (const participant of waveParticipants) {
				const { doc, link, timeline, spec } = participant;
				timeline.push({ at: benchClock(), stateVector: stateVectorOf(doc) });
				doc.on('update', () => {
					lastChange = benchClock();
					timeline.push({ at: lastChange, stateVector: stateVectorOf(doc) });
				});
				if (spec.cell === null) {
					participant.syncedAt = order.at;
					continue;
				}
				link.whenSynced().then(() => (participant.syncedAt = benchClock()));
				link.reconnect();
			}
		},
		Math.max(0, order.at - benchClock())
	);
}

// ---------------------------------------------------------------------------------------------
// Owner takeover (the conductor's side is cluster.ts): every participant applies every update.

/** Notes what every participant holds at the kill, then each writer makes one more edit. */
function markTakeover(): Extract<WorkerMessage, { type: 'takeover-marked' }> {
	const received = new Map<number, number>();
	const written = new Map<number, number>();
	const merge = (into: StateVector, from: StateVector) => {
		for (const [client, clock] of from) into.set(client, Math.max(into.get(client) ?? 0, clock));
	};
	for (const participant of participants) if (!participant.spec.writes) merge(received, stateVectorOf(participant.doc));
	for (const participant of participants) {
		const writes = participant.spec.writes;
		if (!writes) continue;
		const cell = roots(participant.doc).cells.get(writes.cell);
		participant.doc.transact(() => cell?.set(writes.field, `after-kill ${participant.spec.name}`));
		merge(written, stateVectorOf(participant.doc));
	}
	return { type: 'takeover-marked', received, written };
}

/** Times each participant until its document covers `target`: it is back in sync with the room. */
function watchTakeover(order: Extract<ConductorMessage, { type: 'takeover-watch' }>): void {
	const convergedAt: (number | null)[] = participants.map(() => null);
	let reported = false;
	const report = () => {
		if (reported) return;
		reported = true;
		clearTimeout(giveUp);
		send({
			type: 'takeover-report',
			convergedAfterMs: convergedAt.map((at) => (at === null ? null : at - order.at)),
			disconnects: participants.reduce((sum, p) => sum + p.link.disconnects(), 0),
			refusals: participants.flatMap((p) => p.link.refusals()),
			stragglers: participants
				.filter((_, i) => convergedAt[i] === null)
				.map((p) => `${p.spec.name} (${p.spec.writes ? 'writer' : 'reader'}, last close: ${p.link.lastClose()}, drops: ${p.link.disconnects()})`)
		});
	};
	const giveUp = setTimeout(report, order.timeoutMs);
	participants.forEach(({ doc }, i) => {
		const check = () => {
			if (convergedAt[i] !== null || !holds(doc, order.target)) return;
			convergedAt[i] = benchClock();
			doc.off('update', check);
			if (convergedAt.every((at) => at !== null)) report();
		};
		doc.on('update', check);
		check();
	});
}

function stop(): void {
	for (const timer of writerTimers) clearTimeout(timer);
	for (const { link } of participants) link.destroy();
	for (const { link } of waveParticipants) link.destroy();
	// Sockets closing politely can hold the loop open; the conductor has already taken the report.
	setTimeout(() => process.exit(0), 200);
}

process.on('message', (message: ConductorMessage) => {
	switch (message.type) {
		case 'connect':
			connectAll(message).then(
				() => send({ type: 'ready' }),
				(error: unknown) => send({ type: 'failed', reason: error instanceof Error ? error.message : String(error) })
			);
			break;
		case 'start':
			start(message);
			break;
		case 'report':
			send({
				type: 'report',
				latenciesMs: Float64Array.from(latenciesMs),
				writes: writesMeasured,
				disconnects: participants.reduce((sum, p) => sum + p.link.disconnects(), 0),
				loopDelayP99Ms: loopDelay.percentile(99) / 1e6,
				refusals: participants.reduce((sum, p) => sum + p.link.refusals().length, 0)
			});
			break;
		case 'wave-prepare':
			prepareWave(message).then(send, (error: unknown) => send({ type: 'failed', reason: error instanceof Error ? error.message : String(error) }));
			break;
		case 'wave-reconnect':
			reconnectWave(message);
			break;
		case 'takeover-mark':
			send(markTakeover());
			break;
		case 'takeover-watch':
			watchTakeover(message);
			break;
		case 'stop':
			stop();
			break;
	}
});

send({ type: 'listening' });

// Orphaned by a crashed conductor: leave rather than keep hammering the server.
process.on('disconnect', () => process.exit(0));
