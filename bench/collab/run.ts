/**
 * bench/collab: how fast an edit reaches everyone in one crowded live-document room, on our server
 * and, in the same invocation with the same harness and load, on two peers (the Yjs reference
 * server and Hocuspocus).
 *
 *   npx tsx bench/collab/run.ts [--sizes 50,200,500] [--seconds 20] [--servers mufakat,reference,hocuspocus]
 *                               [--warmup 5] [--join 15] [--workers 4] [--full-readers] [--write-docs]
 *
 * For every size and server: start the server in its own process, spread the clients over worker
 * processes, wait until every client is synced, warm up, then measure writer-to-reader latency
 * (run.ts collects every sample) and the CPU and RSS of the server process. Prints a Markdown
 * section; --write-docs also puts it into docs/benchmarks.md. Our server must be built beforehand.
 * docs/benchmarks.md explains the method and its choices.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, connect as tcpConnect, type AddressInfo } from 'node:net';
import { setPriority, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { cellKey, roomName } from '../../src/lib/collab/matrix-doc';
import { mintCollabToken } from '../../src/lib/server/collab/principal';
import { benchClock, writerCount, type ClientSpec, type ConductorMessage, type Schedule, type WorkerMessage } from './protocol';
import { DISTURBED_PERCENT, renderSection, summarise, writeDocsSection, type RunResult, type RunSettings } from './report';
import { WindowMeter, waitForQuietMachine } from './meters';
import { REPO_ROOT, SERVERS, SERVER_NAMES, type ServerName, type ServerUnderTest } from './servers/index';

/** The live demo workshop (the Madiun follow-up) our server loads into an empty database: 17 institutions × 3 components. */
const WORKSHOP_ID = 3;
const INSTITUTIONS = 17;
const COMPONENTS = 3;
/**
 * Every cell of the matrix, ordered so consecutive writers sit in different institutions; each
 * writer gets a cell of its own, which caps a run at 51 writers (510 clients).
 */
const MATRIX_CELLS = Array.from({ length: INSTITUTIONS * COMPONENTS }, (_, i) => ({
	institutionId: (i % INSTITUTIONS) + 1,
	componentId: Math.floor(i / INSTITUTIONS) + 1
}));

const CLIENT_NICENESS = 10;
const DRAIN_SECONDS = 3;
/**
 * By default clients join evenly over one presence-renewal period (y-protocols renews a client's
 * awareness after 15 s without change). Joined in one burst, every reader would renew in the same
 * instant every 15 s and the benchmark would measure that artefact of its own start rather than a
 * room whose participants arrived at different times. `--join 0` measures the burst on purpose.
 */
const DEFAULT_JOIN_SECONDS = 15;
const SERVER_START_TIMEOUT_MS = 30_000;
const REPORT_TIMEOUT_MS = 15_000;
const STOP_TIMEOUT_MS = 5_000;
/** Before each run, wait up to this long for other work on the machine to finish. */
const QUIET_PATIENCE_MS = 20_000;
/** Joining, then syncing hundreds of clients on two shared cores takes a while; a refused socket never finishes. */
const readyTimeoutMs = (clients: number, joinSeconds: number) => joinSeconds * 1000 + 30_000 + 60 * clients;

const WORKER_ENTRY = join(REPO_ROOT, 'bench', 'collab', 'worker.ts');

