/**
 * bench/http: requests per second for the main pages (tests/helpers/main-pages.ts) on one instance
 * of the built server, on SQLite and on PostgreSQL, in the same run.
 *
 *   npx tsx bench/http/run.ts [--seconds 5] [--warmup 1] [--concurrency 8] [--engines sqlite,postgres]
 *                             [--cores pinned|shared] [--write-docs]
 *
 * Both servers run side by side on fresh demo databases; page by page, each engine in turn gets
 * `concurrency` clients that each send the next request as soon as the last answer has been read
 * (keep-alive connections, a browser's Accept and Accept-Encoding headers, the cookie of the role
 * that opens the page). Every answer must be 200: a redirect (to the login page) or an error
 * fails the run. Prints a Markdown section; --write-docs puts it into docs/benchmarks.md between
 * the `bench:http` markers.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { cpus, loadavg, release, totalmem } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import Database from 'better-sqlite3';
import pg from 'pg';
import { Client } from '../../tests/helpers/http';
import { adminClient, DEMO_MODERATOR, DEMO_PASSWORD, LIVE_WORKSHOP, mainPagesWith, PARTICIPANT_INSTITUTION, SIGNER_TOKEN_SQL, type MainPage, type PageViewer } from '../../tests/helpers/main-pages';
import { startPostgres, type PostgresServer } from '../../tests/helpers/postgres';
import { removeDir, startServer, type RunningServer } from '../../tests/helpers/server';
import { CORE_MODES, confinedTo, log, onServerCores, placeConductor, placement, sleep, type CoreMode, type Placement } from '../collab/harness';
import { cpuSeconds, waitForQuietMachine } from '../collab/meters';

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const DOCS_PATH = join(REPO_ROOT, 'docs', 'benchmarks.md');
const START_MARKER = '<!-- bench:http:start -->';
const END_MARKER = '<!-- bench:http:end -->';
const ENGINES = ['sqlite', 'postgres'] as const;
type Engine = (typeof ENGINES)[number];
const ENGINE_TITLE: Record<Engine, string> = { sqlite: 'SQLite', postgres: 'PostgreSQL' };
const INVITATION_SQL = `select i.code from workshop_invitations i join institutions s on s.id = i.institution_id where i.workshop_id = ${LIVE_WORKSHOP} and s.short_name = '${PARTICIPANT_INSTITUTION}'`;
/** Other work above this share of a core while measuring makes a figure not comparable. */
const QUIET_PERCENT = 25;
/** How long to wait before each page for such a quiet second; then it measures anyway (and says so). */
const QUIET_PATIENCE_MS = 3_000;

type Settings = { seconds: number; warmupSeconds: number; concurrency: number; engines: Engine[]; cores: CoreMode; writeDocs: boolean; command: string };

function parseSettings(): Settings {
	const { values } = parseArgs({
		options: {
			seconds: { type: 'string', default: '5' },
			warmup: { type: 'string', default: '1' },
			concurrency: { type: 'string', default: '8' },
			engines: { type: 'string', default: ENGINES.join(',') },
			cores: { type: 'string', default: process.env.BENCH_CORES ?? 'pinned' },
			'write-docs': { type: 'boolean', default: false }
		}
	});
	const seconds = Number(values.seconds);
	const warmupSeconds = Number(values.warmup);
	const concurrency = Number(values.concurrency);
	const engines = values.engines.split(',').map((name) => {
		if (!(ENGINES as readonly string[]).includes(name)) throw new Error(`--engines: unknown engine ${name} (${ENGINES.join(', ')})`);
		return name as Engine;
	});
	if (!(seconds > 0 && seconds <= 120)) throw new Error('--seconds must be between 1 and 120');
	if (!(warmupSeconds >= 0 && warmupSeconds <= 60)) throw new Error('--warmup must be between 0 and 60');
	if (!(Number.isInteger(concurrency) && concurrency >= 1 && concurrency <= 256)) throw new Error('--concurrency must be from 1 to 256');
	if (!(CORE_MODES as readonly string[]).includes(values.cores)) throw new Error(`--cores must be one of ${CORE_MODES.join(', ')}`);
	return {
		seconds,
		warmupSeconds,
		concurrency,
		engines,
		cores: values.cores as CoreMode,
		writeDocs: values['write-docs'],
		command: ['npx tsx bench/http/run.ts', ...process.argv.slice(2)].join(' ')
	};
}

