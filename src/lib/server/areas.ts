import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { and, eq, inArray, like, sql } from 'drizzle-orm';
import type { Db } from './db/client';
import { areas } from './db/schema';

/**
 * Official Kemendagri areas from the idn-area-data package (code MIT, data ODbL: imported
 * unmodified; local additions belong in an overlay, never in this table).
 */
function dataDir(): string {
	const require = createRequire(import.meta.url);
	// The package's "exports" hides package.json, so resolve its main file and walk up.
	return join(dirname(require.resolve('idn-area-data')), '..', 'data');
}

function parseCsv(text: string): string[][] {
	const rows: string[][] = [];
	for (const line of text.split(/\r?\n/)) {
		if (!line) continue;
		const cells: string[] = [];
		let cell = '';
		let quoted = false;
		for (let i = 0; i < line.length; i++) {
			const ch = line[i];
			if (quoted) {
				if (ch === '"' && line[i + 1] === '"') (cell += '"'), i++;
				else if (ch === '"') quoted = false;
				else cell += ch;
			} else if (ch === '"') quoted = true;
			else if (ch === ',') cells.push(cell), (cell = '');
			else cell += ch;
		}
		cells.push(cell);
		rows.push(cells);
	}
	return rows.slice(1);
}

/** Loads the official list once (about 90,000 rows, well under a second in one transaction). */
export function importAreas(db: Db): number {
	const present = db.select({ n: sql<number>`count(*)` }).from(areas).get();
	if (present && present.n > 0) return 0;
	const dir = dataDir();
	const files: [string, number, (r: string[]) => string | null][] = [
		['provinces.csv', 1, () => null],
		['regencies.csv', 2, (r) => r[1] ?? null],
		['districts.csv', 3, (r) => r[1] ?? null],
		['villages.csv', 4, (r) => r[1] ?? null]
	];
	let count = 0;
	const insert = db.$client.prepare('INSERT INTO areas (code, parent_code, level, name) VALUES (?, ?, ?, ?)');
	db.$client.transaction(() => {
		for (const [file, level, parent] of files) {
			for (const row of parseCsv(readFileSync(join(dir, file), 'utf8'))) {
				insert.run(row[0], parent(row), level, level === 1 ? row[1] : level === 2 ? row[2] : row[2]);
				count++;
			}
		}
	})();
	return count;
}

export type AreaPath = {
	code: string;
	name: string;
	/** True for a kelurahan (1xxx), false for a desa (2xxx). */
	isKelurahan: boolean;
	district: string;
	regency: string;
	province: string;
};

function pathsFor(db: Db, rows: { code: string; name: string; parentCode: string | null }[]): AreaPath[] {
	const parentCodes = new Set<string>();
	for (const r of rows) {
		const parts = r.code.split('.');
		parentCodes.add(parts.slice(0, 3).join('.'));
		parentCodes.add(parts.slice(0, 2).join('.'));
		parentCodes.add(parts[0]!);
	}
	const names = new Map(
		db
			.select({ code: areas.code, name: areas.name })
			.from(areas)
			.where(inArray(areas.code, [...parentCodes]))
			.all()
			.map((a) => [a.code, a.name])
	);
	return rows.map((r) => {
		const parts = r.code.split('.');
		return {
			code: r.code,
			name: r.name,
			isKelurahan: (parts[3] ?? '').startsWith('1'),
			district: names.get(parts.slice(0, 3).join('.')) ?? '',
			regency: names.get(parts.slice(0, 2).join('.')) ?? '',
			province: names.get(parts[0]!) ?? ''
		};
	});
}

/** Villages by name, optionally within one kabupaten/kota, with their kecamatan and kabupaten. */
export function searchVillages(db: Db, query: string, regencyCode?: string | null, limit = 20): AreaPath[] {
	const q = query.trim();
	if (q.length < 2) return [];
	const conditions = [eq(areas.level, 4), like(areas.name, `%${q.replace(/[%_]/g, '')}%`)];
	if (regencyCode) conditions.push(like(areas.code, `${regencyCode}.%`));
	const rows = db
		.select({ code: areas.code, name: areas.name, parentCode: areas.parentCode })
		.from(areas)
		.where(and(...conditions))
		.orderBy(sql`length(${areas.name})`, areas.name)
		.limit(limit)
		.all();
	return pathsFor(db, rows);
}

export function describeAreas(db: Db, codes: string[]): AreaPath[] {
	if (codes.length === 0) return [];
	const rows = db
		.select({ code: areas.code, name: areas.name, parentCode: areas.parentCode })
		.from(areas)
		.where(inArray(areas.code, codes))
		.all();
	return pathsFor(db, rows);
}

export function findArea(db: Db, code: string) {
	return db.select().from(areas).where(eq(areas.code, code)).get() ?? null;
}

/** Number of villages under an area code (e.g. every pekon of a kabupaten). */
export function countVillagesUnder(db: Db, code: string): number {
	const row = db
		.select({ n: sql<number>`count(*)` })
		.from(areas)
		.where(and(eq(areas.level, 4), like(areas.code, `${code}.%`)))
		.get();
	return row?.n ?? 0;
}
