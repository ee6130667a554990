import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freshPostgresDatabase, testPostgresUrl } from './db';

export type RunningServer = {
	url: string;
	port: number;
	/** The SQLite file (when the suite runs on SQLite). */
	dbPath: string;
	/** The server's own PostgreSQL database when the suite runs on PostgreSQL, else null. */
	databaseUrl: string | null;
	dir: string;
	process: ChildProcess;
	output: () => string;
	stop: (signal?: NodeJS.Signals) => Promise<void>;
};

export function freePort(): Promise<number> {
	return new Promise((resolve, reject) => {
		const srv = createServer();
		srv.listen(0, '127.0.0.1', () => {
			const address = srv.address();
			const port = typeof address === 'object' && address ? address.port : 0;
			srv.close(() => resolve(port));
		});
		srv.on('error', reject);
	});
}

/** The PostgreSQL database standing for each SQLite path a server ran on, so that a restart (or a second instance) finds the same data. */
const postgresOfPath = new Map<string, string>();

/**
 * Starts the built production server (build/server.js) on a random loopback port with its own
 * database (a SQLite file in `dir`, or a fresh PostgreSQL database of the run's server when the
 * suite runs on PostgreSQL), in its own process group so that stopping it leaves nothing behind.
 * `env` overrides the defaults; a variable given as undefined is not passed at all (a server without ORIGIN).
 * Servers started on the same SQLite path (the same `dir`, or the same DATABASE_PATH in `env`)
 * share their data on either engine; a DATABASE_URL in `env` is used as it is.
 * `entry` runs another build (bench/page-weight compares two).
 */
export async function startServer(opts: { dir?: string; env?: Record<string, string | undefined>; entry?: string } = {}): Promise<RunningServer> {
	const dir = opts.dir ?? mkdtempSync(join(tmpdir(), 'mufakat-test-'));
	const dbPath = opts.env?.DATABASE_PATH ?? join(dir, 'mufakat.db');
	const postgres = testPostgresUrl();
	let databaseUrl: string | null = null;
	if (opts.env && 'DATABASE_URL' in opts.env) databaseUrl = opts.env.DATABASE_URL ?? null;
	else if (postgres) {
		databaseUrl = postgresOfPath.get(dbPath) ?? (await freshPostgresDatabase(postgres));
		postgresOfPath.set(dbPath, databaseUrl);
	}
	const port = await freePort();
	const url = `http://127.0.0.1:${port}`;
	let log = '';
	const child = spawn(process.execPath, [opts.entry ?? 'build/server.js'], {
		env: { ...process.env, PORT: String(port), HOST: '127.0.0.1', ORIGIN: url, DATABASE_PATH: dbPath, DATABASE_URL: databaseUrl ?? undefined, ...opts.env },
		detached: true,
		stdio: ['ignore', 'pipe', 'pipe']
	});
	child.stdout?.on('data', (d) => (log += d));
	child.stderr?.on('data', (d) => (log += d));
	const deadline = Date.now() + 30_000;
	for (;;) {
		if (child.exitCode !== null) throw new Error(`server exited early:\n${log}`);
		try {
			const res = await fetch(url + '/');
			if (res.ok) break;
		} catch {
			/* not listening yet */
		}
		if (Date.now() > deadline) throw new Error(`server did not start:\n${log}`);
		await new Promise((r) => setTimeout(r, 100));
	}
	const stop = async (signal: NodeJS.Signals = 'SIGTERM') => {
		if (child.exitCode !== null || child.signalCode !== null) return;
		const exited = new Promise<void>((r) => child.once('exit', () => r()));
		try {
			process.kill(-child.pid!, signal);
		} catch {
			/* already gone */
		}
		await exited;
	};
	return { url, port, dbPath, databaseUrl, dir, process: child, output: () => log, stop };
}

export function removeDir(dir: string): void {
	rmSync(dir, { recursive: true, force: true });
}

/** The environment that points a script (`npm run verify`, `minutes`, `backup`, …) at a server's data, on either engine. */
export function databaseEnv(server: Pick<RunningServer, 'dbPath' | 'databaseUrl'>): Record<string, string | undefined> {
	return { DATABASE_PATH: server.dbPath, DATABASE_URL: server.databaseUrl ?? undefined };
}
