import Database from 'better-sqlite3';
import { is, sql, type Column, type SQL } from 'drizzle-orm';
import { drizzle, type BetterSQLite3Database } from 'drizzle-orm/better-sqlite3';
import { migrate } from 'drizzle-orm/better-sqlite3/migrator';
import { PgDialect, PgTransaction, type PgDatabase } from 'drizzle-orm/pg-core';
import { AsyncLocalStorage } from 'node:async_hooks';
import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import * as schema from './schema';

/**
 * The database as the domain code sees it. The model (`schema.ts`) is written once with drizzle's
 * SQLite builders; on PostgreSQL the same table objects run through drizzle's PostgreSQL dialect
 * (the pg tables store the same values: integers, text, milliseconds, 0/1), so every domain
 * function works on both. Only awaited queries are portable: `.all()`, `.get()` and `.run()` exist
 * on SQLite alone, and `$client` is a better-sqlite3 connection there but a pg pool on PostgreSQL
 * (use `dialectOf` before touching it).
 */
export type Db = BetterSQLite3Database<typeof schema> & { $client: Database.Database };

export type Dialect = 'sqlite' | 'postgres';

export const DEFAULT_DATABASE_PATH = './data/mufakat.db';

export function dialectOf(db: Db): Dialect {
	return is((db as unknown as { dialect: unknown }).dialect, PgDialect) ? 'postgres' : 'sqlite';
}

/** A postgres:// (or postgresql://) URL selects PostgreSQL; anything else is a SQLite file path. */
export function isPostgresUrl(target: string | undefined): target is string {
	return !!target && /^postgres(ql)?:\/\//.test(target);
}

/** Rows changed by an awaited insert/update/delete, on either engine. */
export function affectedRows(result: unknown): number {
	const r = result as { changes?: number; rowCount?: number | null };
	return typeof r.changes === 'number' ? r.changes : (r.rowCount ?? 0);
}

/** LIKE regardless of letter case on both engines (SQLite's LIKE ignores ASCII case, PostgreSQL's does not). */
export function likeAnyCase(column: Column, pattern: string): SQL {
	return sql`lower(${column}) like ${pattern.toLowerCase()}`;
}

// --- Transactions -------------------------------------------------------------------------------

/** The SQLite connection whose transaction the current async call chain is inside, if any. */
const sqliteTransaction = new AsyncLocalStorage<Database.Database>();
/** The tail of each SQLite connection's queue of transactions (one at a time per connection). */
const sqliteQueue = new WeakMap<Database.Database, Promise<unknown>>();
let savepoints = 0;

/**
 * All or nothing, on both engines. `fn` receives the handle to query with (on PostgreSQL a
 * transaction of its own; on SQLite the same connection) and may call other domain functions
 * with it; a nested call becomes a savepoint.
 *
 * SQLite: one connection serves every request, so transactions on it are queued (two async call
 * chains must not interleave their statements inside one BEGIN … COMMIT), and each begins
 * IMMEDIATE: the live-document log is written by a second connection (its writer thread), and a
 * DEFERRED transaction that reads, then writes after that connection committed in between, fails
 * at once with SQLITE_BUSY, where an IMMEDIATE one waits its turn.
 *
 * PostgreSQL: SERIALIZABLE, retried on a serialization failure or deadlock, so that read-then-write
 * transactions (the next berita acara number, a throttle's count) mean what they mean on SQLite
 * even with several instances. `fn` may therefore run more than once: it must only touch the
 * database (which every caller does: none of them sends or writes files inside).
 */
export async function transaction<T>(db: Db, fn: (tx: Db) => Promise<T>): Promise<T> {
	if (dialectOf(db) === 'postgres') return postgresTransaction(db, fn);
	const client = db.$client;
	if (sqliteTransaction.getStore() === client) {
		const name = `mufakat_sp${++savepoints}`;
		client.exec(`SAVEPOINT ${name}`);
		try {
			const result = await fn(db);
			client.exec(`RELEASE ${name}`);
			return result;
		} catch (error) {
			client.exec(`ROLLBACK TO ${name}; RELEASE ${name}`);
			throw error;
		}
	}
	const before = sqliteQueue.get(client) ?? Promise.resolve();
	let done!: () => void;
	const mine = new Promise<void>((r) => (done = r));
	sqliteQueue.set(client, before.then(() => mine));
	await before;
	try {
		return await sqliteTransaction.run(client, async () => {
			client.exec('BEGIN IMMEDIATE');
			try {
				const result = await fn(db);
				client.exec('COMMIT');
				return result;
			} catch (error) {
				if (client.inTransaction) client.exec('ROLLBACK');
				throw error;
			}
		});
	} finally {
		done();
	}
}

/** 40001 serialization_failure, 40P01 deadlock_detected: the transaction can simply run again. */
function isRetryable(error: unknown): boolean {
	for (let e: unknown = error; e; e = (e as { cause?: unknown }).cause) {
		const code = (e as { code?: unknown }).code;
		if (code === '40001' || code === '40P01') return true;
	}
	return false;
}

