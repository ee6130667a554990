/**
 * bench/collab: how fast an edit reaches everyone in one crowded live-document room, on our server
 * and, in the same invocation with the same harness and load, on two peers (the Yjs reference
 * server and Hocuspocus); then the reconnect wave on our server (wave.ts).
 *
 *   npx tsx bench/collab/run.ts [--sizes 50,200,500,700] [--seconds 20] [--servers mufakat,reference,hocuspocus]
 *                               [--warmup 5] [--join 15] [--workers 4] [--cores pinned|shared] [--full-readers]
 *                               [--wave-clients 50] [--wave-edits 200] [--wave-servers mufakat] [--write-docs]
 *
 * For every size and server: start the server in its own process (pinned to one core by default,
 * the clients and this conductor on the other), spread the clients over worker processes, wait
 * until every client is synced, warm up, then measure writer-to-reader latency (run.ts collects
 * every sample) and the CPU and RSS of the server process. `--sizes none` or `--wave-clients 0`
 * skips a part. Prints a Markdown section; --write-docs also puts it into docs/benchmarks.md. Our
 * server must be built beforehand. docs/benchmarks.md explains the method and its choices.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { roomName } from '../../src/lib/collab/matrix-doc';
import { mintCollabToken } from '../../src/lib/server/collab/principal';
import {
	CELL_KEYS,
	CORE_MODES,
	MATRIX_CELLS,
	Session,
	QUIET_PATIENCE_MS,
	WORKSHOP_ID,
	freePort,
	log,
	nextMessage,
	order,
	placeConductor,
	placement,
	scratchDirs,
	sleep,
	type CoreMode,
	type Placement
} from './harness';
import { benchClock, writerCount, WRITTEN_FIELDS, type ClientSpec, type Schedule } from './protocol';
import { DISTURBED_PERCENT, renderSection, summarise, writeDocsSection, type RunResult, type RunSettings } from './report';
import { WindowMeter, waitForQuietMachine } from './meters';
import { SERVERS, SERVER_NAMES, type ServerName, type ServerUnderTest } from './servers/index';
import { runWave } from './wave';

/** Writer i edits cell i mod 51, field i div 51: no two writers share a field. */
const MAX_WRITERS = MATRIX_CELLS.length * WRITTEN_FIELDS.length;
const DRAIN_SECONDS = 3;
/**
 * By default clients join evenly over one presence-renewal period (y-protocols renews a client's
 * awareness after 15 s without change). Joined in one burst, every reader would renew in the same
 * instant every 15 s and the benchmark would measure that artefact of its own start rather than a
 * room whose participants arrived at different times. `--join 0` measures the burst on purpose.
 */
const DEFAULT_JOIN_SECONDS = 15;
const REPORT_TIMEOUT_MS = 15_000;
/** Joining, then syncing hundreds of clients takes a while; a refused socket never finishes. */
const readyTimeoutMs = (clients: number, joinSeconds: number) => joinSeconds * 1000 + 30_000 + 60 * clients;

type Settings = RunSettings & { writeDocs: boolean };

