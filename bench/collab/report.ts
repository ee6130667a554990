/**
 * Turns the runs into the Markdown section printed to stdout and kept in docs/benchmarks.md
 * between marker comments, so a new run replaces its own section and leaves the rest of the file.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism, release, totalmem } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT, SERVERS, type ServerName } from './servers/index';
import type { WindowUsage } from './meters';

export type Latency = { p50: number; p95: number; p99: number; max: number };

export type RunResult = {
	server: ServerName;
	clients: number;
} & (
	| {
			ok: true;
			writers: number;
			latency: Latency;
			/** Remote edits observed in the window over those that should have been (writes × other clients). */
			delivered: number;
			disconnects: number;
			usage: WindowUsage;
			/** The worst worker's event-loop delay p99: how far the clients themselves lag. */
			clientLoopDelayP99Ms: number;
	  }
	| { ok: false; error: string }
);

export type RunSettings = {
	sizes: number[];
	servers: ServerName[];
	seconds: number;
	warmupSeconds: number;
	drainSeconds: number;
	joinSeconds: number;
	workers: number;
	/** Readers apply every update to a Y.Doc instead of noting edits from the wire. */
	fullReaders: boolean;
	writerShare: number;
	command: string;
};

/**
 * Nearest-rank percentile over every edit that should have arrived. Edits that never arrived
 * within the drain time count as later than any that did, so a server that drops updates cannot
 * look fast: when the rank falls among them the percentile is Infinity ("lost").
 */
export function summarise(sortedMs: Float64Array, expected: number): Latency {
	const at = (q: number) => {
		const rank = Math.max(0, Math.ceil(q * expected) - 1);
		return rank < sortedMs.length ? sortedMs[rank]! : Infinity;
	};
	return { p50: at(0.5), p95: at(0.95), p99: at(0.99), max: sortedMs.length === expected ? sortedMs[sortedMs.length - 1]! : Infinity };
}

const ms = (value: number) => (Number.isFinite(value) ? value.toFixed(value < 10 ? 1 : 0) : 'lost');
const mib = (bytes: number) => (bytes / 1024 / 1024).toFixed(0);
const percent = (value: number) => `${value.toFixed(0)} %`;
const ratio = (ours: number, theirs: number) => (Number.isFinite(ours) && Number.isFinite(theirs) && theirs > 0 ? `${(ours / theirs).toFixed(2)}×` : 'n/a');

/** Read from node_modules directly: not every package exports its package.json. */
function packageVersion(name: string): string {
	return (JSON.parse(readFileSync(join(REPO_ROOT, 'node_modules', name, 'package.json'), 'utf8')) as { version: string }).version;
}

function cpuModel(): string {
	const match = /^model name\s*:\s*(.+)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'));
	return match?.[1]?.trim() ?? 'unknown CPU';
}

function resultsTable(runs: RunResult[]): string[] {
	const lines = [
		'| clients | server | p50 ms | p95 ms | p99 ms | max ms | delivered | drops | server CPU | server RSS mean / peak MiB | clients CPU | other CPU | client lag p99 ms |',
		'|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|'
	];
	for (const run of runs) {
		const title = SERVERS[run.server].title;
		if (!run.ok) {
			lines.push(`| ${run.clients} | ${title} | failed: ${run.error.replaceAll('|', '/')} |${' |'.repeat(10)}`);
			continue;
		}
		const { latency, usage } = run;
		const otherCpu = Math.max(0, usage.machineCpuPercent - usage.serverCpuPercent - usage.clientsCpuPercent);
		lines.push(
			`| ${run.clients} | ${title} | ${ms(latency.p50)} | ${ms(latency.p95)} | ${ms(latency.p99)} | ${ms(latency.max)} | ` +
				`${(run.delivered * 100).toFixed(2)} % | ${run.disconnects} | ${percent(usage.serverCpuPercent)} | ` +
				`${mib(usage.serverRssMeanBytes)} / ${mib(usage.serverRssPeakBytes)} | ${percent(usage.clientsCpuPercent)} | ${percent(otherCpu)} | ` +
				`${ms(run.clientLoopDelayP99Ms)} |`
		);
	}
	return lines;
}

const p99Of = (runs: RunResult[], server: ServerName, clients: number): number | undefined => {
	const run = runs.find((r) => r.server === server && r.clients === clients);
	return run?.ok ? run.latency.p99 : undefined;
};

