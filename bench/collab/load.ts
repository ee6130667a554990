/**
 * The room load both modes of the benchmark put on a server: one instance (run.ts) or several
 * behind a load balancer (cluster.ts). Clients are spread over the rooms and the worker processes,
 * join, sync, warm up, then a tenth of them write once a second while every other client of the
 * room records how late each edit arrives. The caller starts the servers and meters them.
 */
import { mintCollabToken } from '../../src/lib/server/collab/principal';
import { CELL_KEYS, MATRIX_CELLS, Session, log, nextMessage, order, sleep } from './harness';
import { benchClock, writerCount, WRITTEN_FIELDS, type ClientProtocol, type ClientSpec, type Schedule, type WorkerMessage } from './protocol';
import { summarise, type Latency } from './report';

/** Writer i edits cell i mod 51, field i div 51: no two writers share a field. */
export const MAX_WRITERS = MATRIX_CELLS.length * WRITTEN_FIELDS.length;
const REPORT_TIMEOUT_MS = 15_000;
/** Joining, then syncing hundreds of clients takes a while; a refused socket never finishes. */
export const readyTimeoutMs = (clients: number, joinSeconds: number) => joinSeconds * 1000 + 30_000 + 60 * clients;

/** A live room: the workshop whose document it serves. */
export type LoadRoom = { name: string; workshopId: number };

export type LoadTarget = {
	protocol: ClientProtocol;
	/** Where clients connect (one server, or the load balancer in front of several). */
	url: string;
	/** Several servers that client i connects to directly, in turn (i mod their number), instead of `url`. */
	spreadOver?: string[];
	/** The peers start empty and the first client lays out the matrix; our server loads it. */
	preloaded: boolean;
	rooms: LoadRoom[];
};

export type LoadSettings = {
	seconds: number;
	warmupSeconds: number;
	drainSeconds: number;
	joinSeconds: number;
	workers: number;
	fullReaders: boolean;
};

/**
 * Client i joins room i mod rooms and is participant j = i div rooms there; the first tenth of each
 * room's participants are writers, representatives of their cell's institution (our server lets
 * them write only there), the rest viewers. With one room this is client i = participant i.
 */
export function participants(clients: number, rooms: LoadRoom[], secret: string): ClientSpec[] {
	const perRoom = clients / rooms.length;
	const writers = writerCount(perRoom);
	return Array.from({ length: clients }, (_, i) => {
		const room = rooms[i % rooms.length]!;
		const j = Math.floor(i / rooms.length);
		const cell = j < writers ? MATRIX_CELLS[j % MATRIX_CELLS.length]! : null;
		const name = `Bench ${i + 1}`;
		const token = mintCollabToken(secret, {
			workshopId: room.workshopId,
			role: cell ? 'representative' : 'viewer',
			institutionId: cell ? cell.institutionId : null,
			subject: `bench-${i + 1}`,
			name
		});
		const writes = cell ? { cell: CELL_KEYS[j % MATRIX_CELLS.length]!, field: WRITTEN_FIELDS[Math.floor(j / MATRIX_CELLS.length)]! } : null;
		return { name, token, writes, ...(rooms.length > 1 ? { room: room.name } : {}) };
	});
}

/** Checks a client count against the rooms: an even share each, and no two writers on one field. */
export function checkClientCount(clients: number, rooms: number): void {
	if (!Number.isInteger(clients) || clients < 2 * rooms || clients % rooms !== 0)
		throw new Error(`${clients} clients cannot be spread evenly over ${rooms} room(s) with at least 2 each`);
	if (writerCount(clients / rooms) > MAX_WRITERS) throw new Error(`${clients / rooms} clients in a room: more writers than fields (${MAX_WRITERS})`);
}

const sleepUntil = (at: number) => sleep(at - benchClock());

export type Meter<U> = { start(): void; stop(): U };

export type LoadResult<U> = {
	latency: Latency;
	/** Remote edits observed in the window over those that should have been (writes × other clients in the room). */
	delivered: number;
	writes: number;
	arrivals: number;
	disconnects: number;
	refusals: number;
	usage: U;
	clientLoopDelayP99Ms: number;
};

/**
 * Starts the workers in `session`, connects every client and waits until all are synced and see
 * the whole matrix. The session's server (if any) must already run.
 */
