import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lastFinishedPeriod, parsePeriod, periodCode } from '../../src/lib/commitments/periods';
import { translate } from '../../src/lib/i18n/translate';
import { importAreas } from '../../src/lib/server/areas';
import { applyCommitmentImport, checkCommitmentImport } from '../../src/lib/server/commitments/import-commitments';
import { dueReports, reporterOverview } from '../../src/lib/server/commitments/due-reports';
import { reportsForPage, returnReport, submitReport, suggestedPeriod, unitCountsPeople, type Reporter } from '../../src/lib/server/commitments/progress';
import { issueReportingLink, ReportingLinkRefused, resolveReportingLink, revokeReportingLink } from '../../src/lib/server/commitments/reporting-links';
import type { Db } from '../../src/lib/server/db/client';
import { beneficiaryCounts, commitments, commitmentSites, evidenceFiles, institutions, progressReports, users, workshops } from '../../src/lib/server/db/schema';
import { seedDemo } from '../../src/lib/server/demo';
import { seedDemoCommitments } from '../../src/lib/server/demo-commitments';
import { commitmentChangesSince } from '../../src/lib/server/commitments/rollups';
import { InputError } from '../../src/lib/server/validation';
import { memoryDb } from '../helpers/db';
import { pngLogo } from '../helpers/images';

let db: Db;
let evidenceDir: string;
const NOW = new Date('2026-12-07T03:00:00Z');

beforeAll(async () => {
	db = await memoryDb();
	await importAreas(db);
	await seedDemo(db);
	await seedDemoCommitments(db);
	evidenceDir = mkdtempSync(join(tmpdir(), 'mufakat-reporting-test-'));
});
afterAll(() => rmSync(evidenceDir, { recursive: true, force: true }));

const institutionId = async (shortName: string) => (await db.select().from(institutions).where(and(eq(institutions.forumId, 1), eq(institutions.shortName, shortName))))[0]!.id;
/** Demo commitment 3 of forum 1: 120 kader trained ("orang"), led by YBN, in Kelurahan Taman and Demangan. */
const training = async () => (await db.select().from(commitments).where(and(eq(commitments.forumId, 1), eq(commitments.number, '3'))))[0]!;
const TAMAN = '35.77.03.1009';
const DEMANGAN = '35.77.03.1008';
const counts = async () => ({
	reports: (await db.select().from(progressReports)).length,
	beneficiaries: (await db.select().from(beneficiaryCounts)).length,
	evidence: (await db.select().from(evidenceFiles)).length
});

function reportForm(values: Record<string, string>, files: { name: string; bytes: Uint8Array }[] = []): FormData {
	const f = new FormData();
	for (const [k, v] of Object.entries({ periodType: 'quarter', periodYear: '2026', periodIndex: '2', reporterName: 'Eko Purnomo', flag: 'on_track', ...values })) f.set(k, v);
	for (const file of files) f.append('evidence', new Blob([new Uint8Array(file.bytes)], { type: 'image/png' }), file.name);
	return f;
}

/** The message a refusal shows in Indonesian, per field. */
async function refusal(run: () => Promise<unknown>): Promise<Record<string, string>> {
	try {
		await run();
	} catch (e) {
		if (e instanceof InputError) return Object.fromEntries(Object.entries(e.errors).map(([f, m]) => [f, translate('id', m.key, m.params)]));
		throw e;
	}
	throw new Error('expected a refusal');
}

async function linkReporter(): Promise<Extract<Reporter, { kind: 'link' }>> {
	const { link } = await issueReportingLink(db, 1, null, { institutionId: String(await institutionId('YBN')) }, NOW);
	return { kind: 'link', institutionId: link.institutionId, linkId: link.id, name: '' };
}

