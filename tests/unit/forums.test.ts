/**
 * Forums and their identity: what a home region implies (time zone, village word, place), the
 * numbering pattern, logo checks, area-code validation, the administrator's forum form, and a
 * whole sealed berita acara of a WITA forum carrying its own letterhead, logo, number, place,
 * village word and time zone.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { and, count, eq, like, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { capitalised, villageWordForRegion } from '../../src/lib/forums/regions';
import { FORUM_LEVELS as SHARED_LEVELS } from '../../src/lib/forums/types';
import { formatClock, timeZoneForRegion, zoneAbbreviation } from '../../src/lib/time-zones';
import { areaCodeProblem, importAreas, requireKnownArea, searchAreas, searchVillages } from '../../src/lib/server/areas';
import { getDb, type Db } from '../../src/lib/server/db/client';
import { areas, attendance, FORUM_LEVELS, forums, institutions, persons, pilotSites, programmes, workshops } from '../../src/lib/server/db/schema';
import { createForum, listedProgrammes, regionDefaults, updateForum } from '../../src/lib/server/forums';
import { letterheadPreview } from '../../src/lib/server/forums/letterhead';
import { MAX_LOGO_BYTES, prepareLogo } from '../../src/lib/server/forums/logo';
import { formatMinutesNumber, nextMinutesNumber, numberingPatternProblem } from '../../src/lib/server/forums/numbering';
import { currentMinutesVersion, ensureMinutesDraft, finalizeMinutes, listSigners, minutesContent, signMinutes } from '../../src/lib/server/minutes';
import { renderMinutesPdf } from '../../src/lib/server/pdf/render-minutes';
import { inspectPdfSignatures } from '../../src/lib/server/pdf/verify';
import { sealCommonName, sealWorkshopMinutes } from '../../src/lib/server/sealing';
import { InputError } from '../../src/lib/server/validation';
import { getWorkshop } from '../../src/lib/server/workshops/workshops';
import { memoryDb } from '../helpers/db';
import { gifImage, hugePngHeader, jpegLogo, pngLogo } from '../helpers/images';

process.env.DATABASE_PATH = ':memory:';
const work = mkdtempSync(join(tmpdir(), 'mufakat-forums-'));
const logos = join(work, 'logos');
process.env.MUFAKAT_LOGO_DIR = logos;

let db: Db;
beforeAll(async () => {
	db = await memoryDb();
	await importAreas(db);
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

async function errorsOf(fn: () => unknown): Promise<Record<string, string>> {
	try {
		await fn();
	} catch (e) {
		if (e instanceof InputError) return Object.fromEntries(Object.entries(e.errors).map(([k, v]) => [k, v.key]));
		throw e;
	}
	return {};
}

async function asyncErrorsOf(fn: () => Promise<unknown>): Promise<Record<string, string>> {
	try {
		await fn();
	} catch (e) {
		if (e instanceof InputError) return Object.fromEntries(Object.entries(e.errors).map(([k, v]) => [k, v.key]));
		throw e;
	}
	return {};
}

function forumForm(fields: Record<string, string>, logo?: { bytes: Uint8Array; name: string; type?: string }): FormData {
	const form = new FormData();
	for (const [k, v] of Object.entries(fields)) form.set(k, v);
	if (logo) form.set('logo', new File([Buffer.from(logo.bytes)], logo.name, { type: logo.type ?? 'application/octet-stream' }));
	return form;
}

const TORAJA = {
	name: 'Forum Multipihak Toraja Utara',
	shortName: 'FMTU',
	level: 'kabupaten',
	regionCode: '73.26',
	secretariatAddress: 'Sekretariat: Bappelitbangda Kabupaten Toraja Utara\nJl. Ahmad Yani, Rantepao',
	place: 'Rantepao',
	villageWord: 'lembang',
	numberingPattern: '{n}/BA-{forum}/{month}/{year}'
};

describe('what a home region implies', () => {
	it('gives the time zone by province: WIB, WITA, WIT', () => {
		expect(timeZoneForRegion('35.77')).toBe('Asia/Jakarta');
		expect(timeZoneForRegion('18.06.20.2005')).toBe('Asia/Jakarta');
		expect(timeZoneForRegion('62.01')).toBe('Asia/Jakarta');
		expect(timeZoneForRegion('73.26')).toBe('Asia/Makassar'); // Toraja Utara, Sulawesi Selatan
		expect(timeZoneForRegion('53.07')).toBe('Asia/Makassar'); // Sikka, NTT
		expect(timeZoneForRegion('64.02')).toBe('Asia/Makassar');
		expect(timeZoneForRegion('81.01')).toBe('Asia/Jayapura'); // Maluku Tengah
		expect(timeZoneForRegion('95.01')).toBe('Asia/Jayapura');
		expect(timeZoneForRegion('99')).toBeNull();
		expect(zoneAbbreviation('Asia/Makassar')).toBe('WITA');
		expect(formatClock(new Date('2025-03-12T03:40:00Z'), 'Asia/Makassar')).toBe('11.40 WITA');
		expect(formatClock(new Date('2025-03-12T03:40:00Z'), 'Asia/Jayapura', 'en')).toBe('12:40 WIT');
	});

	it('gives the word for a village: gampong, nagari, pekon or kampung in Lampung, kampung in Papua, kelurahan in a kota, desa elsewhere', () => {
		expect(villageWordForRegion('11.06')).toBe('gampong'); // Aceh Besar
		expect(villageWordForRegion('11.71')).toBe('gampong'); // Banda Aceh: its villages are gampong too
		expect(villageWordForRegion('13.06')).toBe('nagari'); // Agam
		expect(villageWordForRegion('13.71')).toBe('kelurahan'); // Kota Padang
		expect(villageWordForRegion('18.06')).toBe('pekon'); // Tanggamus
		expect(villageWordForRegion('18.04')).toBe('pekon'); // Lampung Barat
		for (const kampung of ['18.05', '18.08', '18.11', '18.12']) expect(villageWordForRegion(kampung), kampung).toBe('kampung');
		expect(villageWordForRegion('18')).toBe('pekon');
		expect(villageWordForRegion('95.01')).toBe('kampung');
		expect(villageWordForRegion('35.77')).toBe('kelurahan'); // Kota Madiun
		expect(villageWordForRegion('73.26')).toBe('desa');
		expect(villageWordForRegion('53.07')).toBe('desa');
		expect(villageWordForRegion('35.77.03.1009')).toBe('kelurahan');
		expect(capitalised('pekon')).toBe('Pekon');
	});

	it('takes the place from the region name and keeps the level lists in step', async () => {
		expect(await regionDefaults(db, '35.77')).toEqual({ timeZone: 'Asia/Jakarta', villageWord: 'kelurahan', place: 'Madiun' });
		expect(await regionDefaults(db, '18.06')).toEqual({ timeZone: 'Asia/Jakarta', villageWord: 'pekon', place: 'Tanggamus' });
		expect(await regionDefaults(db, '73.26')).toMatchObject({ timeZone: 'Asia/Makassar', place: 'Toraja Utara' });
		expect([...SHARED_LEVELS]).toEqual([...FORUM_LEVELS]);
	});
});

describe('berita acara numbers', () => {
	it('need {n} and only known placeholders', () => {
		expect(numberingPatternProblem('{n}/BA/{forum}/{month}/{year}')).toBeNull();
		expect(numberingPatternProblem('')?.key).toBe('error.required');
		expect(numberingPatternProblem('BA/{forum}/{year}')?.key).toBe('forum.patternNeedsN');
		expect(numberingPatternProblem('{n}/{bulan}/{year}')).toMatchObject({ key: 'forum.patternUnknown', params: { name: '{bulan}' } });
		expect(numberingPatternProblem('{n}/BA/{forum')?.key).toBe('forum.patternInvalid');
		expect(numberingPatternProblem('{n}\n/BA')?.key).toBe('forum.patternInvalid');
	});

	it('fill the pattern with the running number, short name, Roman month and year', () => {
		expect(formatMinutesNumber('{n}/BA/{forum}/{month}/{year}', { n: 7, shortName: 'Forpemma', isoDate: '2021-11-08' })).toBe('7/BA/Forpemma/XI/2021');
		expect(formatMinutesNumber('{n}/BA/{forum}/{month}/{year}', { n: 12, shortName: 'TKPK Tanggamus', isoDate: '2019-10-04' })).toBe('12/BA/TKPK-Tanggamus/X/2019');
		expect(formatMinutesNumber('BA.{year}.{n}', { n: 1, shortName: 'X', isoDate: '2025-01-31' })).toBe('BA.2025.1');
	});

	it('run per forum and per year, and never hand out a number twice', async () => {
		const a = (await db.insert(forums).values({ name: 'A', shortName: 'A' }).returning())[0]!;
		const b = (await db.insert(forums).values({ name: 'B', shortName: 'B' }).returning())[0]!;
		expect([await nextMinutesNumber(db, a.id, 2025), await nextMinutesNumber(db, a.id, 2025), await nextMinutesNumber(db, a.id, 2025)]).toEqual([1, 2, 3]);
		expect(await nextMinutesNumber(db, b.id, 2025)).toBe(1);
		expect(await nextMinutesNumber(db, a.id, 2026)).toBe(1);
		await db.delete(forums).where(sql`${forums.id} in (${a.id}, ${b.id})`);
	});
});

describe('letterhead logos', () => {
	it('accept a real small PNG and JPEG, proven by embedding them', async () => {
		const png = await prepareLogo(pngLogo(), pngLogo().length);
		expect(png).toMatchObject({ mime: 'image/png', width: 96, height: 96 });
		const jpeg = await prepareLogo(jpegLogo(), jpegLogo().length);
		expect(jpeg).toMatchObject({ mime: 'image/jpeg', width: 96, height: 96 });
		expect('sha256' in png && png.sha256).toMatch(/^[0-9a-f]{64}$/);
	});

	it('refuse a GIF, a text file, a 2 MB file, broken files and an absurdly large PNG', async () => {
		const key = async (bytes: Uint8Array | null, size: number) => {
			const result = await prepareLogo(bytes, size);
			return 'error' in result ? result.error.key : 'accepted';
		};
		expect(await key(gifImage(), gifImage().length)).toBe('forum.logoType');
		const text = new TextEncoder().encode('Logo Forpemma (bukan gambar)\n');
		expect(await key(text, text.length)).toBe('forum.logoType');
		const big = new Uint8Array(2 * 1024 * 1024);
		big.set(pngLogo());
		expect(await key(big, big.length)).toBe('forum.logoTooLarge');
		expect(await key(null, 2 * 1024 * 1024)).toBe('forum.logoTooLarge');
		// A truncated PNG would send pdf-lib's decoder into an endless loop: it never gets that far.
		const broken = pngLogo().slice(0, 60);
		expect(await key(broken, broken.length)).toBe('forum.logoUnreadable');
		const cut = jpegLogo().slice(0, 30);
		expect(await key(cut, cut.length)).toBe('forum.logoUnreadable');
		expect(await key(hugePngHeader(), hugePngHeader().length)).toBe('forum.logoDimensions');
		expect(MAX_LOGO_BYTES).toBe(1024 * 1024);
	});
});

describe('area codes posted to the server', () => {
	it('are checked against the official list, with the level where one is required', async () => {
		expect(await areaCodeProblem(db, '35.77.03.1009')).toBeNull();
		expect(await areaCodeProblem(db, '35.77.03.1009', { levels: [4] })).toBeNull();
		expect(await areaCodeProblem(db, '35.77.03.9999')).toEqual({ key: 'area.unknown', params: { code: '35.77.03.9999' } });
		expect((await areaCodeProblem(db, '35.77.03.1009; drop table areas'))?.key).toBe('area.unknown');
		expect((await areaCodeProblem(db, ''))?.key).toBe('error.required');
		expect(await areaCodeProblem(db, '35.77', { levels: [4] })).toMatchObject({ key: 'area.wrongLevel', params: { name: 'Kota Madiun' } });
		expect(await errorsOf(async () => await requireKnownArea(db, '99.99', { field: 'regionCode' }))).toEqual({ regionCode: 'area.unknown' });
		expect((await requireKnownArea(db, '73.26')).name).toBe('Kabupaten Toraja Utara');
	});

	it('are found across all of Indonesia, the forum region first', async () => {
		const near = await searchVillages(db, 'taman', '35.77', 40);
		expect(near[0]?.code).toBe('35.77.03.1009');
		const inside = near.map((v) => v.code.startsWith('35.77.'));
		expect(inside.lastIndexOf(true)).toBeLessThan(inside.indexOf(false));
		expect(near.some((v) => !v.code.startsWith('35.'))).toBe(true);
		const regencies = await searchAreas(db, 'madiun', { levels: [2] });
		expect(regencies.map((r) => r.name)).toEqual(expect.arrayContaining(['Kota Madiun', 'Kabupaten Madiun']));
		expect((await searchAreas(db, '73.26', { levels: [2] }))[0]).toMatchObject({ code: '73.26', within: 'Sulawesi Selatan' });
		const toraja = await searchAreas(db, 'rantepao');
		expect(toraja[0]).toMatchObject({ level: 3, within: 'Kabupaten Toraja Utara, Sulawesi Selatan' });
	});
});

describe('the administrator’s forum form', () => {
	const forumCount = async () => (await db.select({ n: count() }).from(forums))[0]!.n;
	const logoFiles = () => {
		try {
			return readdirSync(logos).filter((f) => !f.startsWith('.'));
		} catch {
			return [];
		}
	};

	it('refuses bad input with a reason for each field, and stores nothing', async () => {
		const before = await forumCount();
		const cases: [Record<string, string>, { bytes: Uint8Array; name: string } | undefined, Record<string, string>][] = [
			[{ ...TORAJA, regionCode: '73.99' }, undefined, { regionCode: 'area.unknown' }],
			[{ ...TORAJA, regionCode: '73.26.01' }, undefined, { regionCode: 'forum.regionLevel.kabupaten' }],
			[{ ...TORAJA, regionCode: '' }, undefined, { regionCode: 'forum.regionRequired' }],
			[{ ...TORAJA, name: '   ' }, undefined, { name: 'error.required' }],
			[{ ...TORAJA, numberingPattern: 'BA/{forum}/{year}' }, undefined, { numberingPattern: 'forum.patternNeedsN' }],
			[{ ...TORAJA, villageWord: 'desa<script>' }, undefined, { villageWord: 'forum.villageWordInvalid' }],
			[{ ...TORAJA, timeZone: 'Europe/Paris' }, undefined, { timeZone: 'error.invalidChoice' }],
			[TORAJA, { bytes: new Uint8Array(2 * 1024 * 1024).fill(0x89), name: 'logo.png' }, { logo: 'forum.logoTooLarge' }],
			[TORAJA, { bytes: gifImage(), name: 'logo.gif' }, { logo: 'forum.logoType' }],
			[TORAJA, { bytes: new TextEncoder().encode('bukan gambar'), name: 'logo.png' }, { logo: 'forum.logoType' }],
			// The other fields are fine, but a bad logo alone keeps the forum (and the logo) out.
			[{ ...TORAJA, name: '' }, { bytes: pngLogo(), name: 'logo.png' }, { name: 'error.required' }]
		];
		for (const [fields, logo, expected] of cases) expect(await asyncErrorsOf(() => createForum(db, forumForm(fields, logo))), JSON.stringify(expected)).toMatchObject(expected);
		expect(await forumCount()).toBe(before);
		expect(logoFiles()).toEqual([]);
	});

	it('creates a forum from its region, with overrides, and keeps short names apart', async () => {
		const forum = await createForum(db, forumForm(TORAJA, { bytes: pngLogo(), name: 'logo.png', type: 'image/png' }));
		expect(forum).toMatchObject({
			name: TORAJA.name,
			shortName: 'FMTU',
			level: 'kabupaten',
			regencyCode: '73.26',
			timeZone: 'Asia/Makassar',
			villageWord: 'lembang',
			place: 'Rantepao',
			logoMime: 'image/png',
			secretariatAddress: TORAJA.secretariatAddress
		});
		expect(logoFiles()).toEqual([forum.logoSha256]);
		expect(await asyncErrorsOf(() => createForum(db, forumForm({ ...TORAJA, shortName: 'fmtu' })))).toEqual({ shortName: 'forum.shortNameTaken' });

		// Left empty, place, zone and word follow the region; a new region re-derives them.
		const derived = await createForum(db, forumForm({ name: 'Forum Sikka', shortName: 'FS', level: 'kabupaten', regionCode: '53.07' }));
		expect(derived).toMatchObject({ timeZone: 'Asia/Makassar', villageWord: 'desa', place: 'Sikka', numberingPattern: '{n}/BA/{forum}/{month}/{year}' });
		const moved = await updateForum(db, derived.id, forumForm({ name: 'Forum Jayawijaya', shortName: 'FS', level: 'kabupaten', regionCode: '95.01' }));
		expect(moved).toMatchObject({ timeZone: 'Asia/Jayapura', villageWord: 'kampung', regencyCode: '95.01' });
		const unchanged = await asyncErrorsOf(() => updateForum(db, derived.id, forumForm({ name: 'Forum Jayawijaya', shortName: 'FS', level: 'provinsi', regionCode: '95.01' })));
		expect(unchanged).toEqual({ regionCode: 'forum.regionLevel.provinsi' });
		expect((await db.select().from(forums).where(eq(forums.id, derived.id)))[0]?.level).toBe('kabupaten');
	});

	it('lists only listed programmes on the front door', async () => {
		const forum = (await db.select().from(forums).where(eq(forums.shortName, 'FMTU')))[0]!;
		await db.insert(programmes).values({ forumId: forum.id, name: 'Program Lembang Mandiri' });
		await db.insert(programmes).values({ forumId: forum.id, name: 'Program Internal', listed: false });
		const listed = (await listedProgrammes(db)).find((f) => f.id === forum.id);
		expect(listed?.programmes.map((p) => p.name)).toEqual(['Program Lembang Mandiri']);
	});
});

describe('a WITA forum’s sealed berita acara', () => {
	let pdfPath: string;
	let text: string;
	let live: Db;
	let forumId: number;

	beforeAll(async () => {
		live = getDb();
		await importAreas(live);
		const forum = await createForum(live, forumForm(TORAJA, { bytes: pngLogo(), name: 'logo.png' }));
		forumId = forum.id;
		const village = (await live
			.select()
			.from(areas)
			.where(and(eq(areas.level, 4), like(areas.code, '73.26.%'), sql`substr(${areas.code}, 10, 1) = '2'`))
			.orderBy(areas.code))[0]!;
		const programme = (await live.insert(programmes).values({ forumId, name: 'Program Lembang Mandiri' }).returning())[0]!;
		await live.insert(pilotSites).values({ programmeId: programme.id, areaCode: village.code });
		const workshop = (await live
			.insert(workshops)
			.values({ forumId, programmeId: programme.id, title: 'Lokakarya Penyepakatan Peran Parapihak Lembang Mandiri', date: '2025-03-12', startTime: '10:00', place: 'Aula Kantor Bupati Toraja Utara', status: 'closed' })
			.returning())[0]!;
		const people: [string, string, string][] = [
			['Bappelitbangda Toraja Utara', 'Yohana Pasorong', 'Kepala Bidang'],
			['Yayasan Tondok', 'Markus Rante', 'Direktur']
		];
		for (const [i, [inst, name, jabatan]] of people.entries()) {
			const institution = (await live.insert(institutions).values({ forumId, officialName: inst, shortName: inst, sector: i ? 'komunitas' : 'pemerintah' }).returning())[0]!;
			const person = (await live.insert(persons).values({ forumId, name, gender: 'P' }).returning())[0]!;
			await live.insert(attendance)
				.values({
					workshopId: workshop.id,
					institutionId: institution.id,
					personId: person.id,
					name,
					nameKey: name.toLowerCase(),
					jabatan,
					institutionName: inst,
					sector: institution.sector,
					gender: 'P',
					// 02:40 UTC is 10.40 in Rantepao.
					checkedInAt: new Date(Date.UTC(2025, 2, 12, 2, 40 + i)),
					confirmedAt: new Date(Date.UTC(2025, 2, 12, 2, 40 + i))
				});
		}
		const w = (await getWorkshop(live, workshop.id))!;
		await ensureMinutesDraft(live, w);
		const version = await finalizeMinutes(live, w, null);
		const strokes = JSON.stringify({ width: 300, height: 120, strokes: [[[10, 60], [80, 20], [150, 90], [290, 30]]] });
		for (const s of await listSigners(live, version.id))
			await signMinutes(live, s.linkToken, { consent: 'on', strokes, shownHash: version.textHash }, { ip: '10.0.0.7', userAgent: 'Firefox/128', participantAttendanceId: null }, new Date('2025-03-12T04:15:00Z'));
		const sealed = await sealWorkshopMinutes(live, w, 'http://192.168.1.10:3000');
		pdfPath = join(work, 'ba.pdf');
		writeFileSync(pdfPath, sealed.pdf);
		text = execFileSync('pdftotext', ['-layout', pdfPath, '-'], { encoding: 'utf8' }).replace(/\s+/g, ' ');
	});

	it('carries the forum’s letterhead, number, place, village word and time zone', async () => {
		const version = (await currentMinutesVersion(live, (await live.select().from(workshops).where(eq(workshops.forumId, forumId)))[0]!.id))!;
		expect(version.nomor).toBe('1/BA-FMTU/III/2025');
		expect(minutesContent(version)).toMatchObject({ timeZone: 'Asia/Makassar', villageWord: 'lembang', placeAndDate: 'Rantepao, 12 Maret 2025' });
		expect(text).toContain('FORUM MULTIPIHAK TORAJA UTARA');
		expect(text).toContain('Jl. Ahmad Yani, Rantepao');
		expect(text).toContain('Nomor: 1/BA-FMTU/III/2025');
		expect(text).toContain('pukul 10.00 WITA');
		expect(text).toMatch(/Menyepakati lokasi piloting di Lembang \w+/);
		expect(text).toContain('Rantepao, 12 Maret 2025');
		expect(text).toContain('10.40 WITA'); // daftar hadir
		expect(text).toContain('Rabu, 12 Maret 2025 pukul 12.15 WITA'); // signed at, audit page
		expect(text).not.toContain('WIB');
	});

	it('embeds the logo, passes pdfsig and qpdf, and is sealed in the forum’s name', () => {
		const images = execFileSync('pdfimages', ['-list', pdfPath], { encoding: 'utf8' }).trim().split('\n').slice(2);
		expect(images.length).toBeGreaterThanOrEqual(1);
		expect(images[0]).toMatch(/\s96\s+96\s/);
		const sig = spawnSync('pdfsig', [pdfPath], { encoding: 'utf8' });
		expect(sig.stdout).toContain('Signature is Valid');
		expect(sig.stdout).toContain('Total document signed');
		expect(spawnSync('qpdf', ['--check', pdfPath], { encoding: 'utf8' }).status).toBe(0);
		const [seal] = inspectPdfSignatures(new Uint8Array(readFileSync(pdfPath)), [{ fingerprint: 'none' }]).signatures;
		expect(seal?.signerCommonName).toBe('Forum Multipihak Toraja Utara');
		expect(sealCommonName({ name: 'Forum Ma’ruf — Séko', shortName: 'x' })).toBe("Forum Ma'ruf - Seko");
	});

	it('renders a letterhead preview in the same identity', async () => {
		const forum = (await live.select().from(forums).where(eq(forums.id, forumId)))[0]!;
		const pdf = await renderMinutesPdf(await letterheadPreview(live, forum, 'http://mufakat.test', new Date('2025-06-02T01:00:00Z')));
		const file = join(work, 'kop.pdf');
		writeFileSync(file, pdf);
		const preview = execFileSync('pdftotext', ['-layout', file, '-'], { encoding: 'utf8' }).replace(/\s+/g, ' ');
		expect(preview).toContain('FORUM MULTIPIHAK TORAJA UTARA');
		expect(preview).toContain('2/BA-FMTU/VI/2025');
		expect(preview).toContain('pukul 09.00 WITA');
		expect(preview).toMatch(/Sebutan desa di wilayah forum: Lembang, misalnya Lembang \w+/);
		expect(preview).toContain('Rantepao, 2 Juni 2025');
		expect(execFileSync('pdfimages', ['-list', file], { encoding: 'utf8' }).trim().split('\n').length).toBeGreaterThanOrEqual(3);
	});
});
