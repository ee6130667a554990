import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseDecimal, parsePeriod } from '../../src/lib/commitments/periods';
import { importAreas } from '../../src/lib/server/areas';
import { applyProgressImport, checkProgressImport, parseCsvRecords } from '../../src/lib/server/commitments/commitment-import';
import {
	applyDerivedTarget,
	createCommitmentsFromText,
	derivedTarget,
	getCommitment,
	getCommitmentDetail,
	promoteCellToCommitment,
	updateCommitment
} from '../../src/lib/server/commitments/commitments';
import type { Db } from '../../src/lib/server/db/client';
import { commitments, evidenceFiles, institutions, matrixCells, matrixVersions, progressReportRevisions, progressReports, users } from '../../src/lib/server/db/schema';
import { seedDemo } from '../../src/lib/server/demo';
import { seedDemoCommitments } from '../../src/lib/server/demo-commitments';
import { MAX_EVIDENCE_BYTES, prepareEvidence } from '../../src/lib/server/commitments/evidence';
import { achievementOf, reportsForPage, returnReport, submitReport, verifyReport } from '../../src/lib/server/commitments/progress';
import { revisionsOf } from '../../src/lib/server/commitments/report-revisions';
import { commitmentChangesSince, programmeDashboard } from '../../src/lib/server/commitments/rollups';
import { describeCommitmentChange } from '../../src/lib/commitments/changes';
import { translate, type Locale } from '../../src/lib/i18n/translate';
import { InputError } from '../../src/lib/server/validation';
import { memoryDb } from '../helpers/db';

let db: Db;
let evidenceDir: string;
const TODAY = '2026-11-26';

beforeAll(async () => {
	db = await memoryDb();
	await importAreas(db);
	await seedDemo(db);
	await seedDemoCommitments(db);
	evidenceDir = mkdtempSync(join(tmpdir(), 'mufakat-evidence-test-'));
});
afterAll(() => rmSync(evidenceDir, { recursive: true, force: true }));

const numeric = { type: 'numeric' as const, direction: 'up' as const, baselineValue: null, targetValue: null, targetDerivation: null };
const demo = async (forumId: number, number: string) =>
	(await db.select().from(commitments).where(and(eq(commitments.forumId, forumId), eq(commitments.number, number))))[0]!;
const reportCount = async () => (await db.select().from(progressReports)).length;
const institutionId = async (forumId: number, shortName: string) =>
	(await db.select().from(institutions).where(and(eq(institutions.forumId, forumId), eq(institutions.shortName, shortName))))[0]!.id;

describe('achievement arithmetic', () => {
	it('measures growth from the baseline towards the target, keeping the raw value beyond 100 %', () => {
		const pilots = { ...numeric, baselineValue: 2, targetValue: 4 };
		expect(achievementOf(pilots, 3)).toEqual({ raw: 50, display: 50, missing: null });
		expect(achievementOf(pilots, 4).raw).toBe(100);
		expect(achievementOf(pilots, 5)).toEqual({ raw: 150, display: 100, missing: null });
		expect(achievementOf(pilots, 1)).toEqual({ raw: -50, display: 0, missing: null });
	});

	it('counts a missing baseline as zero for direction up, and cannot measure direction down without one', () => {
		expect(achievementOf({ ...numeric, targetValue: 120 }, 80).raw).toBeCloseTo(66.667, 2);
		expect(achievementOf({ ...numeric, direction: 'down', targetValue: 350 }, 368)).toEqual({ raw: null, display: null, missing: 'noBaseline' });
	});

	it('measures reduction for direction down', () => {
		const poverty = { ...numeric, direction: 'down' as const, baselineValue: 412, targetValue: 350 };
		expect(achievementOf(poverty, 368).raw).toBeCloseTo(70.968, 2);
		expect(achievementOf(poverty, 350).raw).toBe(100);
		expect(achievementOf(poverty, 420).display).toBe(0);
	});

	it('says why there is no figure: no report, no target, a target equal to the baseline', () => {
		expect(achievementOf({ ...numeric, targetValue: 5 }, null).missing).toBe('noReport');
		expect(achievementOf({ ...numeric, baselineValue: 2 }, 3).missing).toBe('noTarget');
		expect(achievementOf({ ...numeric, baselineValue: 4, targetValue: 4 }, 4).missing).toBe('targetIsBaseline');
	});

	it('treats milestones and policies as done or not done', () => {
		expect(achievementOf({ ...numeric, type: 'policy' }, 1).raw).toBe(100);
		expect(achievementOf({ ...numeric, type: 'milestone' }, 0).raw).toBe(0);
	});

	it('reads a target derived "minus the baseline" as what must be added', () => {
		const bumdes = { ...numeric, baselineValue: 132, targetValue: 170, targetDerivation: { areaCode: '18.06', minusBaseline: true } };
		expect(achievementOf(bumdes, 163).raw).toBeCloseTo((31 / 170) * 100, 6);
		expect(achievementOf(bumdes, 302).raw).toBe(100);
	});

	it('reads numbers and periods as Indonesian offices write them', () => {
		expect(parseDecimal('1.250')).toBe(1250);
		expect(parseDecimal('12,5')).toBe(12.5);
		expect(parseDecimal('1.234,5')).toBe(1234.5);
		expect(parseDecimal('2.5')).toBe(2.5);
		expect(parseDecimal('dua')).toBeNull();
		expect(parsePeriod('2023-T2')).toEqual({ type: 'quarter', year: 2023, index: 2 });
		expect(parsePeriod('2023-S2')).toEqual({ type: 'semester', year: 2023, index: 2 });
		expect(parsePeriod('2023-05')).toEqual({ type: 'month', year: 2023, index: 5 });
		expect(parsePeriod('2023-Q5')).toBeNull();
	});
});