const MAX_ATTEMPTS = 10;

async function postgresTransaction<T>(db: Db, fn: (tx: Db) => Promise<T>): Promise<T> {
	const pg = db as unknown as PgDatabase<never, typeof schema>;
	if (is(pg, PgTransaction)) return pg.transaction((tx) => fn(tx as unknown as Db));
	for (let attempt = 1; ; attempt++) {
		try {
			return await pg.transaction((tx) => fn(tx as unknown as Db), { isolationLevel: 'serializable' });
		} catch (error) {
			if (attempt >= MAX_ATTEMPTS || !isRetryable(error)) throw error;
			await new Promise((r) => setTimeout(r, Math.random() * 10 * attempt));
		}
	}
}

// --- Opening --------------------------------------------------------------------------------------

/** Opens (or creates) a SQLite database and applies the committed migrations from `drizzle/`. */
export function openDatabase(path: string, migrationsFolder = resolve('drizzle')): Db {
	if (path !== ':memory:') mkdirSync(dirname(resolve(path)), { recursive: true });
	const sqlite = new Database(path);
	sqlite.pragma('journal_mode = WAL');
	// FULL, not NORMAL: with NORMAL a power cut (a hall laptop's battery dying) may roll back the
	// last commits, and the live-document log holds edits everyone in the room has already seen.
	sqlite.pragma('synchronous = FULL');
	sqlite.pragma('foreign_keys = ON');
	sqlite.pragma('busy_timeout = 5000');
	const db = drizzle(sqlite, { schema });
	migrate(db, { migrationsFolder });
	return db;
}

/**
 * Connects to PostgreSQL and applies the committed PostgreSQL migrations (`drizzle/pg`). Several
 * instances may start at once: the migrator runs inside an advisory lock so only one applies them.
 */
export async function openPostgres(url: string, opts: { poolSize?: number; idleTimeoutMs?: number; migrationsFolder?: string } = {}): Promise<Db> {
	const { connectPostgres } = await import('./postgres');
	return connectPostgres(url, { ...opts, migrationsFolder: opts.migrationsFolder ?? resolve('drizzle/pg') });
}

/** Any constant, distinct from the migration lock's: the start-up work of one instance at a time. */
const STARTUP_LOCK = 7_261_130;

/**
 * Runs the start-up work (area list, demo, set-up link) of one instance at a time: instances that
 * start together on one PostgreSQL database would otherwise each find it empty and load the demo
 * twice. On SQLite one process owns the file, so it simply runs.
 */
export async function oneInstanceAtATime<T>(db: Db, work: () => Promise<T>): Promise<T> {
	if (dialectOf(db) === 'sqlite') return work();
	const pool = db.$client as unknown as { connect(): Promise<{ query(sql: string, params: unknown[]): Promise<unknown>; release(): void }> };
	const lock = await pool.connect();
	try {
		await lock.query('SELECT pg_advisory_lock($1)', [STARTUP_LOCK]);
		return await work();
	} finally {
		await lock.query('SELECT pg_advisory_unlock($1)', [STARTUP_LOCK]).catch(() => {});
		lock.release();
	}
}

/** Closes the connection (SQLite) or the pool (PostgreSQL). */
export async function closeDatabase(db: Db): Promise<void> {
	if (dialectOf(db) === 'postgres') await (db.$client as unknown as { end(): Promise<void> }).end();
	else db.$client.close();
}

/**
 * One database per process, shared through globalThis because the production entry
 * (server.ts) and the SvelteKit bundle are separate module graphs in one process.
 * SQLite opens on first use; PostgreSQL must be opened first with `initDatabase()` (awaited by
 * server.ts and the `init` hook), because connecting and migrating are asynchronous.
 */
const KEY = Symbol.for('mufakat.db');
const PENDING = Symbol.for('mufakat.db.pending');
type Holder = { [KEY]?: Db; [PENDING]?: Promise<Db> };

export function getDb(): Db {
	const holder = globalThis as Holder;
	if (!holder[KEY]) {
		if (isPostgresUrl(process.env.DATABASE_URL)) throw new Error('PostgreSQL is not connected yet: await initDatabase() at start-up');
		holder[KEY] = openDatabase(process.env.DATABASE_PATH ?? DEFAULT_DATABASE_PATH);
	}
	return holder[KEY];
}

/** Opens the configured database once: `DATABASE_URL=postgres://…` or the SQLite file `DATABASE_PATH`. */
export function initDatabase(): Promise<Db> {
	const holder = globalThis as Holder;
	if (holder[KEY]) return Promise.resolve(holder[KEY]);
	const url = process.env.DATABASE_URL;
	if (!isPostgresUrl(url)) return Promise.resolve(getDb());
	holder[PENDING] ??= openPostgres(url, { poolSize: Number(process.env.DATABASE_POOL_SIZE) || undefined }).then((db) => (holder[KEY] = db));
	return holder[PENDING];
}
