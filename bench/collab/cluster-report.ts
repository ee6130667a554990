/**
 * The multi-instance section of docs/benchmarks.md (between the `bench:collab-cluster` markers):
 * one room on one instance and on the cluster side by side, many rooms with CPU and RSS per
 * instance, and the owner takeover.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, release, totalmem } from 'node:os';
import { join } from 'node:path';
import { postgresBin } from '../../tests/helpers/postgres';
import { HAPROXY, REDIS_SERVER } from '../../tests/helpers/cluster-services';
import { HEALTH_CHECK_INTERVAL, type ClusterBenchResult, type ClusterBenchSettings, type ClusterLoadRun, type Via } from './cluster';
import type { Placement } from './harness';
import { writerCount } from './protocol';
import { DISTURBED_PERCENT, type RunResult } from './report';
import { REPO_ROOT } from './servers/index';

const GOAL_FACTOR = 2;
/** cluster.ts watches a takeover this long. */
const TAKEOVER_WATCH_S = 60;
const DISTURBED = '⚠';

const ms = (value: number | null) => (value === null ? 'never' : Number.isFinite(value) ? value.toFixed(value < 10 ? 1 : 0) : 'lost');
const mib = (bytes: number) => (bytes / 1024 / 1024).toFixed(0);
const percent = (value: number) => `${value.toFixed(0)} %`;
const load = (values: number[]) => values.map((v) => v.toFixed(2)).join(' / ');

function firstLine(command: string, args: string[]): string {
	try {
		return execFileSync(command, args, { encoding: 'utf8' }).split('\n')[0]!.trim();
	} catch {
		return `${command}: unavailable`;
	}
}

function packageVersion(name: string): string {
	return (JSON.parse(readFileSync(join(REPO_ROOT, 'node_modules', name, 'package.json'), 'utf8')) as { version: string }).version;
}

const singleOther = (run: RunResult) => (run.ok ? Math.max(0, run.usage.machineCpuPercent - run.usage.serverCpuPercent - run.usage.clientsCpuPercent) : 0);
const clusterOther = (run: Extract<ClusterLoadRun, { ok: true }>) =>
	Math.max(0, run.usage.machineCpuPercent - run.usage.serverCpuPercent - run.usage.servicesCpuPercent - run.usage.clientsCpuPercent);

const HEADER = [
	'| clients | set-up | p50 ms | p95 ms | p99 ms | max ms | delivered | drops | refused | instances CPU | CPU per instance | RSS mean per instance MiB | PostgreSQL + Redis + HAProxy CPU | clients CPU | other CPU | client lag p99 ms |',
	'|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|'
];

function singleRow(run: RunResult, title: string): string {
	if (!run.ok) return `| ${run.clients} | ${title} | failed: ${run.error.replaceAll('|', '/')} |${' |'.repeat(13)}`;
	const { latency, usage } = run;
	const mark = singleOther(run) > DISTURBED_PERCENT ? ` ${DISTURBED}` : '';
	return (
		`| ${run.clients} | ${title}${mark} | ${ms(latency.p50)} | ${ms(latency.p95)} | ${ms(latency.p99)} | ${ms(latency.max)} | ${(run.delivered * 100).toFixed(2)} % | ` +
		`${run.disconnects} | ${run.refusals} | ${percent(usage.serverCpuPercent)} | – | ${mib(usage.serverRssMeanBytes)} | ${title.includes('PostgreSQL') ? 'in other CPU' : '–'} | ${percent(usage.clientsCpuPercent)} | ` +
		`${percent(singleOther(run))} | ${ms(run.clientLoopDelayP99Ms)} |`
	);
}

function clusterRow(run: ClusterLoadRun, title: string): string {
	if (!run.ok) return `| ${run.clients} | ${title} | failed: ${run.error.replaceAll('|', '/')} |${' |'.repeat(13)}`;
	const { latency, usage } = run;
	const mark = clusterOther(run) > DISTURBED_PERCENT ? ` ${DISTURBED}` : '';
	const each = usage.perServer.map((s) => percent(s.cpuPercent)).join(' / ');
	const rss = usage.perServer.map((s) => mib(s.rssMeanBytes)).join(' / ');
	return (
		`| ${run.clients} | ${title}${mark} | ${ms(latency.p50)} | ${ms(latency.p95)} | ${ms(latency.p99)} | ${ms(latency.max)} | ${(run.delivered * 100).toFixed(2)} % | ` +
		`${run.disconnects} | ${run.refusals} | ${percent(usage.serverCpuPercent)} | ${each} | ${rss} | ${percent(usage.servicesCpuPercent)} | ${percent(usage.clientsCpuPercent)} | ` +
		`${percent(clusterOther(run))} | ${ms(run.clientLoopDelayP99Ms)} |`
	);
}