function parseSettings(): Settings {
	const { values } = parseArgs({
		options: {
			sizes: { type: 'string', default: '50,200,500,700' },
			seconds: { type: 'string', default: '20' },
			servers: { type: 'string', default: SERVER_NAMES.join(',') },
			warmup: { type: 'string', default: '5' },
			join: { type: 'string', default: String(DEFAULT_JOIN_SECONDS) },
			workers: { type: 'string', default: '4' },
			cores: { type: 'string', default: process.env.BENCH_CORES ?? 'pinned' },
			'full-readers': { type: 'boolean', default: false },
			'wave-clients': { type: 'string', default: '50' },
			'wave-edits': { type: 'string', default: '200' },
			'wave-servers': { type: 'string', default: 'mufakat' },
			'write-docs': { type: 'boolean', default: false }
		}
	});
	const sizes = values.sizes === 'none' || values.sizes === '' ? [] : values.sizes.split(',').map(Number);
	for (const size of sizes)
		if (!Number.isInteger(size) || size < 2 || writerCount(size) > MAX_WRITERS)
			throw new Error(`--sizes: ${size} is not a client count from 2 to ${MAX_WRITERS * 10} (or "none")`);
	const serverList = (flag: string, value: string) =>
		value === 'none' || value === ''
			? []
			: value.split(',').map((name) => {
					if (!(SERVER_NAMES as readonly string[]).includes(name)) throw new Error(`${flag}: unknown server ${name} (${SERVER_NAMES.join(', ')})`);
					return name as ServerName;
				});
	const seconds = Number(values.seconds);
	const warmupSeconds = Number(values.warmup);
	const workers = Number(values.workers);
	const joinSeconds = Number(values.join);
	const waveClients = Number(values['wave-clients']);
	const waveEdits = Number(values['wave-edits']);
	if (!(CORE_MODES as readonly string[]).includes(values.cores)) throw new Error(`--cores must be one of ${CORE_MODES.join(', ')}`);
	if (!(seconds > 0 && seconds <= 600)) throw new Error('--seconds must be between 1 and 600');
	if (!(warmupSeconds >= 0 && warmupSeconds <= 120)) throw new Error('--warmup must be between 0 and 120');
	if (!(Number.isInteger(workers) && workers >= 1 && workers <= 16)) throw new Error('--workers must be from 1 to 16');
	if (!(joinSeconds >= 0 && joinSeconds <= 120)) throw new Error('--join must be between 0 and 120');
	if (!(Number.isInteger(waveClients) && waveClients >= 0 && waveClients <= 500)) throw new Error('--wave-clients must be from 0 to 500');
	if (!(Number.isInteger(waveEdits) && waveEdits >= 1 && waveEdits <= 5000)) throw new Error('--wave-edits must be from 1 to 5000');
	return {
		sizes,
		servers: serverList('--servers', values.servers),
		seconds,
		warmupSeconds,
		drainSeconds: DRAIN_SECONDS,
		joinSeconds,
		workers,
		cores: values.cores as CoreMode,
		fullReaders: values['full-readers'],
		wave: { clients: waveClients, edits: waveEdits, servers: waveClients > 0 ? serverList('--wave-servers', values['wave-servers']) : [] },
		command: ['npx tsx bench/collab/run.ts', ...process.argv.slice(2)].join(' '),
		writeDocs: values['write-docs']
	};
}

/**
 * Writers are representatives of their cell's institution (our server lets them write only there);
 * the rest are viewers. Writer i edits cell i mod 51, field i div 51.
 */
function participants(clients: number, secret: string): ClientSpec[] {
	const writers = writerCount(clients);
	return Array.from({ length: clients }, (_, i) => {
		const cell = i < writers ? MATRIX_CELLS[i % MATRIX_CELLS.length]! : null;
		const name = `Bench ${i + 1}`;
		const token = mintCollabToken(secret, {
			workshopId: WORKSHOP_ID,
			role: cell ? 'representative' : 'viewer',
			institutionId: cell ? cell.institutionId : null,
			subject: `bench-${i + 1}`,
			name
		});
		const writes = cell ? { cell: CELL_KEYS[i % MATRIX_CELLS.length]!, field: WRITTEN_FIELDS[Math.floor(i / MATRIX_CELLS.length)]! } : null;
		return { name, token, writes };
	});
}

const sleepUntil = (at: number) => sleep(at - benchClock());

