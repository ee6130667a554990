import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';

/** A real PostgreSQL server from Debian's packages, on a loopback port, with its data in a temporary folder. */
export interface PostgresServer {
	port: number;
	/** The process started (runuser or postgres itself); PostgreSQL's processes all descend from it (benchmarks meter their CPU). */
	pid: number;
	/** A connection URL for `database` on this server (the superuser, no password on loopback). */
	url(database?: string): string;
	/** Creates an empty database and answers its URL (the app migrates it when it connects). */
	createDatabase(name: string): Promise<string>;
	stop(): Promise<void>;
}

/** Debian installs each major version under /usr/lib/postgresql/<n>/bin; take the newest. */
export function postgresBin(): string {
	const root = '/usr/lib/postgresql';
	if (!existsSync(root)) throw new Error('PostgreSQL is not installed (apt-get install postgresql); scripts/test.sh installs it');
	const versions = readdirSync(root)
		.map(Number)
		.filter((v) => Number.isFinite(v))
		.sort((a, b) => b - a);
	if (versions.length === 0) throw new Error('No PostgreSQL version under /usr/lib/postgresql');
	return join(root, String(versions[0]), 'bin');
}

export function freePort(): Promise<number> {
	return new Promise((resolve, reject) => {
		const server = createServer();
		server.once('error', reject);
		server.listen(0, '127.0.0.1', () => {
			const address = server.address();
			const port = typeof address === 'object' && address ? address.port : 0;
			server.close(() => resolve(port));
		});
	});
}

/** PostgreSQL refuses to run as root: when the tests run as root, the server runs as the postgres user. */
function asServerUser(command: string, args: string[]): [string, string[]] {
	return process.getuid?.() === 0 ? ['runuser', ['-u', 'postgres', '--', command, ...args]] : [command, args];
}

export async function startPostgres(): Promise<PostgresServer> {
	const bin = postgresBin();
	const dir = mkdtempSync(join(tmpdir(), 'mufakat-pg-'));
	if (process.getuid?.() === 0) {
		const uid = Number(execFileSync('id', ['-u', 'postgres']).toString().trim());
		const gid = Number(execFileSync('id', ['-g', 'postgres']).toString().trim());
		chownSync(dir, uid, gid);
	}
	const data = join(dir, 'data');
	const [initCmd, initArgs] = asServerUser(join(bin, 'initdb'), ['-D', data, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--locale=C.UTF-8', '--no-sync']);
	execFileSync(initCmd, initArgs, { stdio: 'pipe' });
	const port = await freePort();
	// fsync stays on: the tests check what survives a killed process, and that is only true with it.
	const [cmd, args] = asServerUser(join(bin, 'postgres'), [
		'-D', data, '-p', String(port), '-k', dir, '-c', 'listen_addresses=127.0.0.1',
		'-c', 'max_connections=200', '-c', 'shared_buffers=64MB', '-c', 'log_min_messages=warning'
	]);
	// Its own process group: runuser does not pass SIGINT on to postgres, so stop() signals the group.
	const child: ChildProcess = spawn(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'], detached: true });
	let log = '';
	child.stderr?.on('data', (chunk: Buffer) => (log = (log + chunk.toString()).slice(-4000)));
	const deadline = Date.now() + 30_000;
	const isready = join(bin, 'pg_isready');
	for (;;) {
		try {
			execFileSync(isready, ['-h', '127.0.0.1', '-p', String(port), '-U', 'postgres'], { stdio: 'ignore' });
			break;
		} catch {
			if (child.exitCode !== null || Date.now() > deadline) throw new Error(`PostgreSQL did not start:\n${log}`);
			await new Promise((r) => setTimeout(r, 100));
		}
	}
	return {
		port,
		pid: child.pid!,
		url: (database = 'postgres') => `postgres://postgres@127.0.0.1:${port}/${database}`,
		async createDatabase(name) {
			const admin = new pg.Client({ connectionString: `postgres://postgres@127.0.0.1:${port}/postgres` });
			await admin.connect();
			try {
				await admin.query(`CREATE DATABASE ${name}`);
			} finally {
				await admin.end();
			}
			return `postgres://postgres@127.0.0.1:${port}/${name}`;
		},
		async stop() {
			if (child.exitCode === null) {
				const exited = new Promise((r) => child.once('exit', r));
				process.kill(-child.pid!, 'SIGINT'); // fast shutdown
				await exited;
			}
			rmSync(dir, { recursive: true, force: true });
		}
	};
}