function ownersLine(run: ClusterLoadRun): string {
	if (!run.ok) return '';
	const parts = Object.entries(run.owners)
		.sort(([a], [b]) => a.localeCompare(b))
		.map(([name, count]) => `${name} ${count}`);
	return parts.length ? `Rooms owned during the window (leases in Redis): ${parts.join(', ')}.` : '';
}

/** A cluster run's name in the tables. */
function setUp(settings: ClusterBenchSettings, via: Via): string {
	return via === 'direct'
		? `${settings.instances} instances, PostgreSQL + Redis, clients spread over them directly`
		: `${settings.instances} instances, PostgreSQL + Redis, HAProxy ${settings.balance}`;
}

function goalLines(result: ClusterBenchResult, instances: number): string[] {
	const lines: string[] = [];
	for (const { clients, singles, clusters } of result.oneRoom)
		for (const { via, run: cluster } of clusters) {
			if (!cluster.ok) continue;
			for (const single of singles) {
				if (!single.ok) continue;
				const factor = cluster.latency.p99 / single.latency.p99;
				const title = single.server === 'mufakat' ? (singles.indexOf(single) === 0 ? 'SQLite' : 'PostgreSQL') : single.server;
				lines.push(
					`- ${clients} clients, ${instances} instances ${via === 'direct' ? 'reached directly' : 'through HAProxy'} vs one instance on ${title}: ` +
						`p99 ${ms(cluster.latency.p99)} vs ${ms(single.latency.p99)} ms = ${factor.toFixed(2)}× (goal ≤ ${GOAL_FACTOR}×: ${factor <= GOAL_FACTOR ? 'met' : '**not met**'})`
				);
			}
		}
	return lines.length ? ['Goal (issue 14): the cluster\'s writer-to-reader p99 at most twice the single instance\'s in the same run:', '', ...lines, ''] : [];
}

function takeoverLines(result: ClusterBenchResult, settings: ClusterBenchSettings): string[] {
	const run = result.takeover;
	if (!run) return [];
	const ttl = settings.leaseTtlMs ?? 5000;
	const head = [
		'#### Owner killed',
		'',
		`${run.clients} clients in one room through HAProxy, every one applying every update (${writerCount(run.clients)} writers at one edit a second). ` +
			`After warm-up and ${3} s of writing, the instance that owns the room (its lease in Redis) gets SIGKILL; every writer then makes one more edit, which can reach the others only through the next owner. ` +
			`Measured from the kill: when another instance holds the lease, and when each client's document holds every edit made after the kill and everything any client had before it. ` +
			`Lease TTL ${ttl} ms${settings.leaseTtlMs ? '' : ' (the default)'}.`,
		''
	];
	if (!run.ok) return [...head, `Failed: ${run.error}`, ''];
	return [
		...head,
		'| clients | killed | new owner | new owner after ms | clients back in sync ms p50 / last | in sync | drops | refused | fresh reader holds every edit | database held every received edit at the kill |',
		'|---:|---|---|---:|---:|---:|---:|---:|---|---|',
		`| ${run.clients} | ${run.killed} | ${run.newOwner ?? 'none'} | ${ms(run.newOwnerAfterMs)} | ${ms(run.convergedP50Ms)} / ${ms(run.convergedMaxMs)} | ${run.converged} of ${run.clients} | ` +
			`${run.disconnects} | ${run.refusals.length} | ${run.freshReaderHoldsAll ? 'yes' : '**no**'} | ${run.databaseHoldsAcknowledged ? 'yes' : '**no**'}${run.readBeforeTakeover ? '' : ' (read after the takeover)'} |`,
		'',
		...(run.stragglers.length ? [`Not back in sync after ${TAKEOVER_WATCH_S} s: ${run.stragglers.join('; ')}.`, ''] : []),
		...(run.refusals.length ? [`Refusals: ${[...new Set(run.refusals)].map((r) => `“${r}”`).join('; ')}.`, ''] : [])
	];
}

