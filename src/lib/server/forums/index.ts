/**
 * Forums: created and edited by the instance administrator. A forum's identity (name, letterhead,
 * place, numbering, time zone, village word) is what every document it produces carries; its home
 * region decides the defaults and which areas its searches put first.
 */
import { and, asc, eq, inArray, ne, sql } from 'drizzle-orm';
import { AREA_LEVEL_OF, regionImplies, type RegionImplies } from '../../forums/regions';
import { FORUM_TIME_ZONES } from '../../time-zones';
import { areaCodeProblem, describeRegion, findArea, isAreaCodeShape, searchAreas } from '../areas';
import type { Viewer } from '../auth';
import type { Db } from '../db/client';
import { FORUM_LEVELS, forumMembers, forums, programmes, workshops } from '../db/schema';
import { InputError, InputReader } from '../validation';
import { logoDir, MAX_LOGO_BYTES, prepareLogo, writeLogo, type PreparedLogo } from './logo';
import { DEFAULT_NUMBERING_PATTERN, formatMinutesNumber, numberingPatternProblem } from './numbering';

export type Forum = typeof forums.$inferSelect;

export async function getForum(db: Db, id: number): Promise<Forum | null> {
	return (await db.select().from(forums).where(eq(forums.id, id)))[0] ?? null;
}

/** The forums an account belongs to, in any role. */
export async function forumsOf(db: Db, viewer: Viewer | null): Promise<Forum[]> {
	if (viewer?.kind !== 'account') return [];
	const ids = [...new Set(viewer.roles.map((r) => r.forumId))];
	if (ids.length === 0) return [];
	return await db.select().from(forums).where(inArray(forums.id, ids)).orderBy(asc(forums.name));
}

/** Every forum, for the administrator, with how much each holds. */
export async function listForums(db: Db) {
	const count = async (table: typeof programmes | typeof workshops) =>
		new Map(
			(await db
				.select({ forumId: table.forumId, n: sql<number>`count(*)` })
				.from(table)
				.groupBy(table.forumId))
				.map((r) => [r.forumId, r.n])
		);
	const programmeCounts = await count(programmes);
	const workshopCounts = await count(workshops);
	const members = new Map(
		(await db
			.select({ forumId: forumMembers.forumId, n: sql<number>`count(distinct ${forumMembers.userId})` })
			.from(forumMembers)
			.groupBy(forumMembers.forumId))
			.map((r) => [r.forumId, r.n])
	);
	return (await db
		.select()
		.from(forums)
		.orderBy(asc(forums.name)))
		.map((f) => ({ ...f, programmes: programmeCounts.get(f.id) ?? 0, workshops: workshopCounts.get(f.id) ?? 0, members: members.get(f.id) ?? 0 }));
}

/** What the home page lists: each forum's listed programmes (unlisted ones stay reachable by link only). */
export async function listedProgrammes(db: Db) {
	const rows = await db
		.select({ forumId: forums.id, forumName: forums.name, shortName: forums.shortName, place: forums.place, id: programmes.id, name: programmes.name })
		.from(programmes)
		.innerJoin(forums, eq(forums.id, programmes.forumId))
		.where(eq(programmes.listed, true))
		.orderBy(asc(forums.name), asc(programmes.name), asc(programmes.id));
	const byForum = new Map<number, { id: number; name: string; shortName: string; place: string; programmes: { id: number; name: string }[] }>();
	for (const r of rows) {
		const forum = byForum.get(r.forumId) ?? { id: r.forumId, name: r.forumName, shortName: r.shortName, place: r.place, programmes: [] };
		forum.programmes.push({ id: r.id, name: r.name });
		byForum.set(r.forumId, forum);
	}
	return [...byForum.values()];
}

/** What a home region implies: its time zone, its word for a village, and its name as the place. */
export async function regionDefaults(db: Db, code: string | null): Promise<RegionImplies> {
	return regionImplies(code ? await findArea(db, code) : null);
}