// ---------------------------------------------------------------------------------------------
// Servers

type Target = {
	engine: Engine;
	server: RunningServer;
	/** CPU seconds of each of the database server's processes (PostgreSQL: the postmaster and every backend). */
	databaseCpu: () => Map<number, number>;
	cookies: Record<PageViewer, string>;
	pages: MainPage[];
};


/** A process and all its descendants (PostgreSQL: runuser, the postmaster and every backend). */
function processTree(root: number): number[] {
	const children = new Map<number, number[]>();
	for (const entry of execFileSync('ps', ['-e', '-o', 'pid=,ppid='], { encoding: 'utf8' }).trim().split('\n')) {
		const [pid, ppid] = entry.trim().split(/\s+/).map(Number);
		if (!children.has(ppid!)) children.set(ppid!, []);
		children.get(ppid!)!.push(pid!);
	}
	const all: number[] = [];
	const walk = (pid: number) => {
		all.push(pid);
		for (const child of children.get(pid) ?? []) walk(child);
	};
	walk(root);
	return all;
}

function cpuOf(pids: number[]): Map<number, number> {
	const cpu = new Map<number, number>();
	for (const pid of pids) {
		try {
			cpu.set(pid, cpuSeconds(pid));
		} catch {
			/* ended meanwhile */
		}
	}
	return cpu;
}

/**
 * CPU used between two samples by processes alive at the second: a backend that ended in between
 * is not counted (an undercount of its last moments), one that started is counted from zero.
 */
function cpuBetween(before: Map<number, number>, after: Map<number, number>): number {
	let seconds = 0;
	for (const [pid, cpu] of after) seconds += cpu - (before.get(pid) ?? 0);
	return seconds;
}

/** The first row's first column of `sql` on the engine's database. */
async function firstValue(engine: Engine, server: RunningServer, databaseUrl: string | null, sql: string): Promise<string> {
	if (engine === 'sqlite') {
		const db = new Database(server.dbPath, { readonly: true });
		try {
			return String(Object.values(db.prepare(sql).get() as Record<string, unknown>)[0]);
		} finally {
			db.close();
		}
	}
	const client = new pg.Client({ connectionString: databaseUrl! });
	await client.connect();
	try {
		return String(Object.values((await client.query(sql)).rows[0] as Record<string, unknown>)[0]);
	} finally {
		await client.end();
	}
}

/** Signs in each role once, as a browser would: the moderator by the login form, the participant by the institution's code, the admin through set-up. */
async function signIn(engine: Engine, server: RunningServer, databaseUrl: string | null): Promise<Record<PageViewer, string>> {
	const moderator = new Client(server.url);
	await moderator.login(DEMO_MODERATOR, DEMO_PASSWORD);
	const participant = new Client(server.url);
	const code = await firstValue(engine, server, databaseUrl, INVITATION_SQL);
	const joined = await participant.post(`/join/${code}`, { name: 'Rina Kartika', jabatan: 'Staf Kelurahan', gender: 'P', phone: '' });
	if (joined.status !== 303) throw new Error(`the participant's check-in answered ${joined.status}`);
	const admin = await adminClient(server);
	return { visitor: '', moderator: moderator.cookieHeader(), participant: participant.cookieHeader(), admin: admin.cookieHeader() };
}

