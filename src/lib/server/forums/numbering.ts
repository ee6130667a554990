/**
 * Berita acara numbers from the forum's pattern, e.g. `{n}/BA/{forum}/{month}/{year}` →
 * `7/BA/Forpemma/XI/2021`: `{n}` the forum's running number in the meeting's year, `{forum}` its
 * short name, `{month}` the meeting's month in Roman numerals (as Indonesian letter numbers write
 * it), `{year}` the meeting's year.
 */
import { and, eq, like, sql } from 'drizzle-orm';
import { transaction, type Db } from '../db/client';
import { minutesVersions, settings, workshops } from '../db/schema';
import type { FieldMessage } from '../validation';

export const DEFAULT_NUMBERING_PATTERN = '{n}/BA/{forum}/{month}/{year}';
export const NUMBER_PLACEHOLDERS = ['n', 'forum', 'month', 'year'] as const;
export const ROMAN_MONTHS = ['I', 'II', 'III', 'IV', 'V', 'VI', 'VII', 'VIII', 'IX', 'X', 'XI', 'XII'] as const;
const MAX_PATTERN = 100;

/** Why a pattern is refused, or null: it must hold `{n}` (two meetings would share a number otherwise) and only known placeholders. */
export function numberingPatternProblem(pattern: string): FieldMessage | null {
	if (pattern.trim() === '') return { key: 'error.required' };
	if (pattern.length > MAX_PATTERN) return { key: 'error.tooLong', params: { max: MAX_PATTERN } };
	if (/[\u0000-\u001f\u007f]/.test(pattern)) return { key: 'forum.patternInvalid' };
	for (const match of pattern.matchAll(/\{([^{}]*)\}/g)) {
		if (!(NUMBER_PLACEHOLDERS as readonly string[]).includes(match[1]!)) return { key: 'forum.patternUnknown', params: { name: `{${match[1]}}` } };
	}
	if (/[{}]/.test(pattern.replace(/\{(n|forum|month|year)\}/g, ''))) return { key: 'forum.patternInvalid' };
	if (!pattern.includes('{n}')) return { key: 'forum.patternNeedsN' };
	return null;
}

/** Fills a (valid) pattern for a meeting on `isoDate`. */
export function formatMinutesNumber(pattern: string, values: { n: number; shortName: string; isoDate: string }): string {
	const [year, month] = values.isoDate.split('-').map(Number) as [number, number];
	const forum = values.shortName.trim().replace(/\s+/g, '-');
	return pattern.replace(/\{(n|forum|month|year)\}/g, (_, name: string) =>
		name === 'n' ? String(values.n) : name === 'forum' ? forum : name === 'month' ? (ROMAN_MONTHS[month - 1] ?? '') : String(year)
	);
}

const counterKey = (forumId: number, year: number) => `minutes-number:${forumId}:${year}`;

type Reader = Pick<Db, 'select'>;

/** Meetings of the forum in that year whose minutes were finalised before the counter existed. */
async function finalisedIn(db: Reader, forumId: number, year: number): Promise<number> {
	const done = (await db
		.select({ n: sql<number>`count(distinct ${minutesVersions.workshopId})` })
		.from(minutesVersions)
		.innerJoin(workshops, eq(workshops.id, minutesVersions.workshopId))
		.where(and(eq(workshops.forumId, forumId), like(workshops.date, `${year}-%`))))[0];
	return done?.n ?? 0;
}

/**
 * The next running number of a forum in a year. The counter lives in `settings`; the first time a
 * year is numbered it starts after the meetings of that year already finalised (older data).
 * A number once handed out is not reused, as in a paper register.
 */
export async function nextMinutesNumber(db: Db, forumId: number, year: number): Promise<number> {
	return await transaction(db, async (tx) => {
		const key = counterKey(forumId, year);
		const row = (await tx.select().from(settings).where(eq(settings.key, key)))[0];
		let last = row ? Number(row.value) : NaN;
		if (!Number.isInteger(last)) {
			last = await finalisedIn(tx, forumId, year);
		}
		const next = last + 1;
		await tx.insert(settings).values({ key, value: String(next) }).onConflictDoUpdate({ target: settings.key, set: { value: String(next) } });
		return next;
	});
}

/** The number the forum's next berita acara in `year` would get, without handing it out (for previews). */
export async function peekMinutesNumber(db: Db, forumId: number, year: number): Promise<number> {
	const row = (await db.select().from(settings).where(eq(settings.key, counterKey(forumId, year))))[0];
	const last = row ? Number(row.value) : NaN;
	if (Number.isInteger(last)) return last + 1;
	return await finalisedIn(db, forumId, year) + 1;
}
