import { sql } from 'drizzle-orm';
import { drizzle } from 'drizzle-orm/node-postgres';
import { migrate } from 'drizzle-orm/node-postgres/migrator';
import pg from 'pg';
import type { Db } from './client';
import * as schema from './schema';

// The model stores milliseconds and ids as integers that outgrow int4, so the pg tables use int8;
// node-postgres returns int8 and numeric as strings unless told otherwise. Every value we store
// fits a double exactly (ms timestamps, ids, Rupiah up to 2^53).
pg.types.setTypeParser(pg.types.builtins.INT8, (v) => Number(v));
pg.types.setTypeParser(pg.types.builtins.NUMERIC, (v) => Number(v));

/** Any constant: the advisory lock that lets one starting instance migrate while the others wait. */
const MIGRATION_LOCK = 7_261_129;

export async function connectPostgres(url: string, opts: { poolSize?: number; idleTimeoutMs?: number; migrationsFolder: string }): Promise<Db> {
	const pool = new pg.Pool({ connectionString: url, max: opts.poolSize ?? 10, idleTimeoutMillis: opts.idleTimeoutMs ?? 10_000 });
	// An idle client's error (the server restarted) must not crash the process; the pool drops it.
	pool.on('error', () => {});
	const db = drizzle(pool, { schema });
	const lock = await pool.connect();
	try {
		await lock.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK]);
		await migrate(db, { migrationsFolder: opts.migrationsFolder });
	} finally {
		await lock.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK]).catch(() => {});
		lock.release();
	}
	await db.execute(sql`select 1`);
	return db as unknown as Db;
}