async function startTarget(engine: Engine, postgres: PostgresServer | null, where: Placement): Promise<Target> {
	let databaseUrl: string | null = null;
	if (engine === 'postgres') {
		const name = `mufakat_http_${process.pid}`;
		const admin = new pg.Client({ connectionString: postgres!.url() });
		await admin.connect();
		await admin.query(`CREATE DATABASE ${name}`);
		await admin.end();
		databaseUrl = postgres!.url(name);
	}
	const server = await onServerCores(where, () =>
		startServer({ env: databaseUrl ? { DATABASE_URL: databaseUrl, MUFAKAT_SEAL_SECRET: 'bench-http-seal-secret' } : {} })
	);
	if (where.mode === 'pinned' && !confinedTo(server.process.pid!, where.serverCpus)) throw new Error(`the ${engine} server is not confined to CPU ${where.serverCpus.join(',')}`);
	const cookies = await signIn(engine, server, databaseUrl);
	const pages = mainPagesWith(await firstValue(engine, server, databaseUrl, SIGNER_TOKEN_SQL));
	const postmaster = postgres ? postgres.pid : null;
	return {
		engine,
		server,
		databaseCpu: () => (engine === 'postgres' && postmaster ? cpuOf(processTree(postmaster)) : new Map()),
		cookies,
		pages
	};
}

// ---------------------------------------------------------------------------------------------
// Load

type PageResult = { requests: number; rps: number; p50: number; p99: number; errors: string[]; serverCpuPercent: number; databaseCpuPercent: number; bytes: number };

/** One GET on a keep-alive connection; resolves with the status once the body has been read. */
function get(agent: Agent, url: URL, cookie: string): Promise<{ status: number; bytes: number }> {
	return new Promise((resolve, reject) => {
		const req = request(
			url,
			{
				agent,
				headers: {
					accept: 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8',
					'accept-encoding': 'gzip, deflate, br',
					'accept-language': 'id,en;q=0.8',
					...(cookie ? { cookie } : {})
				}
			},
			(res) => {
				let bytes = 0;
				res.on('data', (chunk: Buffer) => (bytes += chunk.length));
				res.on('end', () => resolve({ status: res.statusCode ?? 0, bytes }));
				res.on('error', reject);
			}
		);
		req.on('error', reject);
		req.end();
	});
}

async function hammer(target: Target, page: MainPage, settings: Settings): Promise<PageResult> {
	const url = new URL(page.path, target.server.url);
	const cookie = target.cookies[page.viewer];
	const agent = new Agent({ keepAlive: true, maxSockets: settings.concurrency });
	const latencies: number[] = [];
	const errors = new Set<string>();
	let bytes = 0;
	const warmUntil = performance.now() + settings.warmupSeconds * 1000;
	let measureFrom = Infinity;
	let stopAt = Infinity;
	let serverCpuAtStart = 0;
	let databaseCpuAtStart = new Map<number, number>();
	const loop = async () => {
		for (;;) {
			const startedAt = performance.now();
			if (startedAt >= stopAt) return;
			try {
				const answer = await get(agent, url, cookie);
				if (answer.status !== 200) errors.add(`${answer.status}`);
				if (startedAt >= measureFrom) {
					latencies.push(performance.now() - startedAt);
					bytes += answer.bytes;
				}
			} catch (error) {
				errors.add(error instanceof Error ? error.message : String(error));
			}
		}
	};
	const loops = Array.from({ length: settings.concurrency }, loop);
	await sleep(warmUntil - performance.now());
	serverCpuAtStart = cpuSeconds(target.server.process.pid!);
	databaseCpuAtStart = target.databaseCpu();
	measureFrom = performance.now();
	stopAt = measureFrom + settings.seconds * 1000;
	await sleep(settings.seconds * 1000);
	const serverCpu = cpuSeconds(target.server.process.pid!) - serverCpuAtStart;
	const databaseCpu = cpuBetween(databaseCpuAtStart, target.databaseCpu());
	const window = (performance.now() - measureFrom) / 1000;
	await Promise.all(loops);
	agent.destroy();
	latencies.sort((a, b) => a - b);
	const at = (q: number) => latencies[Math.max(0, Math.ceil(q * latencies.length) - 1)] ?? NaN;
	return {
		requests: latencies.length,
		// Requests started inside the window, over its length: the last ones finish just after it.
		rps: latencies.length / settings.seconds,
		p50: at(0.5),
		p99: at(0.99),
		errors: [...errors],
		serverCpuPercent: (serverCpu / window) * 100,
		databaseCpuPercent: (databaseCpu / window) * 100,
		bytes
	};
}

