/**
 * vitest global set-up for `MUFAKAT_TEST_DATABASE=postgres`: one real PostgreSQL server (Debian's
 * package, loopback port, data in a temporary folder) for the whole run, and a template database
 * with the committed PostgreSQL migrations and the official area list already loaded, so that each
 * test gets a fresh database (CREATE DATABASE … TEMPLATE) in a fraction of a second.
 */
import pg from 'pg';
import type { TestProject } from 'vitest/node';
import { closeDatabase, openPostgres } from '../../src/lib/server/db/client';
import { importAreas } from '../../src/lib/server/areas';
import { startPostgres, type PostgresServer } from '../helpers/postgres';

export const TEMPLATE_DATABASE = 'mufakat_template';

let server: PostgresServer | null = null;

declare module 'vitest' {
	export interface ProvidedContext {
		postgresUrl: string | null;
	}
}

export async function setup(project: TestProject) {
	if (process.env.MUFAKAT_TEST_DATABASE !== 'postgres') {
		project.provide('postgresUrl', null);
		return;
	}
	server = await startPostgres();
	const admin = new pg.Client({ connectionString: server.url() });
	await admin.connect();
	await admin.query(`CREATE DATABASE ${TEMPLATE_DATABASE}`);
	await admin.end();
	const db = await openPostgres(server.url(TEMPLATE_DATABASE));
	await importAreas(db);
	await closeDatabase(db);
	project.provide('postgresUrl', server.url());
}

export async function teardown() {
	await server?.stop();
	server = null;
}
