/**
 * bench/collab: how fast an edit reaches everyone in one crowded live-document room, on our server
 * and, in the same invocation with the same harness and load, on two peers (the Yjs reference
 * server and Hocuspocus); then the reconnect wave on our server (wave.ts).
 *
 *   npx tsx bench/collab/run.ts [--sizes 50,200,500,700] [--seconds 20] [--servers mufakat,reference,hocuspocus]
 *                               [--warmup 5] [--join 15] [--workers 4] [--cores pinned|shared] [--full-readers]
 *                               [--wave-clients 50] [--wave-edits 200] [--wave-servers mufakat] [--write-docs]
 *   npx tsx bench/collab/run.ts --instances 3 [--sizes 500] [--rooms 40] [--room-clients 2000] [--takeover-clients 200]
 *                               [--balance roundrobin|uri] [--via haproxy,direct] [--lease-ttl <ms>] [--seconds 20] [--warmup 5] [--join 15] [--workers 4] [--write-docs]
 *
 * For every size and server: start the server in its own process (pinned to one core by default,
 * the clients and this conductor on the other), spread the clients over worker processes, wait
 * until every client is synced, warm up, then measure writer-to-reader latency (run.ts collects
 * every sample) and the CPU and RSS of the server process. `--sizes none` or `--wave-clients 0`
 * skips a part. Prints a Markdown section; --write-docs also puts it into docs/benchmarks.md. Our
 * server must be built beforehand. docs/benchmarks.md explains the method and its choices.
 *
 * `--instances N` (N > 1) is the multi-instance mode (cluster.ts): each one-room size on one
 * instance (SQLite, then PostgreSQL) and on N instances behind HAProxy on PostgreSQL and Redis,
 * then clients spread over rooms, then an owner killed; its section has markers of its own.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { roomName } from '../../src/lib/collab/matrix-doc';
import { runClusterBench, type ClusterBenchSettings, type Via } from './cluster';
import { renderClusterSection, writeClusterDocsSection } from './cluster-report';
import { CORE_MODES, Session, QUIET_PATIENCE_MS, WORKSHOP_ID, freePort, log, placeConductor, placement, scratchDirs, sleep, type CoreMode, type Placement } from './harness';
import { checkClientCount, driveLoad, MAX_WRITERS } from './load';
import { writerCount } from './protocol';
import { DISTURBED_PERCENT, renderSection, writeDocsSection, type RunResult, type RunSettings } from './report';
import { WindowMeter, waitForQuietMachine } from './meters';
import { SERVERS, SERVER_NAMES, type ServerName, type ServerUnderTest } from './servers/index';
import { runWave } from './wave';

const DRAIN_SECONDS = 3;
/**
 * By default clients join evenly over one presence-renewal period (y-protocols renews a client's
 * awareness after 15 s without change). Joined in one burst, every reader would renew in the same
 * instant every 15 s and the benchmark would measure that artefact of its own start rather than a
 * room whose participants arrived at different times. `--join 0` measures the burst on purpose.
 */
const DEFAULT_JOIN_SECONDS = 15;

type Settings = RunSettings & { writeDocs: boolean; cluster: ClusterBenchSettings | null };