async function measure(server: ServerUnderTest, clients: number, settings: RunSettings, where: Placement): Promise<RunResult> {
	const label = `[${server.name} × ${clients}]`;
	const busyPercent = await waitForQuietMachine(QUIET_PATIENCE_MS, DISTURBED_PERCENT);
	if (busyPercent >= DISTURBED_PERCENT) log(`${label} other processes keep ${busyPercent.toFixed(0)} % of a core busy; measuring anyway`);
	const port = await freePort();
	const scratchDir = mkdtempSync(join(tmpdir(), 'mufakat-bench-'));
	scratchDirs.add(scratchDir);
	const secret = randomBytes(32).toString('base64url');
	const session = new Session(where);
	try {
		await session.startServer(server, port, scratchDir, secret);
		const specs = participants(clients, secret);
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
				protocol: server.protocol,
				url: server.url(port),
				room: roomName(WORKSHOP_ID),
				cellKeys: CELL_KEYS,
				seedCells: !server.preloaded && w === 0,
				fullReaders: settings.fullReaders,
				clients: share,
				connectSpacingMs: (settings.joinSeconds * 1000) / share.length,
				readyTimeoutMs: readyWithin
			});
		});
		await session.orDeath(Promise.all(ready));
		log(`${label} ${clients} clients synced in ${((benchClock() - connectStartedAt) / 1000).toFixed(1)} s; warming up`);

		const writeFrom = benchClock() + 100;
		const schedule: Schedule = {
			writeFrom,
			measureFrom: writeFrom + settings.warmupSeconds * 1000,
			measureUntil: writeFrom + (settings.warmupSeconds + settings.seconds) * 1000
		};
		for (const worker of workers) order(worker, { type: 'start', ...schedule });
		const meter = new WindowMeter(session.serverPid, session.workerPids);
		await session.orDeath(sleepUntil(schedule.measureFrom));
		meter.start();
		await session.orDeath(sleepUntil(schedule.measureUntil));
		const usage = meter.stop();
		await session.orDeath(sleep(settings.drainSeconds * 1000));

		const reports = await session.orDeath(
			Promise.all(
				workers.map((worker) => {
					const report = nextMessage(worker, 'report', REPORT_TIMEOUT_MS, 'reporting');
					order(worker, { type: 'report' });
					return report;
				})
			)
		);
		const latencies = new Float64Array(reports.reduce((sum, r) => sum + r.latenciesMs.length, 0));
		let offset = 0;
		for (const report of reports) {
			latencies.set(report.latenciesMs, offset);
			offset += report.latenciesMs.length;
		}
		latencies.sort();
		const writes = reports.reduce((sum, r) => sum + r.writes, 0);
		if (writes === 0) throw new Error('no edit was sent inside the measured window');
		// Every edit should reach every client but its writer.
		const expected = writes * (clients - 1);
		const latency = summarise(latencies, expected);
		const refusals = reports.reduce((sum, r) => sum + r.refusals, 0);
		const result: RunResult = {
			server: server.name,
			clients,
			ok: true,
			latency,
			delivered: expected > 0 ? latencies.length / expected : 0,
			disconnects: reports.reduce((sum, r) => sum + r.disconnects, 0),
			refusals,
			usage,
			clientLoopDelayP99Ms: Math.max(...reports.map((r) => r.loopDelayP99Ms))
		};
		log(
			`${label} p50 ${latency.p50.toFixed(1)} / p95 ${latency.p95.toFixed(1)} / p99 ${latency.p99.toFixed(1)} ms over ${latencies.length} arrivals ` +
				`of ${writes} edits${refusals ? `, ${refusals} refused` : ''}; CPU: server ${usage.serverCpuPercent.toFixed(0)} %, clients ${usage.clientsCpuPercent.toFixed(0)} %, ` +
				`machine ${usage.machineCpuPercent.toFixed(0)} %; client lag p99 ${reports.map((r) => r.loopDelayP99Ms.toFixed(0)).join(', ')} ms`
		);
		return result;
	} catch (error) {
		const message = error instanceof Error ? error.message : String(error);
		log(`${label} failed: ${message}`);
		return { server: server.name, clients, ok: false, error: message };
	} finally {
		await session.close();
		rmSync(scratchDir, { recursive: true, force: true });
		scratchDirs.delete(scratchDir);
	}
}

const settings = parseSettings();
const where = placement(settings.cores);
placeConductor(where);
log(
	where.mode === 'pinned'
		? `cores: server on CPU ${where.serverCpus.join(',')}, client workers and conductor on CPU ${where.clientCpus.join(',')}`
		: `cores: shared (CPU ${where.cpus.join(',')}), client workers at nice ${where.clientNiceness}`
);
const runs: RunResult[] = [];
// Sizes outermost: the three servers at one size run back to back under the same conditions.
for (const clients of settings.sizes)
	for (const name of settings.servers) {
		runs.push(await measure(SERVERS[name], clients, settings, where));
		await sleep(1000);
	}
const waves = [];
for (const name of settings.wave.servers) {
	waves.push(await runWave(SERVERS[name], settings.wave, settings.workers, where));
	await sleep(1000);
}
const section = renderSection(runs, waves, settings, where, new Date());
console.log(section);
if (settings.writeDocs) log(`wrote ${writeDocsSection(section)}`);
process.exitCode = runs.every((run) => run.ok) && waves.every((wave) => wave.ok && wave.converged) ? 0 : 1;