function parseSettings(): RunSettings & { writeDocs: boolean } {
	const { values } = parseArgs({
		options: {
			sizes: { type: 'string', default: '50,200,500' },
			seconds: { type: 'string', default: '20' },
			servers: { type: 'string', default: SERVER_NAMES.join(',') },
			warmup: { type: 'string', default: '5' },
			join: { type: 'string', default: String(DEFAULT_JOIN_SECONDS) },
			workers: { type: 'string', default: '4' },
			'full-readers': { type: 'boolean', default: false },
			'write-docs': { type: 'boolean', default: false }
		}
	});
	const sizes = values.sizes.split(',').map(Number);
	for (const size of sizes)
		if (!Number.isInteger(size) || size < 2 || writerCount(size) > MATRIX_CELLS.length)
			throw new Error(`--sizes: ${size} is not a client count from 2 to ${MATRIX_CELLS.length * 10}`);
	const servers = values.servers.split(',').map((name) => {
		if (!(SERVER_NAMES as readonly string[]).includes(name)) throw new Error(`--servers: unknown server ${name} (${SERVER_NAMES.join(', ')})`);
		return name as ServerName;
	});
	const seconds = Number(values.seconds);
	const warmupSeconds = Number(values.warmup);
	const workers = Number(values.workers);
	const joinSeconds = Number(values.join);
	if (!(seconds > 0 && seconds <= 600)) throw new Error('--seconds must be between 1 and 600');
	if (!(warmupSeconds >= 0 && warmupSeconds <= 120)) throw new Error('--warmup must be between 0 and 120');
	if (!(Number.isInteger(workers) && workers >= 1 && workers <= 16)) throw new Error('--workers must be from 1 to 16');
	if (!(joinSeconds >= 0 && joinSeconds <= 120)) throw new Error('--join must be between 0 and 120');
	return {
		sizes,
		servers,
		seconds,
		warmupSeconds,
		drainSeconds: DRAIN_SECONDS,
		joinSeconds,
		workers,
		fullReaders: values['full-readers'],
		command: ['npx tsx bench/collab/run.ts', ...process.argv.slice(2)].join(' '),
		writeDocs: values['write-docs']
	};
}

// Every process and scratch directory this run makes, so that nothing outlives it, whatever way it ends.
const children = new Set<ChildProcess>();
const scratchDirs = new Set<string>();
function adopt(child: ChildProcess): ChildProcess {
	children.add(child);
	child.once('exit', () => children.delete(child));
	return child;
}
process.on('exit', () => {
	for (const child of children) child.kill('SIGKILL');
	for (const dir of scratchDirs) rmSync(dir, { recursive: true, force: true });
});
process.on('SIGINT', () => process.exit(130));
process.on('SIGTERM', () => process.exit(143));

const log = (line: string) => console.error(line);
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, Math.max(0, ms)));
const sleepUntil = (at: number) => sleep(at - benchClock());

function freePort(): Promise<number> {
	return new Promise((resolve, reject) => {
		const probe = createServer();
		probe.once('error', reject);
		probe.listen(0, '127.0.0.1', () => {
			const { port } = probe.address() as AddressInfo;
			probe.close(() => resolve(port));
		});
	});
}

function accepts(port: number): Promise<boolean> {
	return new Promise((resolve) => {
		const socket = tcpConnect(port, '127.0.0.1');
		socket.once('connect', () => {
			socket.destroy();
			resolve(true);
		});
		socket.once('error', () => resolve(false));
	});
}

async function waitForPort(port: number): Promise<void> {
	const giveUpAt = Date.now() + SERVER_START_TIMEOUT_MS;
	while (Date.now() < giveUpAt) {
		if (await accepts(port)) return;
		await sleep(100);
	}
	throw new Error(`server did not listen on ${port} within ${SERVER_START_TIMEOUT_MS / 1000} s`);
}

/** Ends a process: politely first (workers get `stop`, servers SIGTERM), then SIGKILL after a while. */
function end(child: ChildProcess, politely: () => void): Promise<void> {
	if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
	return new Promise((resolve) => {
		const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
		child.once('exit', () => {
			clearTimeout(timer);
			resolve();
		});
		politely();
	});
}

