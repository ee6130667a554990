import { beforeAll, describe, expect, it } from 'vitest';
import { lastFinishedQuarter, parseReportingPeriod, reportingPeriodCode, reportingPeriodEnd } from '../../src/lib/commitments/periods';
import { importAreas } from '../../src/lib/server/areas';
import { fundingSourceOf, programmeDashboard } from '../../src/lib/server/commitments/rollups';
import type { Db } from '../../src/lib/server/db/client';
import { beneficiaryCounts, beneficiaryGroups, commitments, commitmentSites, programmes, progressReports, users } from '../../src/lib/server/db/schema';
import { seedDemo } from '../../src/lib/server/demo';
import { memoryDb } from '../helpers/db';

const TAMAN = '35.77.03.1009';
const DEMANGAN = '35.77.03.1008';
const KUNCEN = '35.77.03.1004';
const TODAY = '2026-11-26';
const T1 = { type: 'quarter', year: 2026, index: 1 } as const;

let db: Db;
let programmeId: number;
let verifier: number;

type Report = {
	commitmentId: number;
	quarter: number;
	realisation: number;
	verified: boolean;
	spent?: number;
	beneficiaries?: [area: string, male: number, female: number][];
	groups?: [groupId: number, area: string, count: number][];
};

async function addReport(r: Report) {
	const row = (await db
		.insert(progressReports)
		.values({
			commitmentId: r.commitmentId,
			periodType: 'quarter',
			periodYear: 2026,
			periodIndex: r.quarter,
			realisation: r.realisation,
			reporterName: 'Pelapor',
			submittedAt: new Date(Date.UTC(2026, r.quarter * 3, 5)),
			status: r.verified ? 'verified' : 'submitted',
			verifiedAt: r.verified ? new Date(Date.UTC(2026, r.quarter * 3, 10)) : null,
			verifiedBy: r.verified ? verifier : null,
			spentRupiah: r.spent ?? null
		})
		.returning())[0]!;
	for (const [areaCode, male, female] of r.beneficiaries ?? [])
		await db.insert(beneficiaryCounts)
			.values([
				{ reportId: row.id, areaCode, group: '', sex: 'L', count: male },
				{ reportId: row.id, areaCode, group: '', sex: 'P', count: female }
			]);
	for (const [groupId, areaCode, count] of r.groups ?? []) await db.insert(beneficiaryCounts).values({ reportId: row.id, areaCode, group: String(groupId), sex: null, groupId, count });
}

async function addCommitment(number: string, target: number, sites: string[], budget: number | null, fundingSource: string): Promise<number> {
	const row = (await db
		.insert(commitments)
		.values({ forumId: 1, programmeId, number, statement: `Komitmen ${number}`, indicator: `Indikator ${number}`, unit: 'orang', baselineValue: 0, targetValue: target, budgetRupiah: budget, fundingSource })
		.returning())[0]!;
	for (const areaCode of sites) await db.insert(commitmentSites).values({ commitmentId: row.id, areaCode });
	return row.id;
}

beforeAll(async () => {
	db = await memoryDb();
	await importAreas(db);
	await seedDemo(db);
	verifier = (await db.insert(users).values({ email: 'verifikator@forum.test', name: 'Dewi Verifikator', passwordHash: 'x' }).returning())[0]!.id;
	programmeId = (await db.insert(programmes).values({ forumId: 1, name: 'Perlindungan Sosial' }).returning())[0]!.id;
	const disability = (await db.insert(beneficiaryGroups).values({ forumId: 1, name: 'Penyandang disabilitas' }).returning())[0]!.id;
	// 128 people trained at two sites (APBD), 42 at a third (CSR) that reports no desa breakdown.
	const big = await addCommitment('1', 128, [TAMAN, DEMANGAN], 100_000_000, 'APBD Kota Madiun');
	const small = await addCommitment('2', 42, [KUNCEN], 50_000_000, 'CSR PT INKA');
	await addReport({ commitmentId: big, quarter: 1, realisation: 64, verified: true, spent: 40_000_000, beneficiaries: [[TAMAN, 20, 24], [DEMANGAN, 10, 10]], groups: [[disability, TAMAN, 3]] });
	await addReport({ commitmentId: small, quarter: 1, realisation: 42, verified: false, spent: 50_000_000 });
	await addReport({ commitmentId: big, quarter: 2, realisation: 128, verified: true, spent: 90_000_000, beneficiaries: [[TAMAN, 40, 48], [DEMANGAN, 20, 20]] });
});

const dashboard = async (opts: Parameters<typeof programmeDashboard>[2] = {}) => (await programmeDashboard(db, programmeId, { today: TODAY, ...opts }))!;
const site = (d: Awaited<ReturnType<typeof dashboard>>, code: string) => d.rollups.byKelurahan.find((r) => r.key === code)!;

