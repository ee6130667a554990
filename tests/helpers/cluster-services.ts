/**
 * Real services for multi-instance tests and benchmarks: Redis (Debian's redis-server, no
 * persistence, data in a temporary folder), HAProxy in front of several instances of the built
 * server, and ways to kill each of them. Every service listens on a free loopback port and runs in
 * its own process group, so stopping it leaves nothing behind.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, removeDir, startServer, type RunningServer } from './server';

export const REDIS_SERVER = process.env.REDIS_SERVER ?? '/usr/bin/redis-server';
export const HAPROXY = process.env.HAPROXY ?? '/usr/sbin/haproxy';

type Child = { process: ChildProcess; output: () => string };

function spawnService(command: string, args: string[], cwd?: string): Child {
	let output = '';
	const child = spawn(command, args, { cwd, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
	child.stdout?.on('data', (d) => (output += d));
	child.stderr?.on('data', (d) => (output += d));
	return { process: child, output: () => output };
}

/** Sends a signal to a child's process group and waits for it to exit. */
async function signal(child: ChildProcess, sig: NodeJS.Signals): Promise<void> {
	if (child.exitCode !== null || child.signalCode !== null) return;
	const exited = new Promise<void>((r) => child.once('exit', () => r()));
	try {
		process.kill(-child.pid!, sig);
	} catch {
		/* already gone */
	}
	await exited;
}

/** Asks a port a one-line question until the answer starts as expected. */
async function waitForAnswer(port: number, question: string, expected: string, child: Child, what: string, timeoutMs = 15_000): Promise<void> {
	const deadline = Date.now() + timeoutMs;
	for (;;) {
		if (child.process.exitCode !== null) throw new Error(`${what} exited early:\n${child.output()}`);
		const answer = await new Promise<string>((resolve) => {
			const socket = connect(port, '127.0.0.1');
			let data = '';
			socket.setTimeout(1000, () => socket.destroy());
			socket.on('connect', () => socket.write(question));
			socket.on('data', (d) => {
				data += d;
				if (data.includes('\n')) socket.end();
			});
			socket.on('close', () => resolve(data));
			socket.on('error', () => resolve(''));
		});
		if (answer.startsWith(expected)) return;
		if (Date.now() > deadline) throw new Error(`${what} did not start:\n${child.output()}`);
		await new Promise((r) => setTimeout(r, 50));
	}
}

export type RunningRedis = {
	url: string;
	port: number;
	dir: string;
	output: () => string;
	/** Graceful stop. */
	stop: () => Promise<void>;
	/** `kill -9`: Redis is gone at once, with whatever it held (it keeps nothing on disk anyway). */
	kill: () => Promise<void>;
	/** Starts it again on the same port, empty. */
	restart: () => Promise<void>;
};

/** redis-server on a free loopback port, no RDB or AOF (`--save '' --appendonly no`), data in a temporary folder. */
export async function startRedis(): Promise<RunningRedis> {
	const dir = mkdtempSync(join(tmpdir(), 'mufakat-redis-'));
	const port = await freePort();
	let child: Child;
	let log = '';
	const start = async () => {
		child = spawnService(REDIS_SERVER, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir, '--protected-mode', 'no'], dir);
		await waitForAnswer(port, 'PING\r\n', '+PONG', child, 'redis-server');
	};
	await start();
	return {
		url: `redis://127.0.0.1:${port}`,
		port,
		dir,
		output: () => log + child.output(),
		stop: async () => {
			await signal(child.process, 'SIGTERM');
			log += child.output();
			removeDir(dir);
		},
		kill: async () => {
			await signal(child.process, 'SIGKILL');
			log += child.output();
		},
		restart: async () => {
			await signal(child.process, 'SIGKILL');
			log += child.output();
			await start();
		}
	};
}

export type Backend = { name: string; port: number };

export type HaproxyOptions = {
	/**
	 * `roundrobin` spreads sockets over the instances (what a test of forwarding wants); `uri` hashes
	 * the path consistently, so every socket of a room lands on the same instance (room affinity).
	 */
	balance?: 'roundrobin' | 'uri';
	/** Path of the health check every instance answers. */
	healthPath?: string;
	/**
	 * How often HAProxy checks each instance (two failures mark it down). Tests use 500ms to notice a
	 * killed instance quickly; under heavy load an instance's event loop can miss such short checks,
	 * so the benchmark uses docs/scaling.md's 2s.
	 */
	checkInterval?: string;
};

