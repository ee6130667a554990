import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPostgres, type PostgresServer } from '../helpers/postgres';
import { removeDir, startServer, type RunningServer } from '../helpers/server';

/**
 * Instances of a hosted service start together (a deploy, a restart of the whole fleet) on one
 * empty PostgreSQL database: the migrations are applied once, the area list and the demo loaded once.
 */
describe('three instances starting at once on an empty PostgreSQL database', () => {
	let postgres: PostgresServer;
	const servers: RunningServer[] = [];

	beforeAll(async () => {
		postgres = await startPostgres();
		await postgres.createDatabase('mufakat_fleet');
	});

	afterAll(async () => {
		await Promise.all(servers.map((s) => s.stop()));
		for (const s of servers) removeDir(s.dir);
		await postgres?.stop();
	});

	it('migrate once, load the demo once, and all serve it', async () => {
		const env = { DATABASE_URL: postgres.url('mufakat_fleet'), MUFAKAT_SEAL_SECRET: 'sama-di-semua-instans' };
		servers.push(...(await Promise.all([1, 2, 3].map(() => startServer({ env })))));
		const client = new pg.Client({ connectionString: postgres.url('mufakat_fleet') });
		await client.connect();
		try {
			const count = async (sql: string) => Number((await client.query<{ n: string }>(sql)).rows[0]!.n);
			expect(await count('SELECT count(*) AS n FROM forums')).toBe(2);
			expect(await count("SELECT count(*) AS n FROM users WHERE email = 'moderator@mufakat.test'")).toBe(1);
			expect(await count('SELECT count(*) AS n FROM workshops')).toBe(3);
			expect(await count('SELECT count(*) AS n FROM sealed_minutes')).toBe(1);
			expect(await count('SELECT count(*) AS n FROM areas')).toBeGreaterThan(80_000);
		} finally {
			await client.end();
		}
		for (const s of servers) {
			const page = await fetch(`${s.url}/join/TAMAN8`);
			expect(page.status).toBe(200);
			expect(await page.text()).toContain('Rapat Evaluasi dan Replikasi');
		}
	});
});