describe('period codes', () => {
	it('reads Indonesian triwulan and semester codes and the English ones', () => {
		expect(parsePeriod('2026-T1')).toEqual({ type: 'quarter', year: 2026, index: 1 });
		expect(parsePeriod('2026-t4')).toEqual({ type: 'quarter', year: 2026, index: 4 });
		expect(parsePeriod('2026-S2')).toEqual({ type: 'semester', year: 2026, index: 2 });
		expect(parsePeriod('2026-Q3')).toEqual({ type: 'quarter', year: 2026, index: 3 });
		expect(parsePeriod('2026-H1')).toEqual({ type: 'semester', year: 2026, index: 1 });
		expect(parsePeriod('2026-05')).toEqual({ type: 'month', year: 2026, index: 5 });
		expect(parsePeriod('2026-T5')).toBeNull();
		expect(parsePeriod('2026-S3')).toBeNull();
	});

	it('writes the Indonesian codes', () => {
		expect(periodCode({ type: 'quarter', year: 2026, index: 1 })).toBe('2026-T1');
		expect(periodCode({ type: 'semester', year: 2026, index: 2 })).toBe('2026-S2');
	});

	it('defaults to the last finished period, not the current unfinished one', async () => {
		expect(lastFinishedPeriod('quarter', new Date('2026-12-07T00:00:00Z'))).toEqual({ type: 'quarter', year: 2026, index: 3 });
		expect(lastFinishedPeriod('quarter', new Date('2026-02-10T00:00:00Z'))).toEqual({ type: 'quarter', year: 2025, index: 4 });
		expect(lastFinishedPeriod('quarter', new Date('2026-03-31T12:00:00Z'))).toEqual({ type: 'quarter', year: 2026, index: 1 });
		expect(lastFinishedPeriod('semester', new Date('2026-12-07T00:00:00Z'))).toEqual({ type: 'semester', year: 2026, index: 1 });
		const fresh = (await db.insert(commitments).values({ forumId: 1, number: '99', statement: 'Komitmen tanpa laporan' }).returning())[0]!;
		expect(await suggestedPeriod(db, fresh.id, NOW)).toEqual({ type: 'quarter', year: 2026, index: 3 });
		await db.delete(commitments).where(eq(commitments.id, fresh.id));
	});
});

describe('reporting links', () => {
	it('refuses a re-issued and a revoked link, and a token nobody issued', async () => {
		const first = await issueReportingLink(db, 1, null, { institutionId: String(await institutionId('UMMAD')) }, NOW);
		expect((await resolveReportingLink(db, first.token)).id).toBe(first.link.id);
		const second = await issueReportingLink(db, 1, null, { institutionId: String(await institutionId('UMMAD')) }, NOW);
		await expect(resolveReportingLink(db, first.token)).rejects.toThrow(ReportingLinkRefused);
		expect((await resolveReportingLink(db, second.token)).id).toBe(second.link.id);
		await revokeReportingLink(db, 1, null, { institutionId: String(await institutionId('UMMAD')) }, NOW);
		try {
			await resolveReportingLink(db, second.token);
			expect.unreachable();
		} catch (e) {
			expect((e as ReportingLinkRefused).reason).toBe('revoked');
		}
		await expect(resolveReportingLink(db, 'bukan-token')).rejects.toThrow(ReportingLinkRefused);
	});

	it('is issued only to an institution leading or supporting a commitment of the forum', async () => {
		const outsider = (await db.insert(institutions).values({ forumId: 1, officialName: 'Lembaga Tanpa Komitmen', shortName: 'LTK', sector: 'komunitas' }).returning())[0]!;
		const errors = await refusal(async () => await issueReportingLink(db, 1, null, { institutionId: String(outsider.id) }, NOW));
		expect(errors.institutionId).toContain('tidak memegang atau mendukung komitmen');
	});
});

describe('bad report input through a link: a clear message and nothing stored', () => {
	it('refuses beneficiaries by desa summing to more than the realisation when the unit counts people', async () => {
		expect(unitCountsPeople((await training()).unit)).toBe(true);
		expect(unitCountsPeople('kelurahan')).toBe(false);
		expect(unitCountsPeople('rumah tangga')).toBe(false);
		const before = await counts();
		const errors = await refusal(async () =>
			submitReport(db, await training(), await linkReporter(), reportForm({ realisation: '100', [`ben.${TAMAN}.L`]: '40', [`ben.${TAMAN}.P`]: '35', [`ben.${DEMANGAN}.P`]: '30' }), { evidenceDir, now: NOW })
		);
		expect(errors.beneficiaries).toBe('Jumlah penerima manfaat (105) melebihi realisasi (100 orang). Periksa angka per desa/kelurahan.');
		expect(await counts()).toEqual(before);
	});

	it('refuses a desa outside the commitment’s sites', async () => {
		const before = await counts();
		const errors = await refusal(async () => submitReport(db, await training(), await linkReporter(), reportForm({ realisation: '100', 'ben.35.77.01.1001.L': '5' }), { evidenceDir, now: NOW }));
		expect(errors.beneficiaries).toContain('bukan lokasi komitmen ini');
		expect(await counts()).toEqual(before);
	});

	it('refuses a negative count', async () => {
		const before = await counts();
		const errors = await refusal(async () => submitReport(db, await training(), await linkReporter(), reportForm({ realisation: '100', [`ben.${TAMAN}.P`]: '-3' }), { evidenceDir, now: NOW }));
		expect(errors.beneficiaries).toBe('Jumlah penerima manfaat tidak boleh negatif.');
		expect(await counts()).toEqual(before);
	});

	it('refuses a period after today', async () => {
		const before = await counts();
		const errors = await refusal(async () => submitReport(db, await training(), await linkReporter(), reportForm({ realisation: '100', periodYear: '2027', periodIndex: '1' }), { evidenceDir, now: NOW }));
		expect(errors.periodIndex).toContain('Periode ini belum dimulai');
		expect(await counts()).toEqual(before);
	});

	it('asks a link reporter for their name', async () => {
		const before = await counts();
		const errors = await refusal(async () => submitReport(db, await training(), await linkReporter(), reportForm({ realisation: '100', reporterName: '' }), { evidenceDir, now: NOW }));
		expect(errors.reporterName).toBe(translate('id', 'error.required'));
		expect(await counts()).toEqual(before);
	});
});

