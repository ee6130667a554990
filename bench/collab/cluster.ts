/**
 * The multi-instance mode of bench/collab (`--instances 3`): the same harness, clients and load as
 * the one-instance runs, aimed at several built instances behind a real HAProxy (round robin by
 * default, as a load balancer without room affinity spreads sockets) on one PostgreSQL and one
 * Redis, all from Debian's packages on loopback, data in temporary folders.
 *
 * - one room: N clients on one instance (SQLite, then PostgreSQL) and on the cluster, in the same
 *   invocation, so the cluster's writer-to-reader p99 stands next to the single instance's;
 * - many rooms: clients spread evenly over R rooms (copies of the demo workshop), CPU and RSS per
 *   instance;
 * - takeover: the owner of a room is killed (SIGKILL) while its clients write; from the kill to
 *   every client holding every edit made after it (which only the next owner can pass on), and a
 *   check that everything a client had received before the kill is still there.
 *
 * Pinned (the default), every server-side process (instances, PostgreSQL, Redis, HAProxy) runs on
 * the first core and the clients on the other, as in the one-instance runs.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import pg from 'pg';
import { Awareness } from 'y-protocols/awareness';
import * as Y from 'yjs';
import { roomName } from '../../src/lib/collab/matrix-doc';
import { parseHolder, type LeaseHolder } from '../../src/lib/server/collab/cluster/lease';
import { keys } from '../../src/lib/server/collab/cluster/redis';
import { mintCollabToken } from '../../src/lib/server/collab/principal';
import { startCluster, type RunningCluster } from '../../tests/helpers/cluster-services';
import { startPostgres, type PostgresServer } from '../../tests/helpers/postgres';
import { connect } from './connections';
import { covers, stateVectorOf, unionOf } from './doc-state';
import { QUIET_PATIENCE_MS, Session, WORKSHOP_ID, allowedCpus, confinedTo, log, onServerCores, sleep, type Placement } from './harness';
import { collect, connectClients, driveLoad, type LoadResult, type LoadRoom, type LoadSettings } from './load';
import { cpuSeconds, WindowMeter, waitForQuietMachine, type WindowUsage } from './meters';
import { benchClock, type StateVector } from './protocol';
import { DISTURBED_PERCENT, type RunResult } from './report';
import { mufakatWith, REPO_ROOT, SERVERS, type ServerUnderTest } from './servers/index';

export type Balance = 'roundrobin' | 'uri';
/**
 * How the clients of a one-room run reach the instances: through HAProxy, or spread over the
 * instances directly (client i to instance i mod N), which leaves out the proxy's own work on the
 * shared core so that the cluster's rows compare like with like with the single instance's (its
 * clients connect directly too).
 */
export type Via = 'haproxy' | 'direct';

export type ClusterBenchSettings = LoadSettings & {
	instances: number;
	/** One-room sizes: each runs on one instance (SQLite, PostgreSQL) and on the cluster. */
	sizes: number[];
	/** Clients spread over rooms on the cluster; null skips it. */
	spread: { clients: number; rooms: number } | null;
	/** Clients in the room whose owner is killed; 0 skips it. */
	takeoverClients: number;
	balance: Balance;
	/** One-room runs on the cluster, one for each (the many-rooms and takeover runs go through HAProxy). */
	via: Via[];
	/** MUFAKAT_LEASE_TTL_MS for the instances; null keeps the server's default (5 s). */
	leaseTtlMs: number | null;
	command: string;
};

/** How one instance runs a room: run.ts's measure(), handed in so both modes share it. */
export type MeasureOne = (server: ServerUnderTest, clients: number) => Promise<RunResult>;

type ServiceUsage = { servicesCpuPercent: number };

export type ClusterLoadRun =
	| ({ ok: true; clients: number; rooms: number; owners: Record<string, number> } & Omit<LoadResult<WindowUsage & ServiceUsage>, 'usage'> & {
				usage: WindowUsage & ServiceUsage;
				instanceNames: string[];
			})
	| { ok: false; clients: number; rooms: number; error: string };