describe('roll-ups per desa', () => {
	it('use the desa figures reported, never the programme-wide percentage at each site', async () => {
		const d = await dashboard({ period: T1 });
		expect(site(d, TAMAN).reach).toEqual({ male: 20, female: 24, total: 44, reporting: 1 });
		expect(site(d, DEMANGAN).reach).toEqual({ male: 10, female: 10, total: 20, reporting: 1 });
		// Commitment 2 stands at 100 % but said nothing about Kuncen: no figure there, and no 100 %.
		expect(d.commitments.find((c) => c.number === '2')!.achievement.display).toBe(100);
		expect(site(d, KUNCEN).reach).toBeNull();
		expect(site(d, KUNCEN).meanAchievement).toBeNull();
		expect(site(d, TAMAN).meanAchievement).toBeNull();
	});
});

describe('people reached', () => {
	it('totals beneficiaries by sex and by forum group from the latest report as of the period', async () => {
		const q1 = (await dashboard({ period: T1 })).reached;
		expect(q1).toMatchObject({ male: 30, female: 34, total: 64, reporting: 1 });
		expect(q1.groups).toEqual([{ groupId: expect.any(Number), name: 'Penyandang disabilitas', count: 3 }]);
		const latest = (await dashboard()).reached;
		expect(latest).toMatchObject({ male: 60, female: 68, total: 128 });
		// The Q2 report gives no group count: groups are not carried over from older reports.
		expect(latest.groups).toEqual([]);
	});
});

describe('progress averages', () => {
	it('give the simple mean beside the mean weighted by target size', async () => {
		const { averages } = await dashboard({ period: T1 });
		// 50 % of 128 and 100 % of 42: equal weights say 75 %, target sizes say (128·50 + 42·100) / 170.
		expect(averages.simple).toBe(75);
		expect(averages.simpleCount).toBe(2);
		expect(averages.weighted).toBeCloseTo((128 * 50 + 42 * 100) / 170, 6);
		expect(averages.weightedCount).toBe(2);
	});
});

describe('budget realisation', () => {
	it('rolls spending up by funding source against the budgets', async () => {
		const { budget } = await dashboard({ period: T1 });
		expect(budget.rows).toEqual([
			{ source: 'apbd', budget: 100_000_000, spent: 40_000_000, commitments: 1, realisation: 40 },
			{ source: 'csr', budget: 50_000_000, spent: 50_000_000, commitments: 1, realisation: 100 }
		]);
		expect(budget.total).toMatchObject({ budget: 150_000_000, spent: 90_000_000, realisation: 60 });
	});

	it('normalises the free-text funding source, village funds before APBD', () => {
		expect(fundingSourceOf('APBD Provinsi Jawa Timur')).toBe('apbd');
		expect(fundingSourceOf('APBDes 2026')).toBe('apbdes');
		expect(fundingSourceOf('Dana Desa')).toBe('apbdes');
		expect(fundingSourceOf('TJSL PT INKA')).toBe('csr');
		expect(fundingSourceOf('CSR Bank Jatim')).toBe('csr');
		expect(fundingSourceOf('Hibah USAID')).toBe('donor');
		expect(fundingSourceOf('swadaya masyarakat')).toBe('other');
		expect(fundingSourceOf('')).toBe('other');
	});
});

describe('period view', () => {
	it('takes the cumulative state as of the end of the period, not the latest report', async () => {
		const q1 = (await dashboard({ period: T1 })).commitments.find((c) => c.number === '1')!;
		expect(q1.latest?.realisation).toBe(64);
		expect(q1.latest?.spentRupiah).toBe(40_000_000);
		const year = (await dashboard({ period: { type: 'year', year: 2026, index: 1 } })).commitments.find((c) => c.number === '1')!;
		expect(year.latest?.realisation).toBe(128);
		expect((await dashboard({ period: { type: 'quarter', year: 2025, index: 4 } })).commitments.every((c) => c.latest === null)).toBe(true);
	});

	it('leaves unverified reports out when asked, and names who verified', async () => {
		const d = await dashboard({ period: T1, verifiedOnly: true });
		expect(d.commitments.find((c) => c.number === '2')!.latest).toBeNull();
		expect(d.averages.simple).toBe(50);
		expect(d.budget.total).toMatchObject({ spent: 40_000_000 });
		expect(d.verifiers).toEqual(['Dewi Verifikator']);
	});

	it('reads Indonesian and English period codes and defaults to the last finished triwulan', () => {
		expect(parseReportingPeriod('2026-T1')).toEqual(T1);
		expect(parseReportingPeriod('2026-Q1')).toEqual(T1);
		expect(parseReportingPeriod('2026-S2')).toEqual({ type: 'semester', year: 2026, index: 2 });
		expect(parseReportingPeriod('2026')).toEqual({ type: 'year', year: 2026, index: 1 });
		expect(parseReportingPeriod('2026-05')).toBeNull();
		expect(parseReportingPeriod('2026-T5')).toBeNull();
		expect(reportingPeriodCode(T1)).toBe('2026-T1');
		expect(reportingPeriodEnd({ type: 'semester', year: 2026, index: 1 })).toBe('2026-06-30');
		expect(lastFinishedQuarter('2026-02-10')).toEqual({ type: 'quarter', year: 2025, index: 4 });
		expect(lastFinishedQuarter('2026-11-26')).toEqual({ type: 'quarter', year: 2026, index: 3 });
	});
});
