/**
 * A client worker: one child process hosting a share of the benchmark's participants, so that the
 * clients' work runs outside the server process and spreads over several event loops.
 *
 * Forked by run.ts with an IPC channel; it connects its clients when told, reports when every one
 * of them is synced and sees the whole matrix, runs the writers on the conductor's schedule,
 * records how late every remote edit arrives, and hands the samples back.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { Awareness } from 'y-protocols/awareness';
import * as Y from 'yjs';
import { newCellMap, roots } from '../../src/lib/collab/matrix-doc';
import { carriesDocumentUpdate, connect, type LiveConnection, type MessageTap } from './connections';
import {
	EDIT_ON_THE_WIRE,
	WRITE_INTERVAL_MS,
	WRITTEN_FIELD,
	benchClock,
	editValue,
	type ClientProtocol,
	type ClientSpec,
	type ConductorMessage,
	type Schedule,
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
 * than two cores can spare next to the server, and the clients, not the server, would then set the
 * latency. So once the load starts a reader notes the edits in each update message as it arrives
 * and keeps the message from its provider. The server cannot tell: neither provider answers an
 * update, and presence, pings and resyncs still go through the provider as before.
 */
function listeningTap(protocol: ClientProtocol): MessageTap {
	return (message) => {
		if (!measuring || !carriesDocumentUpdate(protocol, message)) return true;
		const arrivedAt = benchClock();
		const text = Buffer.from(message.buffer, message.byteOffset, message.byteLength).toString('latin1');
		for (const [, sentAt] of text.matchAll(EDIT_ON_THE_WIRE)) record(Number(sentAt), arrivedAt, measuring);
		return false;
	};
}

function join(order: Extract<ConductorMessage, { type: 'connect' }>, spec: ClientSpec, index: number): Participant {
	const doc = new Y.Doc();
	const awareness = new Awareness(doc);
	// Everyone is present with a name and no caret yet; only writers move their caret later.
	awareness.setLocalState({ user: { name: spec.name, color: COLOURS[index % COLOURS.length] }, cursor: null });
	const listens = !spec.writesCell && !order.fullReaders;
	const tap = listens ? listeningTap(order.protocol) : undefined;
	const link = connect(order.protocol, { url: order.url, room: order.room, doc, awareness, token: spec.token, tap });
	return { spec, doc, awareness, link, listens };
}

/** Records, for each remote edit sent inside the window, how long it took to reach this Y.Doc. */
function recordArrivals({ doc }: Participant, schedule: Schedule): void {
	const { cells } = roots(doc);
	cells.observeDeep((events, transaction) => {
		if (transaction.local) return;
		const arrivedAt = benchClock();
		for (const event of events) {
			if (event.target === cells || !(event instanceof Y.YMapEvent) || !event.keysChanged.has(WRITTEN_FIELD)) continue;
			record(Number.parseFloat(String(event.target.get(WRITTEN_FIELD))), arrivedAt, schedule);
		}
	});
}

/**
 * One edit a second at a random phase, on the writer's own cell, with the caret moving along.
 * The schedule is fixed in advance: a writer that falls behind catches up instead of quietly
 * offering less load while the server struggles.
 */
function startWriting({ doc, awareness }: Participant, cellKey: string, schedule: Schedule): void {
	const cell = roots(doc).cells.get(cellKey);
	if (!cell) throw new Error(`cell ${cellKey} missing when writing starts`);
	let sequence = 0;
	let dueAt = schedule.writeFrom + Math.random() * WRITE_INTERVAL_MS;
	const writeOnce = () => {
		const sentAt = benchClock();
		doc.transact(() => cell.set(WRITTEN_FIELD, editValue(sentAt, sequence)));
		awareness.setLocalStateField('cursor', { cell: cellKey, field: WRITTEN_FIELD, offset: sequence % 20 });
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
		const cellKey = participant.spec.writesCell;
		if (cellKey) startWriting(participant, cellKey, schedule);
	}
	// Enabled now and reset when the window opens: a worker already lagging by more than the
	// warm-up still measures itself from whenever it gets there.
	loopDelay.enable();
	setTimeout(() => loopDelay.reset(), schedule.measureFrom - benchClock());
}

function stop(): void {
	for (const timer of writerTimers) clearTimeout(timer);
	for (const { link } of participants) link.destroy();
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
				loopDelayP99Ms: loopDelay.percentile(99) / 1e6
			});
			break;
		case 'stop':
			stop();
			break;
	}
});

// Every WebsocketProvider adds a process 'exit' listener of its own; hundreds here are expected.
process.setMaxListeners(0);
send({ type: 'listening' });

// Orphaned by a crashed conductor: leave rather than keep hammering the server.
process.on('disconnect', () => process.exit(0));