export type TakeoverRun =
	| {
			ok: true;
			clients: number;
			writers: number;
			killed: string;
			newOwner: string | null;
			/** ms from the kill until another instance held the lease. */
			newOwnerAfterMs: number | null;
			convergedP50Ms: number | null;
			convergedMaxMs: number | null;
			converged: number;
			disconnects: number;
			refusals: string[];
			/** Clients not back in sync when the watch ended, with their last close. */
			stragglers: string[];
			/** A fresh reader through HAProxy holds everything any reader had received before the kill, and every edit made after it. */
			freshReaderHoldsAll: boolean;
			/** The database (snapshot plus log), read right after the kill, holds everything any reader had received. */
			databaseHoldsAcknowledged: boolean;
			/** That read came before another instance took the room (so no client could have sent anything again yet). */
			readBeforeTakeover: boolean;
	  }
	| { ok: false; clients: number; error: string };

export type ClusterBenchResult = {
	oneRoom: { clients: number; singles: RunResult[]; clusters: { via: Via; run: ClusterLoadRun }[] }[];
	spread: ClusterLoadRun | null;
	takeover: TakeoverRun | null;
	loadBefore: number[];
	loadAfter: number[];
	startedAt: Date;
	finishedAt: Date;
};

const SEAL_SECRET = 'bench-cluster-seal-secret';
export const HEALTH_CHECK_INTERVAL = '2s';
const TAKEOVER_TIMEOUT_MS = 60_000;
const FRESH_READER_TIMEOUT_MS = 20_000;
/** Writing before the kill, after warm-up: the room is busy when its owner dies. */
const TAKEOVER_LOAD_SECONDS = 3;

// ---------------------------------------------------------------------------------------------
// Where the server side runs