export async function connectClients(session: Session, target: LoadTarget, clients: number, settings: LoadSettings, secret: string, label: string): Promise<void> {
	const spreadOver = target.spreadOver ?? [];
	const specs = participants(clients, target.rooms, secret).map((spec, i) => (spreadOver.length ? { ...spec, url: spreadOver[i % spreadOver.length] } : spec));
	const workerCount = Math.min(settings.workers, clients);
	const connectStartedAt = benchClock();
	await session.startWorkers(workerCount);
	const { workers } = session;
	const readyWithin = readyTimeoutMs(clients, settings.joinSeconds);
	const ready = workers.map((worker) => nextMessage(worker, 'ready', readyWithin + 5_000, 'connecting clients'));
	workers.forEach((worker, w) => {
		// Client i lives in worker i mod workers, which spreads the writers evenly.
		const share = specs.filter((_, i) => i % workerCount === w);
		order(worker, {
			type: 'connect',
			protocol: target.protocol,
			url: target.url,
			room: target.rooms[0]!.name,
			cellKeys: CELL_KEYS,
			seedCells: !target.preloaded && w === 0,
			fullReaders: settings.fullReaders,
			clients: share,
			connectSpacingMs: (settings.joinSeconds * 1000) / share.length,
			readyTimeoutMs: readyWithin
		});
	});
	await session.orDeath(Promise.all(ready));
	log(`${label} ${clients} clients synced in ${((benchClock() - connectStartedAt) / 1000).toFixed(1)} s; warming up`);
}

/**
 * Connects every client (connectClients), runs warm-up and the measured window (metered by the
 * meter), drains, and collects every latency sample.
 */
export async function driveLoad<U>(
	session: Session,
	target: LoadTarget,
	clients: number,
	settings: LoadSettings,
	secret: string,
	label: string,
	makeMeter: () => Meter<U>
): Promise<LoadResult<U>> {
	await connectClients(session, target, clients, settings, secret, label);
	const perRoom = clients / target.rooms.length;
	const { workers } = session;
	const writeFrom = benchClock() + 100;
	const schedule: Schedule = {
		writeFrom,
		measureFrom: writeFrom + settings.warmupSeconds * 1000,
		measureUntil: writeFrom + (settings.warmupSeconds + settings.seconds) * 1000
	};
	for (const worker of workers) order(worker, { type: 'start', ...schedule });
	const meter = makeMeter();
	await session.orDeath(sleepUntil(schedule.measureFrom));
	meter.start();
	await session.orDeath(sleepUntil(schedule.measureUntil));
	const usage = meter.stop();
	await session.orDeath(sleep(settings.drainSeconds * 1000));

	const reports = await session.orDeath(collect(session, 'report', (worker) => order(worker, { type: 'report' }), 'reporting'));
	const latencies = new Float64Array(reports.reduce((sum, r) => sum + r.latenciesMs.length, 0));
	let offset = 0;
	for (const report of reports) {
		latencies.set(report.latenciesMs, offset);
		offset += report.latenciesMs.length;
	}
	latencies.sort();
	const writes = reports.reduce((sum, r) => sum + r.writes, 0);
	if (writes === 0) throw new Error('no edit was sent inside the measured window');
	// Every edit should reach every client of its room but its writer.
	const expected = writes * (perRoom - 1);
	return {
		latency: summarise(latencies, expected),
		delivered: expected > 0 ? latencies.length / expected : 0,
		writes,
		arrivals: latencies.length,
		disconnects: reports.reduce((sum, r) => sum + r.disconnects, 0),
		refusals: reports.reduce((sum, r) => sum + r.refusals, 0),
		usage,
		clientLoopDelayP99Ms: Math.max(...reports.map((r) => r.loopDelayP99Ms))
	};
}

/** Sends every worker an order and collects one answer of `type` from each. */
export function collect<T extends WorkerMessage['type']>(session: Session, type: T, ask: (worker: Session['workers'][number]) => void, doing: string, timeoutMs = REPORT_TIMEOUT_MS) {
	return Promise.all(
		session.workers.map((worker) => {
			const answer = nextMessage(worker, type, timeoutMs, doing);
			ask(worker);
			return answer;
		})
	);
}