describe('roll-ups of the demo programme', () => {
	it('rolls up per kelurahan, institution, component and sector; flags the stalled, overdue training', async () => {
		const d = (await programmeDashboard(db, 1, { today: TODAY }))!;
		const pilots = d.commitments.find((c) => c.number === '1')!;
		expect(pilots.achievement.raw).toBe(100);
		expect(pilots.series.map((p) => p.realisation)).toEqual([2, 2, 3, 3, 4, 4, 4]);
		const training = d.commitments.find((c) => c.number === '3')!;
		expect(training.stalled).toBe(true);
		expect(training.overdue).toBe(true);
		expect(d.stalled.map((c) => c.number)).toEqual(['3']);
		expect(d.overdue.map((c) => c.number)).toEqual(['3']);

		// Taman hosts commitments 1, 3, 5 and 6; only 3 reports kader per kelurahan (2023-Q3: 19 L, 23 P).
		// No mean per site: a commitment's percentage is programme-wide.
		const taman = d.rollups.byKelurahan.find((r) => r.key === '35.77.03.1009')!;
		expect(taman.commitments).toBe(4);
		expect(taman.meanAchievement).toBeNull();
		expect(taman.reach).toEqual({ male: 19, female: 23, total: 42, reporting: 1 });
		expect(taman.stage).toBe('piloting');
		const kuncen = d.rollups.byKelurahan.find((r) => r.key === '35.77.03.1004')!;
		expect(kuncen.stage).toBe('replication');
		expect(kuncen.reach).toBeNull();

		const bappelitbangda = d.rollups.byInstitution.find((r) => r.label === 'Bappelitbangda')!;
		expect(bappelitbangda.commitments).toBe(3);
		expect(bappelitbangda.supporting).toBe(1);
		expect(d.rollups.bySector.find((r) => r.key === 'pemerintah')!.commitments).toBe(6);
		expect(d.rollups.byComponent.reduce((n, r) => n + r.commitments, 0)).toBe(8);
		expect(d.totals.incomplete).toBe(1);
	});

	it('leaves unverified reports out of the public figures', async () => {
		const staff = (await programmeDashboard(db, 1, { today: TODAY }))!.commitments.find((c) => c.number === '4')!;
		const open = (await programmeDashboard(db, 1, { today: TODAY, verifiedOnly: true }))!.commitments.find((c) => c.number === '4')!;
		expect(staff.latest?.realisation).toBe(22);
		expect(open.latest?.realisation).toBe(18);
		expect(open.achievement.raw).toBeCloseTo((18 / 27) * 100, 6);
		expect(open.pendingVerification).toBe(0);
	});

	it('tells a follow-up workshop what changed since the last meeting, one sentence per commitment, in the reader’s language', async () => {
		const worded = async (locale: Locale, since = '2021-11-08') =>
			(await commitmentChangesSince(db, 1, since)).map((c) => describeCommitmentChange(c, (key, params) => translate(locale, key, params), locale));
		const changes = await worded('id');
		expect(changes).toContain('Lokasi piloting: 2 → 4 (target 4)');
		expect(changes).toContain('Kelurahan yang menyepakati replikasi: 0 → 23 (target 23)');
		expect(changes).toContain('SK Wali Kota terbit: belum selesai → selesai');
		expect(changes.find((s) => s.startsWith('Kelurahan dengan profil UMKM lapak'))).toBe('Kelurahan dengan profil UMKM lapak: 0 → 22 (target 27) — belum diverifikasi');
		expect((await worded('id', '2024-06-30')).some((s) => s.startsWith('Lokasi piloting'))).toBe(false);
		// The forum's own words stay as written; what the app adds is English.
		const english = await worded('en');
		expect(english).toContain('SK Wali Kota terbit: not done → done');
		expect(english.find((s) => s.startsWith('Kelurahan dengan profil UMKM lapak'))).toBe('Kelurahan dengan profil UMKM lapak: 0 → 22 (target 27) — not yet verified');
		expect(english.join('\n')).not.toMatch(/belum|selesai|Komitmen baru/);
	});
});

