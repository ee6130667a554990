import Database from 'better-sqlite3';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll } from 'vitest';
import { launchChromium } from './browser';
import { removeDir, startServer, type RunningServer } from './server';
import { openServerDb, type ServerDb } from './server-db';

export type TestContext = {
	server: RunningServer;
	/** Chromium, when asked for. */
	browser: Browser;
	/** The server's database on either engine, to check what was (not) stored. */
	serverDb: ServerDb;
	/**
	 * The server's SQLite file opened read-only, for the browser layer (which runs on SQLite);
	 * not there when the suite runs on PostgreSQL: use `serverDb`.
	 */
	db: Database.Database;
};

/**
 * One built server per test file (and Chromium and a view of its database when asked),
 * started before the file's tests and torn down after them.
 */
export function useTestServer(opts: { browser?: boolean; env?: Record<string, string> } = {}): TestContext {
	const ctx = {} as TestContext;
	beforeAll(async () => {
		ctx.server = await startServer({ env: opts.env });
		if (opts.browser) ctx.browser = await launchChromium();
		ctx.serverDb = await openServerDb(ctx.server);
		if (!ctx.server.databaseUrl) ctx.db = new Database(ctx.server.dbPath, { readonly: true });
	});
	afterAll(async () => {
		ctx.db?.close();
		await ctx.serverDb?.close();
		await ctx.browser?.close();
		await ctx.server?.stop();
		if (ctx.server) removeDir(ctx.server.dir);
	});
	return ctx;
}