/** Our p99 against each peer's, size by size; only when ours and at least one peer ran. */
function ratioTable(runs: RunResult[], sizes: number[]): string[] {
	const lines = [
		'| clients | Mufakat p99 ms | @y/websocket-server p99 ms | Hocuspocus p99 ms | Mufakat ÷ reference | Mufakat ÷ Hocuspocus |',
		'|---:|---:|---:|---:|---:|---:|'
	];
	for (const clients of sizes) {
		const ours = p99Of(runs, 'mufakat', clients);
		const reference = p99Of(runs, 'reference', clients);
		const hocuspocus = p99Of(runs, 'hocuspocus', clients);
		const cell = (value: number | undefined) => (value === undefined ? '–' : ms(value));
		const against = (peer: number | undefined) => (ours === undefined || peer === undefined ? '–' : ratio(ours, peer));
		lines.push(`| ${clients} | ${cell(ours)} | ${cell(reference)} | ${cell(hocuspocus)} | ${against(reference)} | ${against(hocuspocus)} |`);
	}
	return lines;
}

const GOAL_CLIENTS = 500;
const GOAL_P99_MS = 50;

/** The goal at 500 clients, checked only when all three servers ran at that size. */
function goalCheck(runs: RunResult[]): string[] {
	const ours = p99Of(runs, 'mufakat', GOAL_CLIENTS);
	const reference = p99Of(runs, 'reference', GOAL_CLIENTS);
	const hocuspocus = p99Of(runs, 'hocuspocus', GOAL_CLIENTS);
	if (ours === undefined || reference === undefined || hocuspocus === undefined) return [];
	const verdict = (met: boolean) => (met ? 'met' : '**not met**');
	return [
		`Goal at ${GOAL_CLIENTS} clients (every update persisted before broadcast, which this benchmark does not check):`,
		'',
		`- p99 ≤ ${GOAL_P99_MS} ms: ${ms(ours)} ms, ${verdict(ours <= GOAL_P99_MS)}`,
		`- no worse than Hocuspocus: ${ms(ours)} vs ${ms(hocuspocus)} ms, ${verdict(ours <= hocuspocus)}`,
		`- under a fifth of the reference server: ${ms(ours)} vs ${ms(reference)} / 5 = ${ms(reference / 5)} ms, ${verdict(ours < reference / 5)}`,
		''
	];
}

export function renderSection(runs: RunResult[], settings: RunSettings, finishedAt: Date): string {
	const versions = ['yjs', 'y-websocket', 'ws', '@y/websocket-server', '@hocuspocus/server', '@hocuspocus/provider']
		.map((name) => `${name} ${packageVersion(name)}`)
		.join(', ');
	const writersAt = settings.sizes.map((n) => `${Math.max(1, Math.round(n * settings.writerShare))} of ${n}`).join(', ');
	return [
		`Run ${finishedAt.toISOString().slice(0, 16).replace('T', ' ')} UTC with \`${settings.command}\`.`,
		'',
		`- Machine: ${availableParallelism()} × ${cpuModel()}, ${(totalmem() / 1024 ** 3).toFixed(1)} GiB RAM, Linux ${release()}, Node ${process.version}.`,
		`  The clients run on the same ${availableParallelism()} cores as the server (at lower priority), so the server competes with its own load.`,
		`- Packages: ${versions}.`,
		`- Load: one room, clients spread over ${settings.workers} worker processes and joining ` +
			(settings.joinSeconds > 0 ? `evenly over ${settings.joinSeconds} s;` : 'all at once;') +
			` writers ${writersAt}, each setting its own cell's \`timing\` once a second at a random phase and moving its caret with each edit;` +
			' readers publish presence once (y-protocols renews it every 15 s) and ' +
			(settings.fullReaders ? 'apply every update to their Y.Doc.' : 'note edits from the wire once the load starts.'),
		`  Warm-up ${settings.warmupSeconds} s after every client synced, then ${settings.seconds} s measured, then ${settings.drainSeconds} s for late edits.`,
		'',
		...resultsTable(runs),
		'',
		...ratioTable(runs, settings.sizes),
		'',
		...goalCheck(runs)
	].join('\n');
}

const START_MARKER = '<!-- bench:collab:start -->';
const END_MARKER = '<!-- bench:collab:end -->';
const DOCS_PATH = join(REPO_ROOT, 'docs', 'benchmarks.md');

/** Replaces the generated section of docs/benchmarks.md, appending it when the markers are absent. */
export function writeDocsSection(section: string): string {
	const block = `${START_MARKER}\n${section.trimEnd()}\n${END_MARKER}`;
	const current = existsSync(DOCS_PATH) ? readFileSync(DOCS_PATH, 'utf8') : '# Benchmarks\n';
	const start = current.indexOf(START_MARKER);
	const end = current.indexOf(END_MARKER);
	const next =
		start >= 0 && end > start
			? current.slice(0, start) + block + current.slice(end + END_MARKER.length)
			: `${current.trimEnd()}\n\n${block}\n`;
	writeFileSync(DOCS_PATH, next);
	return DOCS_PATH;
}