describe('the review loop with beneficiaries and evidence', () => {
	it('stores beneficiaries by desa and sex, a file once per hash, and keeps each revision through return and resubmission', async () => {
		const reporter = await linkReporter();
		const photo = pngLogo(64, 48);
		const filesBefore = readdirSync(evidenceDir).length;
		const first = await submitReport(
			db,
			await training(),
			reporter,
			reportForm({ realisation: '100', narrative: 'Angkatan 5 dan 6', [`ben.${TAMAN}.L`]: '30', [`ben.${TAMAN}.P`]: '25', [`ben.${DEMANGAN}.P`]: '20' }, [
				{ name: 'pelatihan.png', bytes: photo },
				{ name: 'pelatihan-lagi.png', bytes: photo }
			]),
			{ evidenceDir, now: NOW }
		);
		expect(first.status).toBe('submitted');
		expect(await db.select().from(evidenceFiles).where(eq(evidenceFiles.reportId, first.id))).toHaveLength(1);
		expect(readdirSync(evidenceDir).length).toBe(filesBefore + 1);
		expect(
			await db
				.select({ area: beneficiaryCounts.areaCode, sex: beneficiaryCounts.sex, count: beneficiaryCounts.count })
				.from(beneficiaryCounts)
				.where(eq(beneficiaryCounts.reportId, first.id))
		).toEqual([
			{ area: TAMAN, sex: 'L', count: 30 },
			{ area: TAMAN, sex: 'P', count: 25 },
			{ area: DEMANGAN, sex: 'P', count: 20 }
		]);

		const secretariat = (await db.select().from(users).where(eq(users.email, 'sekretariat@mufakat.test')))[0]!;
		const missingReason = await refusal(async () => await returnReport(db, 1, first.id, secretariat.id, { reason: '' }, NOW));
		expect(missingReason.reason).toBe(translate('id', 'error.required'));
		await returnReport(db, 1, first.id, secretariat.id, { reason: 'Foto daftar hadir belum ada.' }, new Date('2026-12-08T03:00:00Z'));
		const overview = await reporterOverview(db, 1, reporter.institutionId, NOW);
		expect(overview.commitments[0]!.returned).toMatchObject([{ reason: 'Foto daftar hadir belum ada.' }]);
		expect(await suggestedPeriod(db, (await training()).id, NOW)).toEqual({ type: 'quarter', year: 2026, index: 2 });

		// Resubmitted with the same photo again and a corrected figure: one file still, a new revision, no current return note.
		const again = await submitReport(
			db,
			await training(),
			reporter,
			reportForm({ realisation: '104', narrative: 'Angkatan 5 dan 6, dengan daftar hadir', [`ben.${TAMAN}.L`]: '30', [`ben.${TAMAN}.P`]: '25', [`ben.${DEMANGAN}.P`]: '24' }, [
				{ name: 'pelatihan.png', bytes: photo }
			]),
			{ evidenceDir, now: new Date('2026-12-09T03:00:00Z') }
		);
		expect(again.id).toBe(first.id);
		expect(again.status).toBe('submitted');
		expect(again.returnReason).toBeNull();
		expect(await db.select().from(evidenceFiles).where(eq(evidenceFiles.reportId, first.id))).toHaveLength(1);
		const page = (await reportsForPage(db, await training())).find((r) => r.id === first.id)!;
		expect(page.history.map((h) => h.action)).toEqual(['resubmit', 'return', 'submit']);
		expect(page.history.at(-1)).toMatchObject({ realisation: 100, narrative: 'Angkatan 5 dan 6', byName: 'Eko Purnomo', beneficiaryTotal: 75 });
		expect(page.history[1]!.returnReason).toBe('Foto daftar hadir belum ada.');
		expect(page.history[0]).toMatchObject({ realisation: 104, beneficiaryTotal: 79, returnReason: null });
		const trainingId = (await training()).id;
		expect((await reporterOverview(db, 1, reporter.institutionId, NOW)).commitments.find((c) => c.id === trainingId)!.returned).toEqual([]);
	});
});