function nextMessage<T extends WorkerMessage['type']>(worker: ChildProcess, type: T, timeoutMs: number, doing: string) {
	return new Promise<Extract<WorkerMessage, { type: T }>>((resolve, reject) => {
		if (worker.exitCode !== null || worker.signalCode !== null) {
			reject(new Error(`a client worker had exited (${worker.signalCode ?? worker.exitCode}) before ${doing}`));
			return;
		}
		const settle = (outcome: () => void) => {
			clearTimeout(timer);
			worker.off('message', onMessage);
			worker.off('exit', onExit);
			outcome();
		};
		const onMessage = (raw: unknown) => {
			const message = raw as WorkerMessage;
			if (message.type === type) settle(() => resolve(message as Extract<WorkerMessage, { type: T }>));
			else if (message.type === 'failed') settle(() => reject(new Error(message.reason)));
		};
		const onExit = (code: number | null, signal: string | null) => settle(() => reject(new Error(`a client worker exited (${signal ?? code}) while ${doing}`)));
		const timer = setTimeout(() => settle(() => reject(new Error(`timed out after ${timeoutMs / 1000} s while ${doing}`))), timeoutMs);
		worker.on('message', onMessage);
		worker.once('exit', onExit);
	});
}

function order(worker: ChildProcess, message: ConductorMessage): void {
	worker.send(message);
}

/** Writers are representatives of their cell's institution (our server lets them write only there); the rest are viewers. */
function participants(clients: number, secret: string): ClientSpec[] {
	const writers = writerCount(clients);
	return Array.from({ length: clients }, (_, i) => {
		const cell = i < writers ? MATRIX_CELLS[i]! : null;
		const name = `Bench ${i + 1}`;
		const token = mintCollabToken(secret, {
			workshopId: WORKSHOP_ID,
			role: cell ? 'representative' : 'viewer',
			institutionId: cell ? cell.institutionId : null,
			subject: `bench-${i + 1}`,
			name
		});
		return { name, token, writesCell: cell ? cellKey(cell.institutionId, cell.componentId) : null };
	});
}