// ---------------------------------------------------------------------------------------------
// Report

const num = (value: number) => (Number.isFinite(value) ? (value < 10 ? value.toFixed(1) : value.toFixed(0)) : '–');

function render(settings: Settings, where: Placement, results: Map<string, Map<Engine, PageResult>>, pages: MainPage[], loads: { before: number[]; after: number[] }, quiet: number[], finishedAt: Date): string {
	const cpuModel = /^model name\s*:\s*(.+)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1]?.trim() ?? 'unknown CPU';
	const engines = settings.engines;
	const header = ['| page | opened by |', ...engines.map((e) => ` ${ENGINE_TITLE[e]} req/s | p50 ms | p99 ms | server CPU |${e === 'postgres' ? ' PostgreSQL CPU |' : ''}`)].join('');
	const align = ['|---|---|', ...engines.map((e) => `---:|---:|---:|---:|${e === 'postgres' ? '---:|' : ''}`)].join('');
	const ratioHeader = engines.length === 2 ? ' PostgreSQL ÷ SQLite req/s |' : '';
	const lines = [header + ratioHeader, align + (ratioHeader ? '---:|' : '')];
	const totals = new Map<Engine, number>();
	for (const page of pages) {
		const row = results.get(page.name)!;
		let line = `| ${page.name} | ${page.viewer} |`;
		for (const engine of engines) {
			const r = row.get(engine)!;
			totals.set(engine, (totals.get(engine) ?? 0) + r.rps);
			line += ` ${num(r.rps)}${r.errors.length ? ` (errors: ${r.errors.join(', ')})` : ''} | ${num(r.p50)} | ${num(r.p99)} | ${r.serverCpuPercent.toFixed(0)} % |${engine === 'postgres' ? ` ${r.databaseCpuPercent.toFixed(0)} % |` : ''}`;
		}
		if (engines.length === 2) line += ` ${(row.get('postgres')!.rps / row.get('sqlite')!.rps).toFixed(2)}× |`;
		lines.push(line);
	}
	const pinned =
		where.mode === 'pinned'
			? `Cores: the server${engines.includes('postgres') ? 's and PostgreSQL' : ''} on CPU ${where.serverCpus.join(',')}, the load generator on CPU ${where.clientCpus.join(',')} (taskset); CPU figures are out of 100 % (one core).`
			: 'Cores: shared between servers and load generator.';
	return [
		`Run ${finishedAt.toISOString().slice(0, 16).replace('T', ' ')} UTC with \`${settings.command}\`.`,
		'',
		`- Machine: ${cpus().length} × ${cpuModel}, ${(totalmem() / 1024 ** 3).toFixed(1)} GiB RAM, Linux ${release()}, Node ${process.version}. ` +
			`Load average (1 / 5 / 15 min) ${loads.before.map((v) => v.toFixed(2)).join(' / ')} before, ${loads.after.map((v) => v.toFixed(2)).join(' / ')} after; ` +
			`other work while measuring: at most ${Math.max(0, ...quiet).toFixed(0)} % of a core in the second before a page.`,
		`  ${pinned}`,
		`- One instance of build/server.js per engine on a fresh demo database (SQLite: WAL file; PostgreSQL ${pgVersion()}: a database of its own on a loopback server started for the run, fsync on). ` +
			`Per page and engine: ${settings.concurrency} clients on keep-alive connections, each sending its next GET when the last answer has been read; ` +
			`${settings.warmupSeconds} s warm-up, then ${settings.seconds} s measured. Requests carry a browser's Accept, Accept-Encoding (gzip, deflate, br) and the session cookie of the role in the second column; every answer must be 200.`,
		'',
		...lines,
		...(engines.length === 2
			? ['', `All pages together (sum of req/s): SQLite ${num(totals.get('sqlite')!)}, PostgreSQL ${num(totals.get('postgres')!)} (${(totals.get('postgres')! / totals.get('sqlite')!).toFixed(2)}×).`]
			: [])
	].join('\n');
}