describe('due reports', () => {
	it('lists institutions whose report for the last finished triwulan is missing or returned, with a message carrying the link', async () => {
		const { token } = await issueReportingLink(db, 1, null, { institutionId: String(await institutionId('Disnaker KUKM')) }, NOW);
		const due = await dueReports(db, { id: 1, shortName: 'Forpemma' }, 'https://mufakat.example', NOW);
		expect(due.periodCode).toBe('2026-T3');
		const disnaker = due.institutions.find((i) => i.shortName === 'Disnaker KUKM');
		expect(disnaker?.link).toBe(`https://mufakat.example/r/${token}`);
		expect(disnaker?.message).toContain('Triwulan III 2026');
		expect(disnaker?.message).toContain(`https://mufakat.example/r/${token}`);
	});
});

describe('commitments CSV import', () => {
	const count = async () => (await db.select().from(commitments).where(eq(commitments.programmeId, 1))).length;

	it('checks every row without writing, naming each bad row', async () => {
		const before = await count();
		const csv = [
			'Nomor;Komitmen;Jenis;Satuan;Target;Tenggat;Penanggung jawab;Anggaran;Sumber dana',
			'20;Melatih 128 penerima manfaat keterampilan menjahit;numerik;orang;128;2026-12-31;Disnaker KUKM;Rp 150.000.000;APBD',
			'21;;numerik;orang;42;2026-12-31;YBN;;',
			'22;Pendampingan UMKM;tonggak;;;31-12-2026;Lembaga Entah;;',
			'1;Komitmen bernomor ganda;;;;;;;'
		].join('\n');
		const check = await checkCommitmentImport(db, 1, 1, csv);
		expect(check.rows.map((r) => r.row)).toEqual([2]);
		expect(check.rows[0]).toMatchObject({ number: '20', budgetRupiah: 150_000_000, fundingSource: 'APBD', type: 'numeric', targetValue: 128 });
		expect(check.problems.map((p) => [p.row, p.column, p.message.key])).toEqual([
			[3, 'statement', 'error.required'],
			[4, 'deadline', 'error.invalidDate'],
			[4, 'lead', 'import.unknownInstitution'],
			[5, 'number', 'import.numberTaken']
		]);
		await expect(applyCommitmentImport(db, 1, 1, csv)).rejects.toThrow(InputError);
		expect(await count()).toBe(before);
	});

	it('adds every commitment of a good file at once, numbering rows that have no number', async () => {
		const before = await count();
		const csv = 'Komitmen,Satuan,Target,Penanggung jawab\nMelatih 42 penyandang disabilitas,orang,42,YBN\nMenyusun perwal pemberdayaan,,,Bappelitbangda\n';
		expect(await applyCommitmentImport(db, 1, 1, csv)).toEqual({ applied: 2 });
		expect(await count()).toBe(before + 2);
		const added = (await db.select().from(commitments).where(eq(commitments.statement, 'Melatih 42 penyandang disabilitas')))[0]!;
		expect(added.leadInstitutionId).toBe(await institutionId('YBN'));
		expect(Number(added.number)).toBeGreaterThan(0);
	});
});

describe('follow-up review', () => {
	it('does not call a commitment new when the previous meeting agreed it, even if it was entered after that meeting', async () => {
		const meeting = (await db.select().from(workshops).where(eq(workshops.id, 1)))[0]!;
		const agreed = (await db
			.insert(commitments)
			.values({ forumId: 1, programmeId: 1, workshopId: meeting.id, number: '77', statement: 'Disepakati di lokakarya, dicatat sesudahnya', createdAt: new Date(`${meeting.date}T00:00:00Z`.replace(/^(\d{4})/, (y) => String(Number(y) + 1))) })
			.returning())[0]!;
		await db.insert(commitmentSites).values({ commitmentId: agreed.id, areaCode: TAMAN });
		const changes = await commitmentChangesSince(db, 1, meeting.date);
		expect(changes.some((c) => c.kind === 'new' && c.statement.includes('Disepakati di lokakarya'))).toBe(false);
		await db.delete(commitments).where(eq(commitments.id, agreed.id));
	});
});