async function measure(server: ServerUnderTest, clients: number, settings: RunSettings): Promise<RunResult> {
	const label = `[${server.name} × ${clients}]`;
	const busyPercent = await waitForQuietMachine(QUIET_PATIENCE_MS, DISTURBED_PERCENT);
	if (busyPercent >= DISTURBED_PERCENT) log(`${label} other processes keep ${busyPercent.toFixed(0)} % of a core busy; measuring anyway`);
	const port = await freePort();
	const scratchDir = mkdtempSync(join(tmpdir(), 'mufakat-bench-'));
	scratchDirs.add(scratchDir);
	const secret = randomBytes(32).toString('base64url');
	const workers: ChildProcess[] = [];
	let serverProcess: ChildProcess | undefined;
	const output: string[] = [];
	try {
		const child = adopt(server.start(port, scratchDir, secret));
		serverProcess = child;
		const keep = (chunk: Buffer) => {
			output.push(...chunk.toString().split('\n').filter((line) => line.trim()));
			output.splice(0, output.length - 8);
		};
		child.stdout?.on('data', keep);
		child.stderr?.on('data', keep);
		const serverPid = child.pid;
		if (serverPid === undefined) throw new Error('the server process did not start');
		// Whatever step is under way, a dead server ends the run with its last words.
		const died = new Promise<never>((_, reject) =>
			child.once('exit', (code, signal) => reject(new Error(`server exited (${signal ?? code}): ${output.join(' / ')}`)))
		);
		died.catch(() => {});
		const orDeath = <T>(step: Promise<T>) => Promise.race([step, died]);

		await orDeath(waitForPort(port));
		const specs = participants(clients, secret);
		const workerCount = Math.min(settings.workers, clients);
		const connectStartedAt = benchClock();
		for (let w = 0; w < workerCount; w++) {
			const worker = adopt(
				fork(WORKER_ENTRY, [], { cwd: REPO_ROOT, execArgv: ['--import', 'tsx'], serialization: 'advanced', stdio: ['ignore', 'inherit', 'inherit', 'ipc'] })
			);
			workers.push(worker);
		}
		const clientPids = workers.map((worker) => {
			if (worker.pid === undefined) throw new Error('a client worker did not start');
			// On shared cores the scheduler would give each busy worker as much CPU as the server,
			// starving the server of the time it needs; in a hall the laptops have CPUs of their own.
			// Lower priority: the clients get what the server leaves, equally for every server.
			setPriority(worker.pid, CLIENT_NICENESS);
			return worker.pid;
		});
		await orDeath(Promise.all(workers.map((worker) => nextMessage(worker, 'listening', 30_000, 'starting'))));
		const cellKeys = MATRIX_CELLS.map((cell) => cellKey(cell.institutionId, cell.componentId));
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
				cellKeys,
				seedCells: !server.preloaded && w === 0,
				fullReaders: settings.fullReaders,
				clients: share,
				connectSpacingMs: (settings.joinSeconds * 1000) / share.length,
				readyTimeoutMs: readyWithin
			});
		});
		await orDeath(Promise.all(ready));
		log(`${label} ${clients} clients synced in ${((benchClock() - connectStartedAt) / 1000).toFixed(1)} s; warming up`);

		const writeFrom = benchClock() + 100;
		const schedule: Schedule = {
			writeFrom,
			measureFrom: writeFrom + settings.warmupSeconds * 1000,
			measureUntil: writeFrom + (settings.warmupSeconds + settings.seconds) * 1000
		};
		for (const worker of workers) order(worker, { type: 'start', ...schedule });
		const meter = new WindowMeter(serverPid, clientPids);
		await orDeath(sleepUntil(schedule.measureFrom));
		meter.start();
		await orDeath(sleepUntil(schedule.measureUntil));
		const usage = meter.stop();
		await orDeath(sleep(settings.drainSeconds * 1000));

		const reports = await orDeath(
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
		const result: RunResult = {
			server: server.name,
			clients,
			ok: true,
			latency,
			delivered: expected > 0 ? latencies.length / expected : 0,
			disconnects: reports.reduce((sum, r) => sum + r.disconnects, 0),
			usage,
			clientLoopDelayP99Ms: Math.max(...reports.map((r) => r.loopDelayP99Ms))
		};
		log(
			`${label} p50 ${latency.p50.toFixed(1)} / p95 ${latency.p95.toFixed(1)} / p99 ${latency.p99.toFixed(1)} ms over ${latencies.length} arrivals ` +
				`of ${writes} edits; CPU: server ${usage.serverCpuPercent.toFixed(0)} %, clients ${usage.clientsCpuPercent.toFixed(0)} %, ` +
				`machine ${usage.machineCpuPercent.toFixed(0)} %; client lag p99 ${reports.map((r) => r.loopDelayP99Ms.toFixed(0)).join(', ')} ms`
		);
		return result;
	} catch (error) {
		const message = error instanceof Error ? error.message : String(error);
		log(`${label} failed: ${message}`);
		return { server: server.name, clients, ok: false, error: message };
	} finally {
		// Clients first, so the server does not see a reconnect storm while it shuts down.
		await Promise.all(workers.map((worker) => end(worker, () => worker.connected && order(worker, { type: 'stop' }))));
		const running = serverProcess;
		if (running) await end(running, () => running.kill('SIGTERM'));
		rmSync(scratchDir, { recursive: true, force: true });
		scratchDirs.delete(scratchDir);
	}
}

const settings = parseSettings();
const runs: RunResult[] = [];
// Sizes outermost: the three servers at one size run back to back under the same conditions.
for (const clients of settings.sizes)
	for (const name of settings.servers) {
		runs.push(await measure(SERVERS[name], clients, settings));
		await sleep(1000);
	}
const section = renderSection(runs, settings, new Date());
console.log(section);
if (settings.writeDocs) log(`wrote ${writeDocsSection(section)}`);
process.exitCode = runs.every((run) => run.ok) ? 0 : 1;
