/**
 * The three servers the benchmark puts under the same load, and how to start each as its own
 * process on 127.0.0.1. Each gets a fresh process (and our server a fresh database) per run.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ClientProtocol } from '../protocol';

export const SERVER_NAMES = ['mufakat', 'reference', 'hocuspocus'] as const;
export type ServerName = (typeof SERVER_NAMES)[number];

export const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

export type ServerUnderTest = {
	name: ServerName;
	/** How tables name it. */
	title: string;
	protocol: ClientProtocol;
	/** Our server loads the workshop's cells itself; the peers start with an empty document. */
	preloaded: boolean;
	url(port: number): string;
	/** Starts the server; `cpus`, when given, confines it (every thread) to those CPUs. */
	start(port: number, scratchDir: string, collabSecret: string, cpus: number[] | null): ChildProcess;
};

/**
 * Runs `node <args>`, through `taskset -c <cpus>` when pinned: taskset sets the affinity and execs
 * node in the same process, so the pid is node's and every thread node starts inherits it.
 */
function launch(args: string[], env: NodeJS.ProcessEnv, cpus: number[] | null): ChildProcess {
	const options = { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] as ['ignore', 'pipe', 'pipe'], env };
	return cpus ? spawn('taskset', ['-c', cpus.join(','), process.execPath, ...args], options) : spawn(process.execPath, args, options);
}

/** Environment for a server: ours, minus anything that would change a peer's configuration. */
function serverEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
	const env: NodeJS.ProcessEnv = { ...process.env, ...extra };
	// @y/websocket-server would persist to LevelDB or call a webhook if these were set.
	delete env.YPERSISTENCE;
	delete env.CALLBACK_URL;
	return env;
}

/**
 * Our server, titled `title`, with `env` added to its environment: `DATABASE_URL` runs it on
 * PostgreSQL (cluster.ts compares one instance on each engine with several behind HAProxy).
 */
export function mufakatWith(title: string, env: Record<string, string>): ServerUnderTest {
	return {
		...mufakat,
		title,
		start: (port, scratchDir, collabSecret, cpus) => mufakatProcess(port, scratchDir, collabSecret, cpus, env)
	};
}

function mufakatProcess(port: number, scratchDir: string, collabSecret: string, cpus: number[] | null, env: Record<string, string>): ChildProcess {
	// The production entry, as `npm start` runs it; the benchmark never builds it itself.
	// `BENCH_MUFAKAT_BUILD` points at another build folder (an earlier commit's, built in a git
	// worktree) to compare before and after a change with the same harness on the same machine.
	const entry = join(process.env.BENCH_MUFAKAT_BUILD ?? join(REPO_ROOT, 'build'), 'server.js');
	if (!existsSync(entry)) throw new Error(`${entry} is missing: run \`flock /tmp/mufakat-build.lock npm run build\` first`);
	return launch(
		[entry],
		serverEnv({
			PORT: String(port),
			HOST: '127.0.0.1',
			ORIGIN: `http://127.0.0.1:${port}`,
			// An empty database: the server migrates it and loads the demo workshops on start.
			DATABASE_PATH: join(scratchDir, 'bench.db'),
			MUFAKAT_COLLAB_SECRET: collabSecret,
			...env
		}),
		cpus
	);
}

const mufakat: ServerUnderTest = {
	name: 'mufakat',
	title: 'Mufakat',
	protocol: 'y-websocket',
	preloaded: true,
	url: (port) => `ws://127.0.0.1:${port}/collab`,
	start(port, scratchDir, collabSecret, cpus) {
		return mufakatProcess(port, scratchDir, collabSecret, cpus, {});
	}
};

const reference: ServerUnderTest = {
	name: 'reference',
	title: '@y/websocket-server',
	protocol: 'y-websocket',
	preloaded: false,
	url: (port) => `ws://127.0.0.1:${port}`,
	start(port, _scratchDir, _secret, cpus) {
		// The package's own server entry (an http server handing upgrades to setupWSConnection),
		// unchanged: this is what "the reference server" means, down to the `ws` it ships with.
		const packageJson = createRequire(import.meta.url).resolve('@y/websocket-server/package.json');
		return launch([join(dirname(packageJson), 'src', 'server.js')], serverEnv({ PORT: String(port), HOST: '127.0.0.1' }), cpus);
	}
};

const hocuspocus: ServerUnderTest = {
	name: 'hocuspocus',
	title: 'Hocuspocus',
	protocol: 'hocuspocus',
	preloaded: false,
	url: (port) => `ws://127.0.0.1:${port}`,
	start(port, _scratchDir, _secret, cpus) {
		return launch(['--import', 'tsx', join(REPO_ROOT, 'bench', 'collab', 'servers', 'hocuspocus.ts')], serverEnv({ PORT: String(port) }), cpus);
	}
};

export const SERVERS: Record<ServerName, ServerUnderTest> = { mufakat, reference, hocuspocus };
