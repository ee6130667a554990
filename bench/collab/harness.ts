/**
 * What the room benchmark (run.ts) and the reconnect wave (wave.ts) share: the demo workshop they
 * load, where processes run (which cores), and starting, talking to and ending the server and the
 * client workers so that nothing outlives a run, whatever way it ends.
 */
import { execFileSync, fork, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer, connect as tcpConnect, type AddressInfo } from 'node:net';
import { setPriority } from 'node:os';
import { join } from 'node:path';
import { cellKey } from '../../src/lib/collab/matrix-doc';
import type { ConductorMessage, WorkerMessage } from './protocol';
import { REPO_ROOT, type ServerUnderTest } from './servers/index';

/** The live demo workshop (the Madiun follow-up) our server loads into an empty database: 17 institutions × 3 components. */
export const WORKSHOP_ID = 3;
export const INSTITUTIONS = 17;
export const COMPONENTS = 3;
/** Every cell of the matrix, ordered so consecutive indices sit in different institutions. */
export const MATRIX_CELLS = Array.from({ length: INSTITUTIONS * COMPONENTS }, (_, i) => ({
	institutionId: (i % INSTITUTIONS) + 1,
	componentId: Math.floor(i / INSTITUTIONS) + 1
}));
export const CELL_KEYS = MATRIX_CELLS.map((cell) => cellKey(cell.institutionId, cell.componentId));

export const log = (line: string) => console.error(line);
export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, Math.max(0, ms)));

// ---------------------------------------------------------------------------------------------
// Cores

/**
 * `pinned` (the default): the server process on one core, the client workers and this conductor
 * on the other(s), with taskset, so the server never competes with its own load and each server
 * gets a whole core. `shared`: everything on every core, the clients at lower priority.
 */
export const CORE_MODES = ['pinned', 'shared'] as const;
export type CoreMode = (typeof CORE_MODES)[number];

export type Placement =
	| { mode: 'pinned'; serverCpus: number[]; clientCpus: number[] }
	| { mode: 'shared'; cpus: number[]; clientNiceness: number };

/** Lower priority for the clients when they share the server's cores: they get what the server leaves. */
const CLIENT_NICENESS = 10;

/** Parses a kernel CPU list such as `0-1,4`. */
function parseCpuList(list: string): number[] {
	return list
		.trim()
		.split(',')
		.filter(Boolean)
		.flatMap((part) => {
			const [from, to] = part.split('-').map(Number);
			return to === undefined ? [from!] : Array.from({ length: to - from! + 1 }, (_, i) => from! + i);
		});
}

/** The CPUs a thread of `pid` may run on (`task` defaults to the main thread). */
export function allowedCpus(pid: number | 'self', task?: number): number[] {
	const path = task === undefined ? `/proc/${pid}/status` : `/proc/${pid}/task/${task}/status`;
	const match = /^Cpus_allowed_list:\s*(.+)$/m.exec(readFileSync(path, 'utf8'));
	if (!match) throw new Error(`no Cpus_allowed_list in ${path}`);
	return parseCpuList(match[1]!);
}

/** Whether every thread of `pid` is confined to `cpus`; taskset's exec makes them all inherit it. */
export function confinedTo(pid: number, cpus: number[]): boolean {
	const wanted = [...cpus].sort().join(',');
	return readdirSync(`/proc/${pid}/task`).every((task) => {
		try {
			return allowedCpus(pid, Number(task)).sort().join(',') === wanted;
		} catch {
			return true; // the thread ended meanwhile
		}
	});
}

export function placement(mode: CoreMode): Placement {
	const cpus = allowedCpus('self');
	if (mode === 'shared') return { mode, cpus, clientNiceness: CLIENT_NICENESS };
	if (cpus.length < 2) throw new Error(`--cores pinned needs two CPUs, this process may use ${cpus.join(',')}: use --cores shared`);
	try {
		execFileSync('taskset', ['-V'], { stdio: 'ignore' });
	} catch {
		throw new Error('--cores pinned needs taskset (util-linux): install it or use --cores shared');
	}
	return { mode, serverCpus: [cpus[0]!], clientCpus: cpus.slice(1) };
}

/** Moves this process (all its threads) to the clients' cores, so the conductor stays off the server's. */
export function placeConductor(where: Placement): void {
	if (where.mode === 'pinned') execFileSync('taskset', ['-a', '-p', '-c', where.clientCpus.join(','), String(process.pid)], { stdio: 'ignore' });
}

/**
 * Runs `start` with this process moved to the server's cores, so that every process it spawns
 * (servers, PostgreSQL and its backends, Redis, HAProxy) inherits them; moves back afterwards.
 */