describe('commitments from the meeting and from the frozen matrix', () => {
	it('seeds the demo once: 8 Madiun commitments, and Tanggamus’ 11 with 3 baselines and no deadline', async () => {
		expect(await seedDemoCommitments(db)).toBe(false);
		const tanggamus = await db.select().from(commitments).where(eq(commitments.forumId, 2));
		expect(tanggamus).toHaveLength(11);
		expect(tanggamus.filter((c) => c.baselineValue != null).map((c) => c.baselineValue)).toEqual([132, 2, 70]);
		expect(tanggamus.filter((c) => c.targetDeadline)).toHaveLength(0);
		expect(await db.select().from(commitments).where(eq(commitments.forumId, 1))).toHaveLength(8);
	});

	it('derives the BUMDes target from the official pekon count minus the baseline', async () => {
		const count = (await derivedTarget(db, '18.06', 132))!;
		expect(count.villages).toBe(302);
		expect(count.target).toBe(170);
		expect((await demo(2, '1')).targetValue).toBe(170);
		expect(await derivedTarget(db, '18.06.20.2005', 0)).toBeNull();

		const [c] = await createCommitmentsFromText(db, 2, { statements: 'Posyandu di setiap pekon yang belum memilikinya', programmeId: '2' });
		await expect(applyDerivedTarget(db, 2, c!.id, { areaCode: '99.99' })).rejects.toThrow(InputError);
		const form = { number: c!.number, statement: c!.statement, programmeId: '2', type: 'numeric', baselineValue: '250', direction: 'up', status: 'active' };
		await updateCommitment(db, 2, c!.id, form);
		expect((await applyDerivedTarget(db, 2, c!.id, { areaCode: '18.06' })).target).toBe(52);
		// A new baseline re-derives the target while nobody typed over it.
		await updateCommitment(db, 2, c!.id, { ...form, baselineValue: '260', targetValue: '52' });
		expect((await getCommitment(db, 2, c!.id))!.targetValue).toBe(42);
	});

	it('takes plain text now and prompts for what is missing later', async () => {
		const created = await createCommitmentsFromText(db, 2, { statements: '1. Rapat TKPK setiap triwulan\n\n2. Data DTKS dibagikan ke pekon', programmeId: '2' });
		expect(created.map((c) => c.statement)).toEqual(['Rapat TKPK setiap triwulan', 'Data DTKS dibagikan ke pekon']);
		expect(Number(created[1]!.number)).toBe(Number(created[0]!.number) + 1);
		expect((await getCommitmentDetail(db, 2, created[0]!.id))!.missing).toEqual(['indicator', 'unit', 'baseline', 'target', 'deadline', 'lead', 'supporters']);
		await expect(createCommitmentsFromText(db, 2, { statements: '   ' })).rejects.toThrow(InputError);
	});

	it('promotes a frozen cell with its link, volume as target and sites, once', async () => {
		const inka = await institutionId(1, 'PT INKA');
		const version = (await db
			.insert(matrixVersions)
			.values({ workshopId: 1, version: 99, contentHash: 'f'.repeat(64), content: '{"components":[],"rows":[]}', frozenAt: new Date() })
			.returning())[0]!;
		await db.insert(matrixCells)
			.values({
				versionId: version.id,
				institutionId: inka,
				componentId: 3,
				institutionName: 'PT INKA',
				componentName: 'Profiling UMKM lapak kelurahan',
				sector: 'bisnis',
				type: 'PELATIHAN',
				description: 'Bimtek pengemasan produk UMKM lapak',
				sites: ['35.77.03.1009', '99.99.99.9999'],
				timing: '2022',
				volume: 40,
				unit: 'UMKM',
				valueRupiah: null,
				fundingSource: 'TJSL'
			});
		const input = { workshopId: '1', version: '99', institutionId: String(inka), componentId: '3' };
		const c = await promoteCellToCommitment(db, 1, input);
		const detail = (await getCommitmentDetail(db, 1, c.id))!;
		expect(detail).toMatchObject({ statement: 'Bimtek pengemasan produk UMKM lapak', type: 'numeric', targetValue: 40, unit: 'UMKM', targetDeadline: '2022-12-31', matrixVersionId: version.id });
		expect(detail.lead?.shortName).toBe('PT INKA');
		expect(detail.sites.map((s) => s.code)).toEqual(['35.77.03.1009']);
		expect(detail.missing).toEqual(['indicator', 'baseline', 'supporters']);
		await expect(promoteCellToCommitment(db, 1, input)).rejects.toThrow(InputError);
		await expect(promoteCellToCommitment(db, 2, input)).rejects.toThrow(InputError);
	});
});

