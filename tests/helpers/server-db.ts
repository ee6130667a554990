import Database from 'better-sqlite3';
import pg from 'pg';

/**
 * The built server's own database, reached from a test to check what was (not) stored or to set a
 * case up: its SQLite file, or its PostgreSQL database when the suite runs on PostgreSQL. SQL is
 * written once with `?` placeholders; both engines store the same values (integers, text,
 * milliseconds, 0/1), so the same statement reads the same rows on either.
 */
export type ServerDb = {
	dialect: 'sqlite' | 'postgres';
	/** The first row (undefined when there is none). */
	one<T = Record<string, unknown>>(sql: string, ...params: unknown[]): Promise<T>;
	all<T = Record<string, unknown>>(sql: string, ...params: unknown[]): Promise<T[]>;
	/** Rows changed. */
	run(sql: string, ...params: unknown[]): Promise<number>;
	/** An INSERT of one row; the new row's id. */
	insert(sql: string, ...params: unknown[]): Promise<number>;
	close(): Promise<void>;
};

/** `?` → `$1, $2, …`, leaving quoted text and identifiers alone. */
export function numberedPlaceholders(sql: string): string {
	let n = 0;
	let out = '';
	let quote: string | null = null;
	for (const ch of sql) {
		if (quote) {
			if (ch === quote) quote = null;
		} else if (ch === "'" || ch === '"') quote = ch;
		else if (ch === '?') {
			out += `$${++n}`;
			continue;
		}
		out += ch;
	}
	return out;
}

/** Opens the database of a server started by `startServer` (or any `{ dbPath, databaseUrl }`). */
export async function openServerDb(target: { dbPath: string; databaseUrl?: string | null }): Promise<ServerDb> {
	if (target.databaseUrl) return openPostgresDb(target.databaseUrl);
	const db = new Database(target.dbPath);
	db.pragma('busy_timeout = 5000');
	return {
		dialect: 'sqlite',
		one: async (sql, ...params) => db.prepare(sql).get(...params) as never,
		all: async (sql, ...params) => db.prepare(sql).all(...params) as never,
		run: async (sql, ...params) => db.prepare(sql).run(...params).changes,
		insert: async (sql, ...params) => Number(db.prepare(sql).run(...params).lastInsertRowid),
		close: async () => void db.close()
	};
}

// Ids and milliseconds are int8 on PostgreSQL: numbers here, as on SQLite (and as the app reads them).
const types = {
	getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
		oid === pg.types.builtins.INT8 || oid === pg.types.builtins.NUMERIC ? (v: string) => Number(v) : pg.types.getTypeParser(oid, format as 'text')) as typeof pg.types.getTypeParser
};

async function openPostgresDb(url: string): Promise<ServerDb> {
	const client = new pg.Client({ connectionString: url, types });
	await client.connect();
	const query = (sql: string, params: unknown[]) => client.query(numberedPlaceholders(sql), params);
	return {
		dialect: 'postgres',
		one: async (sql, ...params) => (await query(sql, params)).rows[0],
		all: async (sql, ...params) => (await query(sql, params)).rows,
		run: async (sql, ...params) => (await query(sql, params)).rowCount ?? 0,
		insert: async (sql, ...params) => Number((await query(`${sql} returning id`, params)).rows[0].id),
		close: () => client.end()
	};
}