/**
 * The form's view of a forum's place, time zone and village word: blank where the stored value is
 * what the region implies (so a new region re-derives it), the stored value where it was overridden.
 */
export async function forumOverrides(db: Db, forum: Forum): Promise<{ place: string; timeZone: string; villageWord: string }> {
	const derived = await regionDefaults(db, forum.regencyCode);
	return {
		place: forum.place === derived.place ? '' : forum.place,
		timeZone: forum.timeZone === derived.timeZone ? '' : forum.timeZone,
		villageWord: forum.villageWord === derived.villageWord ? '' : forum.villageWord
	};
}

const MAX_ADDRESS_LINES = 3;

type ForumValues = Omit<typeof forums.$inferInsert, 'id' | 'createdAt'>;

/**
 * Reads and checks the whole forum form before anything is written: names, level and home region
 * (an official area of the level's kind), address, numbering pattern, overrides, and the logo.
 */
async function readForumForm(db: Db, input: FormData, current: Forum | null): Promise<{ values: ForumValues; logo: PreparedLogo | null }> {
	const form = new InputReader(input);
	const name = form.text('name', { required: true, max: 150 });
	const shortName = form.text('shortName', { required: true, max: 30 });
	const level = form.choice('level', FORUM_LEVELS);
	const regionRaw = form.text('regionCode', { max: 20 });
	const areaLevel = level ? AREA_LEVEL_OF[level] : null;
	let regionCode: string | null = null;
	if (regionRaw === '' && level !== 'nasional') form.fail('regionCode', 'forum.regionRequired');
	else if (regionRaw !== '') {
		const problem = await areaCodeProblem(db, regionRaw, areaLevel ? { levels: [areaLevel] } : {});
		if (problem?.key === 'area.wrongLevel' && level) form.fail('regionCode', `forum.regionLevel.${level}`, problem.params);
		else if (problem) form.fail('regionCode', problem.key, problem.params);
		else regionCode = regionRaw;
	}
	const addressLines = form
		.paragraph('secretariatAddress', { max: 300 })
		.split(/\r?\n/)
		.map((l) => l.trim().replace(/\s+/g, ' '))
		.filter(Boolean);
	if (addressLines.length > MAX_ADDRESS_LINES) form.fail('secretariatAddress', 'forum.addressLines', { max: MAX_ADDRESS_LINES });
	const numberingPattern = form.text('numberingPattern', { max: 200 }) || DEFAULT_NUMBERING_PATTERN;
	const patternProblem = numberingPatternProblem(numberingPattern);
	if (patternProblem) form.fail('numberingPattern', patternProblem.key, patternProblem.params);
	const placeOverride = form.text('place', { max: 80 });
	const zoneOverride = form.choice('timeZone', FORUM_TIME_ZONES, { required: false });
	const wordOverride = form.text('villageWord', { max: 30 }).toLowerCase();
	if (wordOverride && !/^\p{L}[\p{L}' -]*$/u.test(wordOverride)) form.fail('villageWord', 'forum.villageWordInvalid');
	if (shortName) {
		const taken = (await db
			.select({ id: forums.id })
			.from(forums)
			.where(and(sql`lower(${forums.shortName}) = ${shortName.toLowerCase()}`, current ? ne(forums.id, current.id) : undefined)))[0];
		if (taken) form.fail('shortName', 'forum.shortNameTaken', { shortName });
	}

	let logo: PreparedLogo | null = null;
	const file = input.get('logo');
	if (file instanceof File && (file.size > 0 || file.name !== '')) {
		// An oversized file is refused from its declared size, without reading it into memory.
		const prepared = await prepareLogo(file.size > MAX_LOGO_BYTES ? null : new Uint8Array(await file.arrayBuffer()), file.size);
		if ('error' in prepared) form.fail('logo', prepared.error.key, prepared.error.params);
		else logo = prepared;
	}
	form.done();

	const derived = await regionDefaults(db, regionCode);
	const removeLogo = input.get('removeLogo') === 'on';
	return {
		values: {
			name,
			shortName,
			level: level!,
			regencyCode: regionCode,
			secretariatAddress: addressLines.join('\n'),
			place: placeOverride || derived.place,
			timeZone: zoneOverride ?? derived.timeZone,
			villageWord: wordOverride || derived.villageWord,
			numberingPattern,
			logoSha256: logo ? logo.sha256 : removeLogo ? null : (current?.logoSha256 ?? null),
			logoMime: logo ? logo.mime : removeLogo ? null : (current?.logoMime ?? null)
		},
		logo
	};
}

export async function createForum(db: Db, input: FormData, dir = logoDir()): Promise<Forum> {
	const { values, logo } = await readForumForm(db, input, null);
	if (logo) writeLogo(dir, logo);
	return (await db.insert(forums).values(values).returning())[0]!;
}

export async function updateForum(db: Db, id: number, input: FormData, dir = logoDir()): Promise<Forum> {
	const current = await getForum(db, id);
	if (!current) throw new InputError({ id: { key: 'error.notFound' } });
	const { values, logo } = await readForumForm(db, input, current);
	if (logo) writeLogo(dir, logo);
	return (await db.update(forums).set(values).where(eq(forums.id, id)).returning())[0]!;
}

/** True when some forum's letterhead uses this logo: only those are served. */
export async function logoInUse(db: Db, sha256: string): Promise<{ mime: string } | null> {
	const row = (await db.select({ mime: forums.logoMime }).from(forums).where(eq(forums.logoSha256, sha256)))[0];
	return row?.mime ? { mime: row.mime } : null;
}

/** The text fields of the forum form, as the pages echo them back. */
export const FORUM_FORM_FIELDS = ['name', 'shortName', 'level', 'regionCode', 'secretariatAddress', 'numberingPattern', 'place', 'timeZone', 'villageWord', 'areaQuery'] as const;

/** A forum as the edit form shows it: overridden settings filled in, derived ones left empty. */
export async function forumFormValues(db: Db, forum: Forum): Promise<Record<string, string>> {
	return {
		name: forum.name,
		shortName: forum.shortName,
		level: forum.level,
		regionCode: forum.regencyCode ?? '',
		secretariatAddress: forum.secretariatAddress,
		numberingPattern: forum.numberingPattern,
		...await forumOverrides(db, forum)
	};
}

/** The form's values from a URL: how the region search works without JavaScript (the whole form sent by GET). */
export function forumFormValuesFrom(params: URLSearchParams): Record<string, string> | null {
	if (!params.has('areaQuery')) return null;
	return Object.fromEntries(FORUM_FORM_FIELDS.map((f) => [f, (params.get(f) ?? '').slice(0, 400)]));
}

/**
 * What the form needs besides the typed values: the chosen region (named), search results for
 * the forum's level, the region's defaults, and the number the pattern would give.
 */
export async function forumFormContext(db: Db, values: Record<string, string>, today: string) {
	const level = (FORUM_LEVELS as readonly string[]).includes(values.level ?? '') ? (values.level as (typeof FORUM_LEVELS)[number]) : 'kabupaten';
	const code = (values.regionCode ?? '').trim();
	const chosen = code && isAreaCodeShape(code) ? await describeRegion(db, code) : null;
	const query = (values.areaQuery ?? '').trim().slice(0, 60);
	const areaLevel = AREA_LEVEL_OF[level];
	const results = await searchAreas(db, query, { levels: areaLevel ? [areaLevel] : [] });
	const pattern = values.numberingPattern?.trim() || DEFAULT_NUMBERING_PATTERN;
	const example = formatMinutesNumber(numberingPatternProblem(pattern) ? DEFAULT_NUMBERING_PATTERN : pattern, {
		n: 1,
		shortName: values.shortName?.trim() || 'Forum',
		isoDate: today
	});
	return { region: { chosen, query, results }, patternExample: example };
}