function pgVersion(): string {
	try {
		const root = '/usr/lib/postgresql';
		const major = execFileSync('ls', [root], { encoding: 'utf8' }).trim().split('\n').sort().pop();
		return execFileSync(join(root, major!, 'bin', 'postgres'), ['--version'], { encoding: 'utf8' }).trim().replace(/^postgres \(PostgreSQL\) /, '');
	} catch {
		return '';
	}
}

function writeDocs(section: string): string {
	const block = `${START_MARKER}\n${section.trimEnd()}\n${END_MARKER}`;
	const current = existsSync(DOCS_PATH) ? readFileSync(DOCS_PATH, 'utf8') : '# Benchmarks\n';
	const start = current.indexOf(START_MARKER);
	const end = current.indexOf(END_MARKER);
	writeFileSync(DOCS_PATH, start >= 0 && end > start ? current.slice(0, start) + block + current.slice(end + END_MARKER.length) : `${current.trimEnd()}\n\n${block}\n`);
	return DOCS_PATH;
}

// ---------------------------------------------------------------------------------------------

const settings = parseSettings();
if (!existsSync(join(REPO_ROOT, 'build', 'server.js'))) throw new Error('build/server.js is missing: run `flock /tmp/mufakat-build.lock npm run build` first');
process.chdir(REPO_ROOT);
const where = placement(settings.cores);
placeConductor(where);
const loads = { before: loadavg(), after: [] as number[] };
const postgres = settings.engines.includes('postgres') ? await onServerCores(where, () => startPostgres()) : null;
const targets: Target[] = [];
// Interrupted (Ctrl-C, a timeout): leave no server or database behind. Each runs in its own process group.
process.on('exit', () => {
	for (const pid of [...targets.map((t) => t.server.process.pid), postgres?.pid])
		try {
			if (pid) process.kill(-pid, 'SIGKILL');
		} catch {
			/* already gone */
		}
});
let exitCode = 0;
try {
	for (const engine of settings.engines) {
		targets.push(await startTarget(engine, postgres, where));
		log(`${ENGINE_TITLE[engine]} server ready at ${targets.at(-1)!.server.url}`);
	}
	const pages = targets[0]!.pages;
	const results = new Map<string, Map<Engine, PageResult>>();
	const quiet: number[] = [];
	// Page by page, the engines one after the other: both see the same machine at nearly the same time.
	for (const page of pages) {
		const row = new Map<Engine, PageResult>();
		for (const target of targets) {
			quiet.push(await waitForQuietMachine(QUIET_PATIENCE_MS, QUIET_PERCENT));
			const result = await hammer(target, target.pages.find((p) => p.name === page.name)!, settings);
			row.set(target.engine, result);
			log(
				`${page.name.padEnd(26)} ${ENGINE_TITLE[target.engine].padEnd(10)} ${num(result.rps).padStart(6)} req/s  p50 ${num(result.p50)} ms  p99 ${num(result.p99)} ms  ` +
					`server CPU ${result.serverCpuPercent.toFixed(0)} %${target.engine === 'postgres' ? `, PostgreSQL ${result.databaseCpuPercent.toFixed(0)} %` : ''}` +
					`${result.errors.length ? `  errors: ${result.errors.join(', ')}` : ''}`
			);
			if (result.errors.length || result.requests === 0) exitCode = 1;
		}
		results.set(page.name, row);
	}
	loads.after = loadavg();
	const section = render(settings, where, results, pages, loads, quiet, new Date());
	console.log(section);
	if (settings.writeDocs) log(`wrote ${writeDocs(section)}`);
} finally {
	for (const target of targets) {
		await target.server.stop();
		removeDir(target.server.dir);
	}
	await postgres?.stop();
}
process.exitCode = exitCode;