/** Every process descended from this one, with its parent: the services and instances we started. */
function descendants(): Map<number, number> {
	const parents = new Map<number, number>();
	for (const entry of readdirSync('/proc')) {
		if (!/^\d+$/.test(entry)) continue;
		try {
			const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
			parents.set(Number(entry), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
		} catch {
			/* ended meanwhile */
		}
	}
	const mine = new Map<number, number>();
	const walk = (pid: number) => {
		for (const [child, parent] of parents)
			if (parent === pid && !mine.has(child)) {
				mine.set(child, parent);
				walk(child);
			}
	};
	walk(process.pid);
	return mine;
}

/**
 * CPU of the services (PostgreSQL with all its backends, Redis, HAProxy): every process this
 * conductor started, except the instances and the client workers, which are metered on their own.
 */
class ServicesMeter {
	private atStart = new Map<number, number>();
	private wallAtStart = 0;
	constructor(private readonly exclude: Set<number>) {}

	private sample(): Map<number, number> {
		const cpu = new Map<number, number>();
		for (const pid of descendants().keys()) {
			if (this.exclude.has(pid)) continue;
			try {
				cpu.set(pid, cpuSeconds(pid));
			} catch {
				/* ended meanwhile */
			}
		}
		return cpu;
	}

	start(): void {
		this.atStart = this.sample();
		this.wallAtStart = performance.now();
	}

	stop(): ServiceUsage {
		const now = this.sample();
		let seconds = 0;
		for (const [pid, cpu] of now) seconds += cpu - (this.atStart.get(pid) ?? 0);
		return { servicesCpuPercent: (seconds / ((performance.now() - this.wallAtStart) / 1000)) * 100 };
	}
}

// ---------------------------------------------------------------------------------------------
// PostgreSQL, rooms, cluster

let databases = 0;
async function freshDatabase(postgres: PostgresServer): Promise<string> {
	const name = `mufakat_bench_${process.pid}_${++databases}`;
	const admin = new pg.Client({ connectionString: postgres.url() });
	await admin.connect();
	try {
		await admin.query(`CREATE DATABASE ${name}`);
	} finally {
		await admin.end();
	}
	return postgres.url(name);
}

/**
 * Rooms for a spread run: the live demo workshop and copies of it (same forum, programme and
 * invited institutions, so every copy's matrix has the same 17 × 3 cells). Added once the first
 * instance has migrated the database and loaded the demo.
 */
async function benchRooms(databaseUrl: string, count: number): Promise<LoadRoom[]> {
	const sql = new pg.Client({ connectionString: databaseUrl });
	await sql.connect();
	try {
		const copies =
			count > 1
				? (
						await sql.query<{ id: number }>(
							`INSERT INTO workshops (forum_id, programme_id, title, theme, kind, date, start_time, place, chair_name, moderator_name, notetaker_name, status)
							 SELECT forum_id, programme_id, title || ' (bench ' || g || ')', theme, kind, date, start_time, place, chair_name, moderator_name, notetaker_name, status
							 FROM workshops, generate_series(1, $1::int) AS g WHERE id = $2 RETURNING id`,
							[count - 1, WORKSHOP_ID]
						)
					).rows.map((row) => Number(row.id))
				: [];
		if (copies.length)
			await sql.query(
				`INSERT INTO workshop_invitations (workshop_id, institution_id, code)
				 SELECT w.id, i.institution_id, NULL FROM unnest($1::int[]) AS w(id) CROSS JOIN workshop_invitations i WHERE i.workshop_id = $2`,
				[copies, WORKSHOP_ID]
			);
		return [WORKSHOP_ID, ...copies].map((workshopId) => ({ name: roomName(workshopId), workshopId }));
	} finally {
		await sql.end();
	}
}

type BenchCluster = { cluster: RunningCluster; databaseUrl: string; secret: string };

async function startBenchCluster(postgres: PostgresServer, settings: ClusterBenchSettings, where: Placement): Promise<BenchCluster> {
	const databaseUrl = await freshDatabase(postgres);
	const secret = randomBytes(32).toString('base64url');
	const cluster = await onServerCores(where, () =>
		startCluster({
			instances: settings.instances,
			balance: settings.balance,
			// As docs/scaling.md: the tests' 500 ms checks time out while 2,000 clients join, and HAProxy
			// then marks every instance down at once.
			checkInterval: HEALTH_CHECK_INTERVAL,
			env: {
				DATABASE_URL: databaseUrl,
				MUFAKAT_COLLAB_SECRET: secret,
				MUFAKAT_SEAL_SECRET: SEAL_SECRET,
				...(settings.leaseTtlMs ? { MUFAKAT_LEASE_TTL_MS: String(settings.leaseTtlMs) } : {})
			}
		})
	);
	liveClusters.add(cluster);
	if (where.mode === 'pinned')
		for (const instance of cluster.instances)
			if (!confinedTo(instance.process.pid!, where.serverCpus)) throw new Error(`instance ${instance.name} is not confined to CPU ${where.serverCpus.join(',')}`);
	return { cluster, databaseUrl, secret };
}

const liveClusters = new Set<RunningCluster>();
let clusterRuns = 0;
/** `BENCH_CLUSTER_LOGS=<prefix>` keeps every run's instance, Redis and HAProxy logs in `<prefix>-<n>.log`. */
async function stopCluster(cluster: RunningCluster): Promise<void> {
	liveClusters.delete(cluster);
	const prefix = process.env.BENCH_CLUSTER_LOGS;
	if (prefix) writeFileSync(`${prefix}-${++clusterRuns}.log`, cluster.logs());
	await cluster.stop();
}

/** Which instance owns each room now (from the leases in Redis). */
async function owners(redisUrl: string, rooms: LoadRoom[]): Promise<Record<string, number>> {
	const redis = new Redis(redisUrl, { maxRetriesPerRequest: 1 });
	try {
		const counts: Record<string, number> = {};
		for (const room of rooms) {
			const holder = parseHolder(await redis.get(keys.lease(room.name)));
			const name = holder?.instanceId ?? 'none';
			counts[name] = (counts[name] ?? 0) + 1;
		}
		return counts;
	} finally {
		redis.disconnect();
	}
}

const aliveInstances = (cluster: RunningCluster) => cluster.instances.filter((i) => i.process.exitCode === null && i.process.signalCode === null);

// ---------------------------------------------------------------------------------------------
// Scenarios

async function quietFirst(label: string): Promise<void> {
	const busyPercent = await waitForQuietMachine(QUIET_PATIENCE_MS, DISTURBED_PERCENT);
	if (busyPercent >= DISTURBED_PERCENT) log(`${label} other processes keep ${busyPercent.toFixed(0)} % of a core busy; measuring anyway`);
}

async function clusterLoad(
	postgres: PostgresServer,
	settings: ClusterBenchSettings,
	where: Placement,
	clients: number,
	roomCount: number,
	via: Via = 'haproxy'
): Promise<ClusterLoadRun> {
	const label = `[${settings.instances} instances${via === 'direct' ? ' direct' : ''} × ${clients}${roomCount > 1 ? ` in ${roomCount} rooms` : ''}]`;
	await quietFirst(label);
	let bench: BenchCluster | undefined;
	const session = new Session(where);
	try {
		bench = await startBenchCluster(postgres, settings, where);
		const { cluster, databaseUrl, secret } = bench;
		const rooms = await benchRooms(databaseUrl, roomCount);
		const collabUrl = (httpUrl: string) => `${httpUrl.replace('http', 'ws')}/collab`;
		const target = {
			protocol: 'y-websocket' as const,
			url: collabUrl(cluster.url),
			spreadOver: via === 'direct' ? cluster.instances.map((i) => collabUrl(i.url)) : undefined,
			preloaded: true,
			rooms
		};
		const instancePids = cluster.instances.map((i) => i.process.pid!);
		let roomOwners: Record<string, number> = {};
		const run = await driveLoad(session, target, clients, settings, secret, label, () => {
			const windowMeter = new WindowMeter(instancePids, session.workerPids);
			const servicesMeter = new ServicesMeter(new Set([...instancePids, ...session.workerPids]));
			return {
				start: () => {
					windowMeter.start();
					servicesMeter.start();
					// Sampled while the load runs: an idle room could be unloaded and its lease released later.
					void owners(cluster.redis.url, rooms).then((found) => (roomOwners = found), () => undefined);
				},
				stop: () => ({ ...windowMeter.stop(), ...servicesMeter.stop() })
			};
		});
		const { latency, usage } = run;
		log(
			`${label} p50 ${latency.p50.toFixed(1)} / p95 ${latency.p95.toFixed(1)} / p99 ${latency.p99.toFixed(1)} ms over ${run.arrivals} arrivals of ${run.writes} edits` +
				`${run.refusals ? `, ${run.refusals} refused` : ''}; CPU: instances ${usage.perServer.map((s) => s.cpuPercent.toFixed(0)).join(' + ')} %, ` +
				`services ${usage.servicesCpuPercent.toFixed(0)} %, clients ${usage.clientsCpuPercent.toFixed(0)} %; owners ${JSON.stringify(roomOwners)}`
		);
		return { ok: true, clients, rooms: roomCount, owners: roomOwners, instanceNames: cluster.instances.map((i) => i.name), ...run };
	} catch (error) {
		const message = error instanceof Error ? error.message : String(error);
		log(`${label} failed: ${message}`);
		return { ok: false, clients, rooms: roomCount, error: message };
	} finally {
		await session.close();
		if (bench) await stopCluster(bench.cluster);
	}
}

async function leaseHolder(redis: Redis, room: string): Promise<LeaseHolder | null> {
	return parseHolder(await redis.get(keys.lease(room)));
}

/** What the database holds for the room: snapshot plus log, as a new owner loads it. */
async function durableState(databaseUrl: string, room: string): Promise<StateVector> {
	const sql = new pg.Client({ connectionString: databaseUrl });
	await sql.connect();
	try {
		const doc = new Y.Doc();
		const snapshot = (await sql.query<{ data: Buffer; up_to_id: number }>('SELECT data, up_to_id FROM collab_snapshots WHERE room = $1', [room])).rows[0];
		if (snapshot) Y.applyUpdate(doc, snapshot.data);
		const rows = await sql.query<{ data: Buffer }>('SELECT data FROM collab_updates WHERE room = $1 AND id > $2 ORDER BY id', [room, snapshot?.up_to_id ?? 0]);
		for (const row of rows.rows) Y.applyUpdate(doc, row.data);
		return stateVectorOf(doc);
	} finally {
		await sql.end();
	}
}

/** A viewer joining through HAProxy now: what the room serves to anyone. */
async function freshReaderState(url: string, room: string, secret: string): Promise<StateVector> {
	const doc = new Y.Doc();
	const token = mintCollabToken(secret, { workshopId: WORKSHOP_ID, role: 'viewer', institutionId: null, subject: 'bench-fresh-reader', name: 'Fresh reader' });
	const link = connect('y-websocket', { url, room, doc, awareness: new Awareness(doc), token });
	try {
		await Promise.race([link.synced, sleep(FRESH_READER_TIMEOUT_MS).then(() => Promise.reject(new Error(`a fresh reader did not sync within ${FRESH_READER_TIMEOUT_MS / 1000} s`)))]);
		return stateVectorOf(doc);
	} finally {
		link.destroy();
	}
}

const median = (values: number[]) => (values.length ? [...values].sort((a, b) => a - b)[Math.floor((values.length - 1) / 2)]! : null);

async function takeover(postgres: PostgresServer, settings: ClusterBenchSettings, where: Placement, clients: number): Promise<TakeoverRun> {
	const label = `[takeover × ${clients}]`;
	await quietFirst(label);
	let bench: BenchCluster | undefined;
	const session = new Session(where);
	const redisClients: Redis[] = [];
	try {
		bench = await startBenchCluster(postgres, settings, where);
		const { cluster, databaseUrl, secret } = bench;
		const room = { name: roomName(WORKSHOP_ID), workshopId: WORKSHOP_ID };
		const wsUrl = `${cluster.url.replace('http', 'ws')}/collab`;
		// Every client applies every update: convergence is about what each document holds.
		await connectClients(session, { protocol: 'y-websocket', url: wsUrl, preloaded: true, rooms: [room] }, clients, { ...settings, fullReaders: true }, secret, label);
		const redis = new Redis(cluster.redis.url, { maxRetriesPerRequest: 1 });
		redis.on('error', () => undefined);
		redisClients.push(redis);

		const writeFrom = benchClock() + 100;
		const killAt = writeFrom + (settings.warmupSeconds + TAKEOVER_LOAD_SECONDS) * 1000;
		// Writers stop on their own at the kill; each then makes one more edit (takeover-mark).
		for (const worker of session.workers) worker.send({ type: 'start', writeFrom, measureFrom: writeFrom, measureUntil: killAt });
		await session.orDeath(sleep(killAt - benchClock()));
		const holder = await leaseHolder(redis, room.name);
		const owner = cluster.instances.find((i) => i.name === holder?.instanceId);
		if (!owner) throw new Error(`no instance owns ${room.name} (lease: ${JSON.stringify(holder)})`);
		const killedAt = benchClock();
		await cluster.kill(owner);
		log(`${label} killed ${owner.name}, the owner of ${room.name}`);
		const marks = await session.orDeath(collect(session, 'takeover-marked', (worker) => worker.send({ type: 'takeover-mark' }), 'marking the kill'));
		const received = unionOf(marks.map((m) => m.received));
		const target = unionOf([received, ...marks.map((m) => m.written)]);
		// Read while nobody owns the room yet (the lease has not expired), before any client could send
		// its edits again: what the dead owner stored must cover everything it had let anyone see.
		const durableAtKill = await durableState(databaseUrl, room.name);
		const holderAfterRead = await leaseHolder(redis, room.name).catch(() => null);
		const readBeforeTakeover = holderAfterRead === null || holderAfterRead.instanceId === owner.name;

		let newOwner: LeaseHolder | null = null;
		let newOwnerAt: number | null = null;
		let watching = true;
		const watchLease = (async () => {
			while (watching && newOwnerAt === null) {
				const now = await leaseHolder(redis, room.name).catch(() => null);
				if (now && now.instanceId !== owner.name) {
					newOwner = now;
					newOwnerAt = benchClock();
				}
				await sleep(20);
			}
		})();
		const reports = await session.orDeath(
			collect(session, 'takeover-report', (worker) => worker.send({ type: 'takeover-watch', at: killedAt, target, timeoutMs: TAKEOVER_TIMEOUT_MS }), 'watching the takeover', TAKEOVER_TIMEOUT_MS + 10_000)
		);
		watching = false;
		await watchLease;
		const times = reports.flatMap((r) => r.convergedAfterMs);
		const done = times.filter((t): t is number => t !== null);
		const fresh = await freshReaderState(wsUrl, room.name, secret);
		const result: TakeoverRun = {
			ok: true,
			clients,
			writers: Math.max(1, Math.round(clients / 10)),
			killed: owner.name,
			newOwner: (newOwner as LeaseHolder | null)?.instanceId ?? null,
			newOwnerAfterMs: newOwnerAt === null ? null : newOwnerAt - killedAt,
			convergedP50Ms: median(done),
			convergedMaxMs: done.length === times.length ? Math.max(...done) : null,
			converged: done.length,
			disconnects: reports.reduce((sum, r) => sum + r.disconnects, 0),
			refusals: reports.flatMap((r) => r.refusals),
			stragglers: reports.flatMap((r) => r.stragglers),
			freshReaderHoldsAll: covers(fresh, target),
			databaseHoldsAcknowledged: covers(durableAtKill, received),
			readBeforeTakeover
		};
		log(
			`${label} new owner ${result.newOwner} after ${result.newOwnerAfterMs?.toFixed(0)} ms; converged ${result.converged}/${clients}, p50 ${result.convergedP50Ms?.toFixed(0)} / last ${result.convergedMaxMs?.toFixed(0)} ms; ` +
				`refusals ${result.refusals.length}; fresh reader holds all: ${result.freshReaderHoldsAll}; database holds acknowledged: ${result.databaseHoldsAcknowledged}; alive ${aliveInstances(cluster).map((i) => i.name).join(',')}` +
				(result.stragglers.length ? `; not in sync: ${result.stragglers.join('; ')}` : '')
		);
		return result;
	} catch (error) {
		const message = error instanceof Error ? error.message : String(error);
		log(`${label} failed: ${message}`);
		return { ok: false, clients, error: message };
	} finally {
		for (const redis of redisClients) redis.disconnect();
		await session.close();
		if (bench) await stopCluster(bench.cluster);
	}
}

export async function runClusterBench(settings: ClusterBenchSettings, where: Placement, measureOne: MeasureOne): Promise<ClusterBenchResult> {
	if (!existsSync(join(REPO_ROOT, 'build', 'server.js'))) throw new Error('build/server.js is missing: run `flock /tmp/mufakat-build.lock npm run build` first');
	// The cluster helpers start `build/server.js` relative to the working directory.
	process.chdir(REPO_ROOT);
	const startedAt = new Date();
	const loadBefore = loadavg();
	const postgres = await onServerCores(where, () => startPostgres());
	// A conductor that fails half-way leaves no instance, database or Redis behind.
	const stopEverything = () => {
		for (const pid of descendants().keys()) safeKill(pid);
	};
	process.on('exit', stopEverything);
	try {
		const oneRoom: ClusterBenchResult['oneRoom'] = [];
		for (const clients of settings.sizes) {
			const singles: RunResult[] = [];
			singles.push(await measureOne({ ...SERVERS.mufakat, title: 'Mufakat, 1 instance, SQLite' }, clients));
			await sleep(1000);
			const databaseUrl = await freshDatabase(postgres);
			singles.push(await measureOne(mufakatWith('Mufakat, 1 instance, PostgreSQL', { DATABASE_URL: databaseUrl, MUFAKAT_SEAL_SECRET: SEAL_SECRET }), clients));
			await sleep(1000);
			const clusters: ClusterBenchResult['oneRoom'][number]['clusters'] = [];
			for (const via of settings.via) {
				clusters.push({ via, run: await clusterLoad(postgres, settings, where, clients, 1, via) });
				await sleep(1000);
			}
			oneRoom.push({ clients, singles, clusters });
		}
		const spread = settings.spread ? await clusterLoad(postgres, settings, where, settings.spread.clients, settings.spread.rooms) : null;
		if (spread) await sleep(1000);
		const takeoverRun = settings.takeoverClients > 0 ? await takeover(postgres, settings, where, settings.takeoverClients) : null;
		return { oneRoom, spread, takeover: takeoverRun, loadBefore, loadAfter: loadavg(), startedAt, finishedAt: new Date() };
	} finally {
		await postgres.stop();
		process.off('exit', stopEverything);
	}
}

function safeKill(pid: number): void {
	try {
		process.kill(pid, 'SIGKILL');
	} catch {
		/* already gone */
	}
}

/** The CPUs the server side may use, for the report. */
export const serverSideCpus = (where: Placement) => (where.mode === 'pinned' ? where.serverCpus : allowedCpus('self'));