describe('progress reports and evidence', () => {
	const png = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13]);

	it('recognises evidence by its bytes and its size, not by its name', () => {
		expect(prepareEvidence('foto.png', png, png.length)).toMatchObject({ kind: 'photo', mimeType: 'image/png' });
		expect(prepareEvidence('sk.pdf', new TextEncoder().encode('%PDF-1.7\n'), 9)).toMatchObject({ kind: 'document' });
		expect(prepareEvidence('foto.jpg', new TextEncoder().encode('MZ\x90\x00'), 4)).toEqual({ error: { key: 'progress.evidenceType', params: { name: 'foto.jpg' } } });
		expect(prepareEvidence('besar.jpg', null, MAX_EVIDENCE_BYTES + 1)).toMatchObject({ error: { key: 'progress.evidenceTooLarge' } });
	});

	it('lets a representative report only for their institution’s commitments, and stores nothing refused', async () => {
		const pilots = await demo(1, '1');
		const fields = () => {
			const form = new FormData();
			for (const [k, v] of Object.entries({ periodType: 'quarter', periodYear: '2024', periodIndex: '1', realisation: '4', narrative: 'Evaluasi' })) form.set(k, v);
			return form;
		};
		const before = await reportCount();
		const stranger = { kind: 'participant' as const, institutionId: await institutionId(1, 'PT INKA'), name: 'Lina' };
		await expect(submitReport(db, pilots, stranger, fields(), { evidenceDir })).rejects.toThrow(InputError);

		const lead = { kind: 'participant' as const, institutionId: await institutionId(1, 'Bappelitbangda'), name: 'Anita' };
		const bad = fields();
		bad.append('evidence', new File([png], 'foto.png', { type: 'image/png' }));
		bad.append('evidence', new File(['<script>'], 'foto2.jpg', { type: 'image/jpeg' }));
		await expect(submitReport(db, pilots, lead, bad, { evidenceDir })).rejects.toThrow(InputError);
		expect(await reportCount()).toBe(before);
		expect(readdirSync(evidenceDir)).toEqual([]);

		const good = fields();
		good.append('evidence', new File([png], 'foto.png', { type: 'image/png' }));
		good.set('evidenceLinks', 'https://forpemma.example/berita');
		const report = await submitReport(db, pilots, lead, good, { evidenceDir });
		expect(await reportCount()).toBe(before + 1);
		expect(readdirSync(evidenceDir)).toHaveLength(1);
		expect((await db.select().from(evidenceFiles).where(eq(evidenceFiles.reportId, report.id))).map((e) => e.kind)).toEqual(['photo', 'link']);
	});
});

