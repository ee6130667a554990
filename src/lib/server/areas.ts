import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { and, eq, inArray, like, sql } from 'drizzle-orm';
import type { RegionChoice } from '../forums/types';
import { dialectOf, likeAnyCase, transaction, type Db } from './db/client';
import { areas } from './db/schema';
import { InputError, type FieldMessage } from './validation';

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
export async function importAreas(db: Db): Promise<number> {
	const present = (await db.select({ n: sql<number>`count(*)` }).from(areas))[0];
	if (present && present.n > 0) return 0;
	const dir = dataDir();
	const files: [string, number, (r: string[]) => string | null][] = [
		['provinces.csv', 1, () => null],
		['regencies.csv', 2, (r) => r[1] ?? null],
		['districts.csv', 3, (r) => r[1] ?? null],
		['villages.csv', 4, (r) => r[1] ?? null]
	];
	const rows: { code: string; parentCode: string | null; level: number; name: string }[] = [];
	for (const [file, level, parent] of files)
		for (const row of parseCsv(readFileSync(join(dir, file), 'utf8'))) rows.push({ code: row[0]!, parentCode: parent(row), level, name: (level === 1 ? row[1] : row[2]) ?? '' });
	if (dialectOf(db) === 'sqlite') {
		// One prepared statement in one transaction: the fastest way into SQLite (well under a second).
		const insert = db.$client.prepare('INSERT INTO areas (code, parent_code, level, name) VALUES (?, ?, ?, ?)');
		db.$client.transaction(() => {
			for (const r of rows) insert.run(r.code, r.parentCode, r.level, r.name);
		})();
	} else {
		// Several instances may start at once: the first one in loads the list, the others find it there.
		await transaction(db, async (tx) => {
			for (let i = 0; i < rows.length; i += 2000) await tx.insert(areas).values(rows.slice(i, i + 2000)).onConflictDoNothing();
		});
	}
	return rows.length;
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

async function pathsFor(db: Db, rows: { code: string; name: string; parentCode: string | null }[]): Promise<AreaPath[]> {
	const parentCodes = new Set<string>();
	for (const r of rows) {
		const parts = r.code.split('.');
		parentCodes.add(parts.slice(0, 3).join('.'));
		parentCodes.add(parts.slice(0, 2).join('.'));
		parentCodes.add(parts[0]!);
	}
	const names = new Map(
		(await db
			.select({ code: areas.code, name: areas.name })
			.from(areas)
			.where(inArray(areas.code, [...parentCodes])))
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

/** A Kemendagri code's shape: 2 digits, then 2, 2 and 4 ("35.77.03.1009"); anything else is not looked up. */
const AREA_CODE = /^\d{2}(\.\d{2}(\.\d{2}(\.\d{4})?)?)?$/;

export function isAreaCodeShape(code: string): boolean {
	return AREA_CODE.test(code);
}

/**
 * Areas inside `near` first (`code LIKE 'near.%'`: codes hold digits and dots only, no LIKE
 * wildcards); nothing when there is no region to rank by.
 */
function insideFirst(near: string | null | undefined) {
	return near && AREA_CODE.test(near) ? [sql`(${areas.code} LIKE ${`${near}.%`}) desc`] : [];
}

/**
 * Villages (desa and kelurahan) by name across all of Indonesia, those inside `near` (the forum's
 * home region) ranked first, then shorter names first; each with its kecamatan and kabupaten.
 */
export async function searchVillages(db: Db, query: string, near?: string | null, limit = 20): Promise<AreaPath[]> {
	const q = query.trim();
	if (q.length < 2) return [];
	const rows = await db
		.select({ code: areas.code, name: areas.name, parentCode: areas.parentCode })
		.from(areas)
		.where(and(eq(areas.level, 4), likeAnyCase(areas.name, `%${q.replace(/[%_]/g, '')}%`)))
		.orderBy(...insideFirst(near), sql`length(${areas.name})`, areas.name, areas.code)
		.limit(limit);
	return await pathsFor(db, rows);
}

/**
 * Areas of any level (or only `levels`) by name or by code, for choosing a forum's home region:
 * inside `near` first, then higher levels first (Kota Madiun before a kelurahan called Madiun),
 * then shorter names. Each result says what it lies within.
 */
export async function searchAreas(db: Db, query: string, opts: { near?: string | null; levels?: number[]; limit?: number } = {}): Promise<RegionChoice[]> {
	const q = query.trim().replace(/[%_]/g, '');
	if (q.length < 2) return [];
	const levels = opts.levels?.filter((l) => l >= 1 && l <= 4) ?? [];
	const byCode = AREA_CODE.test(q);
	const rows = await db
		.select({ code: areas.code, name: areas.name, level: areas.level })
		.from(areas)
		.where(and(byCode ? like(areas.code, `${q}%`) : likeAnyCase(areas.name, `%${q}%`), levels.length ? inArray(areas.level, levels) : undefined))
		.orderBy(...insideFirst(opts.near), areas.level, sql`length(${areas.name})`, areas.name, areas.code)
		.limit(opts.limit ?? 20);
	return await withinNames(db, rows);
}

/** The names above each area, nearest first: "Taman, Kota Madiun, Jawa Timur". */
async function withinNames(db: Db, rows: { code: string; name: string; level: number }[]): Promise<RegionChoice[]> {
	const ancestors = (code: string) => {
		const parts = code.split('.');
		return parts.slice(0, -1).map((_, i) => parts.slice(0, i + 1).join('.'));
	};
	const wanted = [...new Set(rows.flatMap((r) => ancestors(r.code)))];
	const names = new Map(
		wanted.length
			? (await db
					.select({ code: areas.code, name: areas.name })
					.from(areas)
					.where(inArray(areas.code, wanted)))
					.map((a) => [a.code, a.name])
			: []
	);
	return rows.map((r) => ({
		code: r.code,
		name: r.name,
		level: r.level,
		within: ancestors(r.code)
			.reverse()
			.map((c) => names.get(c) ?? '')
			.filter(Boolean)
			.join(', ')
	}));
}

export async function describeRegion(db: Db, code: string): Promise<RegionChoice | null> {
	const area = await findArea(db, code);
	return area ? (await withinNames(db, [area]))[0]! : null;
}

export type AreaCheck = { levels?: readonly number[] };

/**
 * Why a posted area code is refused, or null when it names an official area (of one of `levels`,
 * when given). Every form that takes an area code checks it here, on the server: a hidden field
 * edited in the browser is no different from a typo.
 */
export async function areaCodeProblem(db: Db, code: string, check: AreaCheck = {}): Promise<FieldMessage | null> {
	const value = code.trim();
	if (value === '') return { key: 'error.required' };
	const area = AREA_CODE.test(value) ? await findArea(db, value) : null;
	if (!area) return { key: 'area.unknown', params: { code: value.slice(0, 20) } };
	if (check.levels && !check.levels.includes(area.level))
		return { key: 'area.wrongLevel', params: { code: value, name: area.name } };
	return null;
}

/** The official area for a posted code; throws an InputError on `field` otherwise. */
export async function requireKnownArea(db: Db, code: string, check: AreaCheck & { field?: string } = {}) {
	const problem = await areaCodeProblem(db, code, check);
	if (problem) throw new InputError({ [check.field ?? 'areaCode']: problem });
	return (await findArea(db, code.trim()))!;
}

export async function describeAreas(db: Db, codes: string[]): Promise<AreaPath[]> {
	if (codes.length === 0) return [];
	const rows = await db
		.select({ code: areas.code, name: areas.name, parentCode: areas.parentCode })
		.from(areas)
		.where(inArray(areas.code, codes));
	return await pathsFor(db, rows);
}

export async function findArea(db: Db, code: string) {
	return (await db.select().from(areas).where(eq(areas.code, code)))[0] ?? null;
}

/** Number of villages under an area code (e.g. every pekon of a kabupaten). */
export async function countVillagesUnder(db: Db, code: string): Promise<number> {
	const row = (await db
		.select({ n: sql<number>`count(*)` })
		.from(areas)
		.where(and(eq(areas.level, 4), like(areas.code, `${code}.%`))))[0];
	return row?.n ?? 0;
}
