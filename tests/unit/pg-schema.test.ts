import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { PG_SCHEMA_PATH, pgSchemaSource } from '../../scripts/pg-schema';

describe('one model for both engines', () => {
	it('has the PostgreSQL twin of schema.ts committed as scripts/pg-schema.ts writes it (run `npm run db:generate` after a change)', () => {
		expect(readFileSync(PG_SCHEMA_PATH, 'utf8')).toBe(pgSchemaSource());
	});

	it('has a PostgreSQL migration for every table of the model', () => {
		const sqlText = readFileSync('drizzle/pg/0000_initial.sql', 'utf8') + readdirMigrations();
		for (const table of pgSchemaSource().matchAll(/pgTable\(\n\t'([a-z_]+)'/g)) expect(sqlText).toContain(`CREATE TABLE "${table[1]}"`);
	});
});

function readdirMigrations(): string {
	const journal = JSON.parse(readFileSync('drizzle/pg/meta/_journal.json', 'utf8')) as { entries: { tag: string }[] };
	return journal.entries.map((e) => readFileSync(`drizzle/pg/${e.tag}.sql`, 'utf8')).join('\n');
}