describe('report revisions', () => {
	const form = (values: Record<string, string>) => {
		const f = new FormData();
		for (const [k, v] of Object.entries({ periodType: 'quarter', periodYear: '2025', periodIndex: '2', ...values })) f.set(k, v);
		return f;
	};

	it('keeps every revision of a report edited twice, with what changed, who and when; the first figure stays readable', async () => {
		const pilots = await demo(1, '1');
		const lead = { kind: 'participant' as const, institutionId: await institutionId(1, 'Bappelitbangda'), name: 'Anita' };
		const secretariat = (await db.select().from(users).where(eq(users.email, 'sekretariat@mufakat.test')))[0]!;
		const staff = { kind: 'staff' as const, userId: secretariat.id, name: secretariat.name };
		const first = await submitReport(db, pilots, lead, form({ realisation: '22', narrative: 'Dua puluh dua pelaku usaha dilatih' }), { evidenceDir, now: new Date('2025-07-05T03:00:00Z') });
		await submitReport(db, pilots, lead, form({ realisation: '27', narrative: 'Dua puluh tujuh pelaku usaha dilatih' }), { evidenceDir, now: new Date('2025-07-06T03:00:00Z') });
		const last = await submitReport(db, pilots, staff, form({ realisation: '27', narrative: 'Dua puluh tujuh pelaku usaha dilatih', obstacles: 'Anggaran terlambat', evidenceLinks: 'https://forpemma.example/pelatihan' }), {
			evidenceDir,
			now: new Date('2025-07-07T03:00:00Z')
		});
		expect(last.id).toBe(first.id);
		expect(last.realisation).toBe(27);

		const revisions = (await revisionsOf(db, [first.id])).get(first.id)!;
		expect(revisions.map((r) => [r.revision, r.action, r.byName, r.byUserId, r.changed])).toEqual([
			[1, 'submit', 'Anita', null, []],
			[2, 'resubmit', 'Anita', null, ['realisation', 'narrative']],
			[3, 'edit', secretariat.name, secretariat.id, ['obstacles', 'evidenceIds']]
		]);
		expect(revisions[0]!.snapshot).toMatchObject({ realisation: 22, narrative: 'Dua puluh dua pelaku usaha dilatih', evidenceIds: [], verified: false });
		expect(revisions[0]!.at).toEqual(new Date('2025-07-05T03:00:00Z'));
		expect(revisions[2]!.snapshot.evidenceIds).toHaveLength(1);

		await verifyReport(db, 1, first.id, secretariat.id, { note: 'Sesuai daftar hadir pelatihan' }, new Date('2025-07-10T03:00:00Z'));
		await returnReport(db, 1, first.id, secretariat.id, { reason: 'Daftar hadir belum ditandatangani' }, new Date('2025-07-11T03:00:00Z'));
		const page = (await reportsForPage(db, pilots)).find((r) => r.id === first.id)!;
		expect(page.history.map((h) => [h.revision, h.action, h.changed])).toEqual([
			[5, 'return', ['verified', 'status', 'returnReason']],
			[4, 'verify', ['verified', 'verificationNote', 'status']],
			[3, 'edit', ['obstacles', 'evidenceIds']],
			[2, 'resubmit', ['realisation', 'narrative']],
			[1, 'submit', []]
		]);
		expect(page.history.at(-1)).toMatchObject({ realisation: 22, narrative: 'Dua puluh dua pelaku usaha dilatih', byName: 'Anita' });
		expect(page.realisation).toBe(27);
	});

	it('keeps a report filed before revisions existed as its first revision when it is first changed', async () => {
		const pilots = await demo(1, '1');
		const lead = { kind: 'participant' as const, institutionId: await institutionId(1, 'Bappelitbangda'), name: 'Anita' };
		const legacy = (await db
			.insert(progressReports)
			.values({ commitmentId: pilots.id, periodType: 'quarter', periodYear: 2025, periodIndex: 3, realisation: 30, narrative: 'Laporan lama', reporterName: 'Budi', reporterInstitutionId: lead.institutionId, submittedAt: new Date('2025-10-05T03:00:00Z') })
			.returning())[0]!;
		expect((await reportsForPage(db, pilots)).find((r) => r.id === legacy.id)!.history).toMatchObject([{ revision: 1, realisation: 30, byName: 'Budi' }]);
		await submitReport(db, pilots, lead, form({ periodIndex: '3', realisation: '31', narrative: 'Laporan lama' }), { evidenceDir });
		const revisions = await db.select().from(progressReportRevisions).where(eq(progressReportRevisions.reportId, legacy.id));
		expect(revisions.map((r) => [r.revision, r.action, r.byName, r.changed])).toEqual([
			[1, 'submit', 'Budi', []],
			[2, 'resubmit', 'Anita', ['realisation']]
		]);
		expect(revisions[0]!.snapshot).toMatchObject({ realisation: 30 });
	});

	it('seeds the demo reports with their submission and verification as revisions', async () => {
		const verified = (await db.select().from(progressReports).where(eq(progressReports.commitmentId, (await demo(1, '1')).id))).find((r) => r.verifiedAt && r.periodYear < 2025)!;
		expect((await revisionsOf(db, [verified.id])).get(verified.id)!.map((r) => [r.action, r.changed])).toEqual([
			['submit', []],
			['verify', ['verified', 'verificationNote', 'status']]
		]);
	});
});