/** The HAProxy configuration docs/scaling.md describes, for instances on loopback. */
export function haproxyConfig(port: number, backends: Backend[], opts: HaproxyOptions = {}): string {
	const balance = opts.balance === 'uri' ? ['balance uri path-only', 'hash-type consistent'] : ['balance roundrobin'];
	return [
		'global',
		'  maxconn 4000',
		'defaults',
		'  mode http',
		'  option http-server-close',
		// A connection refused by a dead instance is tried again on another one.
		'  retries 3',
		'  option redispatch',
		'  timeout connect 2s',
		'  timeout client 60s',
		'  timeout server 60s',
		// An open WebSocket is a tunnel: it may stay quiet for long (awareness renews every 15 s).
		'  timeout tunnel 1h',
		'frontend web',
		`  bind 127.0.0.1:${port}`,
		'  default_backend mufakat',
		'backend mufakat',
		...balance.map((l) => `  ${l}`),
		// HTTP/1.1 with a Host header: without ORIGIN the app takes its origin from Host, and a bare
		// HTTP/1.0 check would be answered 400 and every instance marked down.
		'  option httpchk',
		`  http-check send meth GET uri ${opts.healthPath ?? '/healthz'} ver HTTP/1.1 hdr Host mufakat`,
		'  http-check expect status 200',
		...backends.map((b) => `  server ${b.name} 127.0.0.1:${b.port} check inter ${opts.checkInterval ?? '500ms'} fall 2 rise 2`),
		''
	].join('\n');
}

export type RunningHaproxy = { url: string; port: number; config: string; output: () => string; stop: () => Promise<void> };

/** HAProxy in front of the given loopback ports, in the foreground of its own process group. */
export async function startHaproxy(backends: Backend[], opts: HaproxyOptions = {}): Promise<RunningHaproxy> {
	const dir = mkdtempSync(join(tmpdir(), 'mufakat-haproxy-'));
	const port = await freePort();
	const config = haproxyConfig(port, backends, opts);
	const file = join(dir, 'haproxy.cfg');
	writeFileSync(file, config);
	const child = spawnService(HAPROXY, ['-db', '-f', file], dir);
	await waitForAnswer(port, 'GET /healthz HTTP/1.0\r\n\r\n', 'HTTP/1.', child, 'haproxy');
	return {
		url: `http://127.0.0.1:${port}`,
		port,
		config,
		output: child.output,
		stop: async () => {
			await signal(child.process, 'SIGTERM');
			removeDir(dir);
		}
	};
}

export type ClusterInstance = RunningServer & { name: string };

export type RunningCluster = {
	instances: ClusterInstance[];
	redis: RunningRedis;
	haproxy: RunningHaproxy;
	/** The address clients use: HAProxy. */
	url: string;
	/** `kill -9` of one instance's process group. */
	kill: (instance: ClusterInstance) => Promise<void>;
	/** Every instance's log, labelled (for a failing test's message). */
	logs: () => string;
	stop: () => Promise<void>;
};

export type ClusterOptions = HaproxyOptions & {
	instances?: number;
	/** Environment shared by every instance (the database, secrets, limits). */
	env?: Record<string, string | undefined>;
	/** A Redis already running (a benchmark may share one); started here otherwise. */
	redis?: RunningRedis;
};

/**
 * N instances of the built server (build/server.js) sharing one database and one Redis, behind
 * HAProxy. ORIGIN is left unset, so each instance takes its origin from the Host header and a form
 * posted straight to one instance passes the same CSRF check as one posted through HAProxy.
 */
export async function startCluster(opts: ClusterOptions = {}): Promise<RunningCluster> {
	const count = opts.instances ?? 3;
	const redis = opts.redis ?? (await startRedis());
	const dir = mkdtempSync(join(tmpdir(), 'mufakat-cluster-'));
	// What every instance must share (docs/scaling.md): the seal keys' passphrase and the collab tokens' secret.
	const secrets = { MUFAKAT_SEAL_SECRET: randomBytes(24).toString('base64url'), MUFAKAT_COLLAB_SECRET: randomBytes(24).toString('base64url') };
	const instances: ClusterInstance[] = [];
	try {
		// One after the other: the first applies the migrations, the others find them applied.
		for (let i = 1; i <= count; i++) {
			const name = `app${i}`;
			mkdirSync(join(dir, name));
			const server = await startServer({
				dir: join(dir, name),
				env: { DATABASE_PATH: join(dir, 'mufakat.db'), ORIGIN: undefined, REDIS_URL: redis.url, MUFAKAT_INSTANCE_ID: name, ...secrets, ...opts.env }
			});
			instances.push({ ...server, name });
		}
		const haproxy = await startHaproxy(
			instances.map((s) => ({ name: s.name, port: s.port })),
			opts
		);
		return {
			instances,
			redis,
			haproxy,
			url: haproxy.url,
			kill: (instance) => instance.stop('SIGKILL'),
			logs: () => [...instances.map((s) => `--- ${s.name}\n${s.output()}`), `--- redis\n${redis.output()}`, `--- haproxy\n${haproxy.output()}`].join('\n'),
			stop: async () => {
				await haproxy.stop();
				await Promise.all(instances.map((s) => s.stop()));
				if (!opts.redis) await redis.stop();
				removeDir(dir);
			}
		};
	} catch (error) {
		await Promise.all(instances.map((s) => s.stop()));
		if (!opts.redis) await redis.stop();
		throw error;
	}
}
