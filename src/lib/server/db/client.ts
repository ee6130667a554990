import Database from 'better-sqlite3';
import { drizzle, type BetterSQLite3Database } from 'drizzle-orm/better-sqlite3';
import { migrate } from 'drizzle-orm/better-sqlite3/migrator';
import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import * as schema from './schema';

export type Db = BetterSQLite3Database<typeof schema> & { $client: Database.Database };

export const DEFAULT_DATABASE_PATH = './data/mufakat.db';

/**
 * Makes every transaction take the write lock when it begins (IMMEDIATE) unless it asks otherwise.
 * The live-document log is written by a second connection (its writer thread): a DEFERRED
 * transaction that reads, then writes after that connection committed in between, fails at once
 * with SQLITE_BUSY (the busy timeout cannot help it), where an IMMEDIATE one waits its turn.
 */
export function immediateTransactions(db: Db): Db {
	const begin = db.transaction.bind(db);
	db.transaction = ((transaction, config) => begin(transaction, { behavior: 'immediate', ...config })) as Db['transaction'];
	return db;
}

/** Opens (or creates) a database and applies the committed migrations from `drizzle/`. */
export function openDatabase(path: string, migrationsFolder = resolve('drizzle')): Db {
	if (path !== ':memory:') mkdirSync(dirname(resolve(path)), { recursive: true });
	const sqlite = new Database(path);
	sqlite.pragma('journal_mode = WAL');
	// FULL, not NORMAL: with NORMAL a power cut (a hall laptop's battery dying) may roll back the
	// last commits, and the live-document log holds edits everyone in the room has already seen.
	sqlite.pragma('synchronous = FULL');
	sqlite.pragma('foreign_keys = ON');
	sqlite.pragma('busy_timeout = 5000');
	const db = immediateTransactions(drizzle(sqlite, { schema }));
	migrate(db, { migrationsFolder });
	return db;
}

/**
 * One connection per process, shared through globalThis because the production entry
 * (server.ts) and the SvelteKit bundle are separate module graphs in one process.
 */
const KEY = Symbol.for('mufakat.db');
type Holder = { [KEY]?: Db };

export function getDb(): Db {
	const holder = globalThis as Holder;
	if (!holder[KEY]) holder[KEY] = openDatabase(process.env.DATABASE_PATH ?? DEFAULT_DATABASE_PATH);
	return holder[KEY];
}