describe('CSV import of progress rows', () => {
	it('parses quoted fields with separators, quotes and line breaks, comma or semicolon separated', () => {
		expect(parseCsvRecords('\uFEFFa,b\r\n"x, ""y""\nz",2\r\n')).toEqual([['a', 'b'], ['x, "y"\nz', '2']]);
		expect(parseCsvRecords('a;b\n1,5;2')).toEqual([['a', 'b'], ['1,5', '2']]);
	});

	it('reports every bad row by its spreadsheet row number, and an import with one bad row changes nothing', async () => {
		const csv = [
			'Nomor,Periode,Realisasi,Status,Narasi',
			'5,2024-T1,10,sesuai rencana,"Pendampingan, tahap 1"',
			'42,2024-T1,3,,',
			'5,2024-T9,11,,',
			'5,2024-T2,banyak,,',
			'7,2024-S1,selesai,terbang,',
			'5,2024-T1,12,,'
		].join('\n');
		const before = await reportCount();
		const check = await checkProgressImport(db, 1, 1, csv);
		expect(check.problems.map((p) => [p.row, p.column, p.message.key])).toEqual([
			[3, 'number', 'import.unknownCommitment'],
			[4, 'period', 'import.badPeriod'],
			[5, 'realisation', 'commitment.notNumber'],
			[6, 'flag', 'import.badFlag'],
			[7, 'period', 'import.duplicateRow']
		]);
		await expect(applyProgressImport(db, 1, 1, csv, { name: 'Sekretariat' })).rejects.toThrow(InputError);
		expect(await reportCount()).toBe(before);
	});

	it('refuses a period the secretariat has verified, and applies a good file in one go', async () => {
		expect((await checkProgressImport(db, 1, 1, 'Nomor,Periode,Realisasi\n1,2022-T1,2')).problems[0]?.message.key).toBe('progress.periodVerified');
		const before = await reportCount();
		const { applied } = await applyProgressImport(db, 1, 1, 'nomor;periode;realisasi;narasi\n5;2024-S1;8,5;"Dua UMKM; satu koperasi"\n7;2024-S1;selesai;', { name: 'Sekretariat' });
		expect(applied).toBe(2);
		expect(await reportCount()).toBe(before + 2);
		const row = (await db.select().from(progressReports).where(and(eq(progressReports.commitmentId, (await demo(1, '5')).id), eq(progressReports.periodYear, 2024))))[0]!;
		expect(row).toMatchObject({ realisation: 8.5, narrative: 'Dua UMKM; satu koperasi', reporterName: 'Sekretariat', verifiedAt: null });
	});
});