export function renderClusterSection(result: ClusterBenchResult, settings: ClusterBenchSettings, where: Placement): string {
	const cpuModel = /^model name\s*:\s*(.+)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1]?.trim() ?? 'unknown CPU';
	const cores =
		where.mode === 'pinned'
			? `  Cores: every server-side process (the instances, PostgreSQL and its backends, Redis, HAProxy; the single instance and PostgreSQL in the one-instance rows) on CPU ${where.serverCpus.join(',')}, ` +
				`the ${settings.workers} client workers and the conductor on CPU ${where.clientCpus.join(',')} (taskset). CPU figures are out of 100 % per core.`
			: '  Cores: shared; the clients run on the same cores as the servers, at nice 10.';
	const versions = [
		`PostgreSQL ${firstLine(join(postgresBin(), 'postgres'), ['--version']).replace(/^postgres \(PostgreSQL\) /, '')}`,
		firstLine(REDIS_SERVER, ['--version']).replace(/^Redis server v=(\S+).*/, 'Redis $1'),
		firstLine(HAPROXY, ['-v']).replace(/^HAProxy version (\S+).*/, 'HAProxy $1'),
		`pg ${packageVersion('pg')}`,
		`ioredis ${packageVersion('ioredis')}`,
		`yjs ${packageVersion('yjs')}`,
		`ws ${packageVersion('ws')}`
	].join(', ');
	const oneRoom = result.oneRoom.length
		? [
				'#### One room: one instance and three',
				'',
				...HEADER,
				...result.oneRoom.flatMap(({ singles, clusters }) => [
					...singles.map((run, i) => singleRow(run, i === 0 ? '1 instance, SQLite' : '1 instance, PostgreSQL')),
					...clusters.map(({ via, run }) => clusterRow(run, setUp(settings, via)))
				]),
				'',
				...result.oneRoom.flatMap(({ clusters }) => clusters.map(({ run }) => ownersLine(run))).filter(Boolean),
				'',
				...goalLines(result, settings.instances)
			]
		: [];
	const spread = result.spread
		? [
				`#### ${result.spread.clients} clients in ${result.spread.rooms} rooms on ${settings.instances} instances`,
				'',
				`Client i joins room i mod ${result.spread.rooms} (each a copy of the demo workshop's matrix); a tenth of each room writes.`,
				'',
				...HEADER,
				clusterRow(result.spread, setUp(settings, 'haproxy')),
				'',
				ownersLine(result.spread),
				''
			]
		: [];
	const disturbedNote =
		[...result.oneRoom.flatMap((r) => [...r.singles.map((s) => singleOther(s) > DISTURBED_PERCENT), ...r.clusters.map(({ run }) => run.ok && clusterOther(run) > DISTURBED_PERCENT)]), result.spread?.ok && clusterOther(result.spread) > DISTURBED_PERCENT].some(Boolean)
			? [`${DISTURBED}: other processes took more than ${DISTURBED_PERCENT} % of a core during the window; not comparable with the other rows.`, '']
			: [];
	return [
		`Run ${result.finishedAt.toISOString().slice(0, 16).replace('T', ' ')} UTC with \`${settings.command}\`.`,
		'',
		`- Machine: ${cpus().length} × ${cpuModel}, ${(totalmem() / 1024 ** 3).toFixed(1)} GiB RAM, Linux ${release()}, Node ${process.version}. ` +
			`Load average (1 / 5 / 15 min) ${load(result.loadBefore)} before, ${load(result.loadAfter)} after.`,
		cores,
		`- Services: ${versions}. The cluster is ${settings.instances} instances of build/server.js behind HAProxy (\`balance ${settings.balance}\`, health checks every ${HEALTH_CHECK_INTERVAL}, the configuration of docs/scaling.md), ` +
			`clients connect to HAProxy${settings.via.includes('direct') ? ', or in the rows that say so to the instances directly (client i to instance i mod ' + settings.instances + ')' : ' only'}; each run starts a fresh database, Redis and set of instances.`,
		`- Load as in the one-instance benchmark: clients over ${settings.workers} worker processes joining evenly over ${settings.joinSeconds} s, a tenth writing once a second, ` +
			`warm-up ${settings.warmupSeconds} s, ${settings.seconds} s measured, ${settings.drainSeconds} s for late edits.`,
		'',
		...oneRoom,
		...spread,
		...disturbedNote,
		...takeoverLines(result, settings)
	].join('\n');
}

const START_MARKER = '<!-- bench:collab-cluster:start -->';
const END_MARKER = '<!-- bench:collab-cluster:end -->';
const DOCS_PATH = join(REPO_ROOT, 'docs', 'benchmarks.md');

/** Replaces the multi-instance section of docs/benchmarks.md, adding it after the collab section when absent. */
export function writeClusterDocsSection(section: string): string {
	const block = `${START_MARKER}\n${section.trimEnd()}\n${END_MARKER}`;
	const current = existsSync(DOCS_PATH) ? readFileSync(DOCS_PATH, 'utf8') : '# Benchmarks\n';
	const start = current.indexOf(START_MARKER);
	const end = current.indexOf(END_MARKER);
	const after = current.indexOf('<!-- bench:collab:end -->');
	const next =
		start >= 0 && end > start
			? current.slice(0, start) + block + current.slice(end + END_MARKER.length)
			: after >= 0
				? `${current.slice(0, after + '<!-- bench:collab:end -->'.length)}\n\n${block}${current.slice(after + '<!-- bench:collab:end -->'.length)}`
				: `${current.trimEnd()}\n\n${block}\n`;
	writeFileSync(DOCS_PATH, next);
	return DOCS_PATH;
}