function parseSettings(): Settings {
	const { values } = parseArgs({
		options: {
			sizes: { type: 'string' },
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
			'write-docs': { type: 'boolean', default: false },
			instances: { type: 'string', default: '1' },
			rooms: { type: 'string', default: '40' },
			'room-clients': { type: 'string', default: '2000' },
			'takeover-clients': { type: 'string', default: '200' },
			balance: { type: 'string', default: 'roundrobin' },
			via: { type: 'string', default: 'haproxy,direct' },
			'lease-ttl': { type: 'string' }
		}
	});
	const instances = Number(values.instances);
	if (!(Number.isInteger(instances) && instances >= 1 && instances <= 8)) throw new Error('--instances must be from 1 to 8');
	const sizesFlag = values.sizes ?? (instances > 1 ? '500' : '50,200,500,700');
	const sizes = sizesFlag === 'none' || sizesFlag === '' ? [] : sizesFlag.split(',').map(Number);
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
	const cluster = instances > 1 ? clusterSettings(values, instances, sizes, { seconds, warmupSeconds, joinSeconds, workers }) : null;
	return {
		cluster,
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

/** The multi-instance mode's own flags: rooms for the spread run, the takeover room, HAProxy's balance. */
function clusterSettings(
	values: Record<string, string | boolean | undefined>,
	instances: number,
	sizes: number[],
	common: { seconds: number; warmupSeconds: number; joinSeconds: number; workers: number }
): ClusterBenchSettings {
	const rooms = Number(values.rooms);
	const roomClients = Number(values['room-clients']);
	const takeoverClients = Number(values['takeover-clients']);
	const leaseTtl = values['lease-ttl'] === undefined ? null : Number(values['lease-ttl']);
	for (const size of sizes) checkClientCount(size, 1);
	if (!(Number.isInteger(rooms) && rooms >= 0 && rooms <= 200)) throw new Error('--rooms must be from 0 to 200');
	if (rooms > 0 && roomClients > 0) checkClientCount(roomClients, rooms);
	if (!(Number.isInteger(takeoverClients) && takeoverClients >= 0 && takeoverClients <= 1000)) throw new Error('--takeover-clients must be from 0 to 1000');
	if (takeoverClients === 1) throw new Error('--takeover-clients needs at least 2 clients');
	if (values.balance !== 'roundrobin' && values.balance !== 'uri') throw new Error('--balance must be roundrobin or uri');
	const via = String(values.via).split(',').filter(Boolean);
	if (via.length === 0 || !via.every((v): v is Via => v === 'haproxy' || v === 'direct')) throw new Error('--via must list haproxy and/or direct');
	if (leaseTtl !== null && !(Number.isInteger(leaseTtl) && leaseTtl >= 500)) throw new Error('--lease-ttl must be at least 500 (ms)');
	return {
		instances,
		sizes,
		spread: rooms > 0 && roomClients > 0 ? { clients: roomClients, rooms } : null,
		takeoverClients,
		balance: values.balance,
		via,
		leaseTtlMs: leaseTtl,
		...common,
		drainSeconds: DRAIN_SECONDS,
		fullReaders: values['full-readers'] === true,
		command: ['npx tsx bench/collab/run.ts', ...process.argv.slice(2)].join(' ')
	};
}

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
		const target = { protocol: server.protocol, url: server.url(port), preloaded: server.preloaded, rooms: [{ name: roomName(WORKSHOP_ID), workshopId: WORKSHOP_ID }] };
		const run = await driveLoad(session, target, clients, settings, secret, label, () => new WindowMeter(session.serverPid, session.workerPids));
		const { latency, usage } = run;
		const result: RunResult = {
			server: server.name,
			clients,
			ok: true,
			latency,
			delivered: run.delivered,
			disconnects: run.disconnects,
			refusals: run.refusals,
			usage,
			clientLoopDelayP99Ms: run.clientLoopDelayP99Ms
		};
		log(
			`${label} p50 ${latency.p50.toFixed(1)} / p95 ${latency.p95.toFixed(1)} / p99 ${latency.p99.toFixed(1)} ms over ${run.arrivals} arrivals ` +
				`of ${run.writes} edits${run.refusals ? `, ${run.refusals} refused` : ''}; CPU: server ${usage.serverCpuPercent.toFixed(0)} %, clients ${usage.clientsCpuPercent.toFixed(0)} %, ` +
				`machine ${usage.machineCpuPercent.toFixed(0)} %; client lag p99 ${run.clientLoopDelayP99Ms.toFixed(0)} ms`
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
if (settings.cluster) {
	const clusterSettings = settings.cluster;
	const result = await runClusterBench(clusterSettings, where, (server, clients) => measure(server, clients, settings, where));
	const section = renderClusterSection(result, clusterSettings, where);
	console.log(section);
	if (settings.writeDocs) log(`wrote ${writeClusterDocsSection(section)}`);
	const runsOk = result.oneRoom.every((r) => r.clusters.every((c) => c.run.ok) && r.singles.every((s) => s.ok)) && (result.spread?.ok ?? true);
	const takeoverOk = result.takeover === null || (result.takeover.ok && result.takeover.convergedMaxMs !== null && result.takeover.freshReaderHoldsAll && result.takeover.databaseHoldsAcknowledged);
	process.exit(runsOk && takeoverOk ? 0 : 1);
}
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
