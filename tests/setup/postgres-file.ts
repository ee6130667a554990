/**
 * Per test file, when the suite runs against PostgreSQL: the process's database (`getDb()`, used by
 * the domain code the tests call, e.g. `liveRooms()`) is a fresh PostgreSQL database, connected
 * before the file's own code runs.
 */
import { beforeAll } from 'vitest';
import { initDatabase } from '../../src/lib/server/db/client';
import { freshPostgresDatabase, testPostgresUrl } from '../helpers/db';

const server = testPostgresUrl();
if (server) {
	process.env.DATABASE_URL = await freshPostgresDatabase(server);
	process.env.DATABASE_POOL_SIZE = '4';
	beforeAll(async () => {
		await initDatabase();
	});
}