export async function onServerCores<T>(where: Placement, start: () => Promise<T>): Promise<T> {
	if (where.mode !== 'pinned') return start();
	const self = String(process.pid);
	execFileSync('taskset', ['-a', '-p', '-c', where.serverCpus.join(','), self], { stdio: 'ignore' });
	try {
		return await start();
	} finally {
		execFileSync('taskset', ['-a', '-p', '-c', where.clientCpus.join(','), self], { stdio: 'ignore' });
	}
}

// ---------------------------------------------------------------------------------------------
// Processes

/** Before each run, wait up to this long for other work on the machine to finish. */
export const QUIET_PATIENCE_MS = 20_000;
const SERVER_START_TIMEOUT_MS = 30_000;
const STOP_TIMEOUT_MS = 5_000;
const WORKER_ENTRY = join(REPO_ROOT, 'bench', 'collab', 'worker.ts');

// Every process and scratch directory a run makes, so that nothing outlives it, whatever way it ends.
const children = new Set<ChildProcess>();
export const scratchDirs = new Set<string>();
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

export function freePort(): Promise<number> {
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

export function nextMessage<T extends WorkerMessage['type']>(worker: ChildProcess, type: T, timeoutMs: number, doing: string) {
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

export function order(worker: ChildProcess, message: ConductorMessage): void {
	worker.send(message);
}

/**
 * One run's server and client workers. `orDeath` races any step against the server dying, so a
 * crashed server ends the run with its last words instead of a timeout; `close()` ends everything.
 */
export class Session {
	readonly workers: ChildProcess[] = [];
	private serverProcess: ChildProcess | undefined;
	private readonly output: string[] = [];
	private died: Promise<never> = new Promise(() => {});

	constructor(private readonly where: Placement) {}

	get serverPid(): number {
		const pid = this.serverProcess?.pid;
		if (pid === undefined) throw new Error('the server process did not start');
		return pid;
	}

	get workerPids(): number[] {
		return this.workers.map((worker) => {
			if (worker.pid === undefined) throw new Error('a client worker did not start');
			return worker.pid;
		});
	}

	orDeath<T>(step: Promise<T>): Promise<T> {
		return Promise.race([step, this.died]);
	}

	async startServer(server: ServerUnderTest, port: number, scratchDir: string, secret: string): Promise<void> {
		const child = adopt(server.start(port, scratchDir, secret, this.where.mode === 'pinned' ? this.where.serverCpus : null));
		this.serverProcess = child;
		const keep = (chunk: Buffer) => {
			this.output.push(...chunk.toString().split('\n').filter((line) => line.trim()));
			this.output.splice(0, this.output.length - 8);
		};
		child.stdout?.on('data', keep);
		child.stderr?.on('data', keep);
		this.died = new Promise<never>((_, reject) =>
			child.once('exit', (code, signal) => reject(new Error(`server exited (${signal ?? code}): ${this.output.join(' / ')}`)))
		);
		this.died.catch(() => {});
		await this.orDeath(waitForPort(port));
		if (this.where.mode === 'pinned' && !confinedTo(this.serverPid, this.where.serverCpus))
			throw new Error(`the server is not confined to CPU ${this.where.serverCpus.join(',')}`);
	}

	/** Forks `count` client workers (on the clients' cores when pinned) and waits until they listen. */
	async startWorkers(count: number): Promise<void> {
		const pinned = this.where.mode === 'pinned';
		for (let w = 0; w < count; w++) {
			const worker = adopt(
				fork(WORKER_ENTRY, [], {
					cwd: REPO_ROOT,
					// Pinned: run node through taskset, which execs it on the clients' cores with every thread
					// it will ever start; the IPC channel survives the exec.
					...(pinned ? { execPath: 'taskset', execArgv: ['-c', this.where.clientCpus.join(','), process.execPath, '--import', 'tsx'] } : { execArgv: ['--import', 'tsx'] }),
					serialization: 'advanced',
					stdio: ['ignore', 'inherit', 'inherit', 'ipc']
				})
			);
			this.workers.push(worker);
		}
		const pids = this.workerPids;
		// Shared: on the same cores the scheduler would give each busy worker as much CPU as the
		// server, starving the server of the time it needs; in a hall the laptops have CPUs of their
		// own. Lower priority: the clients get what the server leaves, equally for every server.
		if (this.where.mode === 'shared') for (const pid of pids) setPriority(pid, this.where.clientNiceness);
		await this.orDeath(Promise.all(this.workers.map((worker) => nextMessage(worker, 'listening', 30_000, 'starting'))));
		if (pinned) for (const pid of pids) if (!confinedTo(pid, this.where.clientCpus)) throw new Error(`client worker ${pid} is not confined to CPU ${this.where.clientCpus.join(',')}`);
	}

	/** Clients first, so the server does not see a reconnect storm while it shuts down. */
	async close(): Promise<void> {
		await Promise.all(this.workers.map((worker) => end(worker, () => worker.connected && order(worker, { type: 'stop' }))));
		const running = this.serverProcess;
		if (running) await end(running, () => running.kill('SIGTERM'));
	}
}
