import pg from 'pg';
import { inject } from 'vitest';
import { openDatabase, openPostgres, type Db } from '../../src/lib/server/db/client';

const TEMPLATE_DATABASE = 'mufakat_template';
let created = 0;

/** The PostgreSQL server of this run when the suite runs against PostgreSQL (MUFAKAT_TEST_DATABASE=postgres). */
export function testPostgresUrl(): string | null {
	try {
		return inject('postgresUrl') ?? null;
	} catch {
		return null; // outside vitest (a script)
	}
}

/**
 * A fresh PostgreSQL database of this run, copied from the migrated template (areas loaded);
 * returns its URL. Each test file and each `memoryDb()` gets its own.
 */
export async function freshPostgresDatabase(serverUrl: string): Promise<string> {
	const name = `mufakat_test_${process.pid}_${++created}_${Date.now().toString(36)}`;
	const admin = new pg.Client({ connectionString: serverUrl });
	await admin.connect();
	try {
		await admin.query(`CREATE DATABASE ${name} TEMPLATE ${TEMPLATE_DATABASE}`);
	} finally {
		await admin.end();
	}
	const url = new URL(serverUrl);
	url.pathname = `/${name}`;
	return url.toString();
}

/**
 * A fresh database with the real, committed migrations applied: in memory on SQLite, or a new
 * database on the run's PostgreSQL server when the suite runs against PostgreSQL.
 */
export async function memoryDb(): Promise<Db> {
	const server = testPostgresUrl();
	if (!server) return openDatabase(':memory:');
	// Small pools that let go of idle connections: a run creates hundreds of these databases.
	return openPostgres(await freshPostgresDatabase(server), { poolSize: 4, idleTimeoutMs: 1000 });
}
