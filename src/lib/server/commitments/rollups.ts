/**
 * Roll-ups of commitment progress per kelurahan, institution, programme component and sector;
 * overdue and stalled commitments; the state a follow-up workshop opens with.
 *
 * A group's achievement is the mean of its commitments' achievements clamped to 0–100 (a commitment
 * far beyond its target must not hide another at zero), over the commitments that have a figure.
 * Per desa/kelurahan there is no such mean: a commitment's percentage is programme-wide and says
 * nothing about any one of its sites, so a site shows only the beneficiaries reported for it.
 *
 * A period view takes the reports whose period ended by the end of the chosen span: realisation is
 * cumulative, so the latest of those is the state "as of" that span.
 */
import { eq, inArray } from 'drizzle-orm';
import type { CommitmentChange } from '../../commitments/changes';
import { formatNumber, periodEnd, reportingPeriodEnd, type Period, type ReportingPeriod } from '../../commitments/periods';
import { DEFAULT_TIME_ZONE, instantOf, localIsoDate } from '../../time-zones';
import type { AreaPath } from '../areas';
import { listCommitments, type CommitmentDetail } from './commitments';
import type { Db } from '../db/client';
import { beneficiaryCounts, beneficiaryGroups, components, forums, progressReports, programmes, users, workshops, type PilotStage } from '../db/schema';
import { listPilotSites } from '../programmes/pilot-sites';
import { achievementOf, isAchieved, reportPeriod, sortReports, targetLevel, type Achievement, type ProgressReport, type ReportFlag } from './progress';

/**
 * A commitment has stopped reporting when its latest report lies two or more of its own periods
 * behind the programme's latest report (two quarters for a quarterly reporter, a year for a
 * half-yearly one).
 */
const PERIOD_DAYS = { month: 30, quarter: 91, semester: 182 } as const;
const MISSED_PERIODS_STOPPED = 2;

export type SeriesPoint = { period: Period; end: string; realisation: number | null; verified: boolean };

export type CommitmentProgress = CommitmentDetail & {
	targetLevel: number | null;
	latest:
		| (SeriesPoint & {
				reportId: number;
				flag: ReportFlag;
				narrative: string;
				obstacles: string;
				followUp: string;
				spentRupiah: number | null;
				verifiedBy: number | null;
		  })
		| null;
	/** Beneficiaries of the latest report (cumulative like its realisation); null when it gives none. */
	beneficiaries: Beneficiaries | null;
	achievement: Achievement;
	achieved: boolean;
	overdue: boolean;
	stalled: boolean;
	/** Oldest first, for the timeline. */
	series: SeriesPoint[];
	reportCount: number;
	pendingVerification: number;
};

/** Counts of one report: per desa by sex, and per forum group. `''` stands for "no desa given". */
export type Beneficiaries = {
	byArea: { areaCode: string; male: number; female: number }[];
	groups: { groupId: number; count: number }[];
};

/** Verified in the review loop (status) or by the older verify action (a verification time). */
export const isVerified = (r: Pick<ProgressReport, 'status' | 'verifiedAt'>) => r.status === 'verified' || r.verifiedAt != null;

const daysBetween = (a: string, b: string) => (Date.parse(b) - Date.parse(a)) / 86_400_000;

function progressOf(c: CommitmentDetail, reports: ProgressReport[], opts: { today: string; programmeLatestEnd: string | null }): CommitmentProgress {
	const sorted = sortReports(reports);
	const last = sorted[0];
	const achievement = achievementOf(c, last?.realisation);
	const achieved = c.status === 'achieved' || isAchieved(achievement);
	const closed = achieved || c.status === 'dropped';
	const series = [...sorted].reverse().map((r) => {
		const period = reportPeriod(r);
		return { period, end: periodEnd(period), realisation: r.realisation, verified: isVerified(r) };
	});
	const previous = sorted[1];
	const noChange = !!last && !!previous && last.realisation === previous.realisation;
	const lastEnd = last ? periodEnd(reportPeriod(last)) : null;
	const stoppedReporting =
		!!last && !!opts.programmeLatestEnd && Math.floor(daysBetween(lastEnd!, opts.programmeLatestEnd) / PERIOD_DAYS[last.periodType]) >= MISSED_PERIODS_STOPPED;
	return {
		...c,
		targetLevel: targetLevel(c),
		latest: last
			? {
					period: reportPeriod(last),
					end: lastEnd!,
					realisation: last.realisation,
					verified: isVerified(last),
					reportId: last.id,
					flag: last.flag,
					narrative: last.narrative,
					obstacles: last.obstacles,
					followUp: last.followUp,
					spentRupiah: last.spentRupiah,
					verifiedBy: last.verifiedBy
				}
			: null,
		beneficiaries: null,
		achievement,
		achieved,
		overdue: !closed && !!c.targetDeadline && c.targetDeadline < opts.today,
		stalled: !closed && (c.status === 'stalled' || noChange || stoppedReporting),
		series,
		reportCount: reports.length,
		pendingVerification: reports.filter((r) => !isVerified(r)).length
	};
}

/** The forum's zone: "today" and "the end of the meeting day" are the hall's, not the server's. */
async function zoneOf(db: Db, forumId: number): Promise<string> {
	return (await db.select({ timeZone: forums.timeZone }).from(forums).where(eq(forums.id, forumId)))[0]?.timeZone ?? DEFAULT_TIME_ZONE;
}

/** The counts of each report, by report id. */
async function beneficiariesOf(db: Db, reportIds: number[]): Promise<Map<number, Beneficiaries>> {
	const map = new Map<number, Beneficiaries>();
	if (reportIds.length === 0) return map;
	const rows = await db.select().from(beneficiaryCounts).where(inArray(beneficiaryCounts.reportId, reportIds));
	for (const r of rows) {
		const entry = map.get(r.reportId) ?? { byArea: [], groups: [] };
		if (r.group === '' && r.sex) {
			let area = entry.byArea.find((a) => a.areaCode === r.areaCode);
			if (!area) entry.byArea.push((area = { areaCode: r.areaCode, male: 0, female: 0 }));
			if (r.sex === 'L') area.male += r.count;
			else area.female += r.count;
		} else if (r.groupId != null) {
			const group = entry.groups.find((g) => g.groupId === r.groupId);
			if (group) group.count += r.count;
			else entry.groups.push({ groupId: r.groupId, count: r.count });
		}
		map.set(r.reportId, entry);
	}
	return map;
}

export type ProgressSelection = {
	programmeId?: number | null;
	/** Leaves out unverified reports entirely, as the public page and the Laporan Kemajuan must. */
	verifiedOnly?: boolean;
	today?: string;
	ids?: number[];
	/** ISO date: only reports whose period ended by then count (the state as of a past period). */
	asOf?: string;
};

/** Every commitment of a forum (or one programme) with its progress. */
export async function commitmentProgress(db: Db, forumId: number, opts: ProgressSelection = {}): Promise<CommitmentProgress[]> {
	const list = await listCommitments(db, forumId, { programmeId: opts.programmeId, ids: opts.ids });
	if (list.length === 0) return [];
	const all = (await db
		.select()
		.from(progressReports)
		.where(inArray(progressReports.commitmentId, list.map((c) => c.id))))
		.filter((r) => (!opts.verifiedOnly || isVerified(r)) && (!opts.asOf || periodEnd(reportPeriod(r)) <= opts.asOf));
	const programmeLatestEnd = all.reduce<string | null>((max, r) => {
		const end = periodEnd(reportPeriod(r));
		return !max || end > max ? end : max;
	}, null);
	const today = opts.today ?? localIsoDate(new Date(), await zoneOf(db, forumId));
	const progress = list.map((c) =>
		progressOf(
			c,
			all.filter((r) => r.commitmentId === c.id),
			{ today, programmeLatestEnd }
		)
	);
	const counts = await beneficiariesOf(db, progress.flatMap((c) => (c.latest ? [c.latest.reportId] : [])));
	for (const c of progress) c.beneficiaries = (c.latest && counts.get(c.latest.reportId)) || null;
	return progress;
}

export type RollupRow = {
	key: string;
	label: string;
	detail: string;
	commitments: number;
	measured: number;
	meanAchievement: number | null;
	achieved: number;
	overdue: number;
	stalled: number;
	/** Per institution: commitments it supports without leading. */
	supporting?: number;
	/** Per kelurahan: the pilot stage, when it is one of the programme's sites. */
	stage?: PilotStage | null;
	/** Per kelurahan: beneficiaries reported for this desa (null: no desa breakdown reported). */
	reach?: DesaReach | null;
};

export type DesaReach = {
	male: number;
	female: number;
	total: number;
	/** Commitments whose latest report gives figures for this desa. */
	reporting: number;
};

function summarise(key: string, label: string, detail: string, list: CommitmentProgress[]): RollupRow {
	const measured = list.filter((c) => c.achievement.display != null);
	return {
		key,
		label,
		detail,
		commitments: list.length,
		measured: measured.length,
		meanAchievement: measured.length ? measured.reduce((s, c) => s + c.achievement.display!, 0) / measured.length : null,
		achieved: list.filter((c) => c.achieved).length,
		overdue: list.filter((c) => c.overdue).length,
		stalled: list.filter((c) => c.stalled).length
	};
}

function groupBy<K>(list: CommitmentProgress[], keys: (c: CommitmentProgress) => K[]): Map<K, CommitmentProgress[]> {
	const map = new Map<K, CommitmentProgress[]>();
	for (const c of list)
		for (const k of keys(c)) {
			const bucket = map.get(k) ?? [];
			bucket.push(c);
			map.set(k, bucket);
		}
	return map;
}

/** Roll-ups over a list of commitments; the empty key stands for "no site/lead/component". */
export function rollups(list: CommitmentProgress[], pilots: { areaCode: string; stage: PilotStage; area: AreaPath | null }[] = []) {
	const stageOf = new Map(pilots.map((p) => [p.areaCode, p.stage]));
	const siteInfo = new Map<string, AreaPath>();
	for (const c of list) for (const s of c.sites) siteInfo.set(s.code, s);
	for (const p of pilots) if (p.area) siteInfo.set(p.areaCode, p.area);

	const bySite = groupBy(list, (c) => (c.sites.length ? c.sites.map((s) => s.code) : ['']));
	for (const p of pilots) if (!bySite.has(p.areaCode)) bySite.set(p.areaCode, []);
	const reach = reachByDesa(list);
	for (const code of reach.keys()) if (!bySite.has(code)) bySite.set(code, []);
	const byKelurahan = [...bySite.entries()]
		.map(([code, items]) => {
			const area = siteInfo.get(code);
			// A commitment's percentage is programme-wide: averaging it per site would show a desa at 100 % where nothing was reported.
			const row = { ...summarise(code, area?.name ?? code, area ? area.district : '', items), meanAchievement: null, measured: 0 };
			return { ...row, stage: code ? (stageOf.get(code) ?? null) : null, reach: reach.get(code) ?? null };
		})
		.sort((a, b) => (a.key === '' ? 1 : b.key === '' ? -1 : a.label.localeCompare(b.label)));

	const byLead = groupBy(list, (c) => [c.lead ? String(c.lead.id) : '']);
	const supportCount = new Map<string, number>();
	const names = new Map<string, { name: string; sector: string }>();
	for (const c of list) {
		if (c.lead) names.set(String(c.lead.id), { name: c.lead.shortName, sector: c.lead.sector });
		for (const s of c.supporters) {
			names.set(String(s.id), { name: s.shortName, sector: s.sector });
			supportCount.set(String(s.id), (supportCount.get(String(s.id)) ?? 0) + 1);
		}
	}
	const instKeys = new Set([...byLead.keys(), ...supportCount.keys()]);
	const byInstitution = [...instKeys]
		.map((key) => ({ ...summarise(key, names.get(key)?.name ?? '', names.get(key)?.sector ?? '', byLead.get(key) ?? []), supporting: supportCount.get(key) ?? 0 }))
		.sort((a, b) => (a.key === '' ? 1 : b.key === '' ? -1 : b.commitments - a.commitments || a.label.localeCompare(b.label)));

	const byComp = groupBy(list, (c) => [c.componentId != null ? String(c.componentId) : '']);
	const byComponent = [...byComp.entries()]
		.map(([key, items]) => summarise(key, items[0]?.componentName ?? '', '', items))
		.sort((a, b) => (a.key === '' ? 1 : b.key === '' ? -1 : Number(a.key) - Number(b.key)));

	const bySec = groupBy(list, (c) => [c.lead?.sector ?? '']);
	const bySector = [...bySec.entries()]
		.map(([key, items]) => summarise(key, key, '', items))
		.sort((a, b) => (a.key === '' ? 1 : b.key === '' ? -1 : b.commitments - a.commitments));

	return { byKelurahan, byInstitution, byComponent, bySector };
}

/** Beneficiaries per desa from the reported desa figures only, summed over commitments. */
export function reachByDesa(list: CommitmentProgress[]): Map<string, DesaReach> {
	const map = new Map<string, DesaReach>();
	for (const c of list)
		for (const a of c.beneficiaries?.byArea ?? []) {
			if (a.areaCode === '') continue;
			const entry = map.get(a.areaCode) ?? { male: 0, female: 0, total: 0, reporting: 0 };
			entry.male += a.male;
			entry.female += a.female;
			entry.total += a.male + a.female;
			entry.reporting += 1;
			map.set(a.areaCode, entry);
		}
	return map;
}

export type PeopleReached = {
	total: number;
	male: number;
	female: number;
	/** Forum groups (penyandang disabilitas, lansia …), counted beside L/P, not on top of them. */
	groups: { groupId: number; name: string; count: number }[];
	/** Commitments whose latest report counts beneficiaries. */
	reporting: number;
};

/** Programme totals of people reached, from the beneficiaries of each commitment's latest report. */
export function peopleReached(list: CommitmentProgress[], groupNames: Map<number, string> = new Map()): PeopleReached {
	const out: PeopleReached = { total: 0, male: 0, female: 0, groups: [], reporting: 0 };
	for (const c of list) {
		if (!c.beneficiaries) continue;
		out.reporting += 1;
		for (const a of c.beneficiaries.byArea) {
			out.male += a.male;
			out.female += a.female;
		}
		for (const g of c.beneficiaries.groups) {
			const entry = out.groups.find((e) => e.groupId === g.groupId);
			if (entry) entry.count += g.count;
			else out.groups.push({ groupId: g.groupId, name: groupNames.get(g.groupId) ?? String(g.groupId), count: g.count });
		}
	}
	out.total = out.male + out.female;
	out.groups.sort((a, b) => a.name.localeCompare(b.name));
	return out;
}

/** How much a commitment weighs in the weighted mean: the distance from baseline to target (128 people outweigh 42). */
export function targetSize(c: Pick<CommitmentProgress, 'type' | 'baselineValue' | 'targetLevel'>): number | null {
	if (c.type !== 'numeric' || c.targetLevel == null) return null;
	const size = Math.abs(c.targetLevel - (c.baselineValue ?? 0));
	return size > 0 ? size : null;
}

export type ProgressAverages = {
	/** Every measured commitment counts the same. */
	simple: number | null;
	simpleCount: number;
	/** Numeric commitments weighted by target size. */
	weighted: number | null;
	weightedCount: number;
};

export function progressAverages(list: CommitmentProgress[]): ProgressAverages {
	const measured = list.filter((c) => c.achievement.display != null);
	let weight = 0;
	let sum = 0;
	let weightedCount = 0;
	for (const c of measured) {
		const w = targetSize(c);
		if (w == null) continue;
		weight += w;
		sum += w * c.achievement.display!;
		weightedCount += 1;
	}
	return {
		simple: measured.length ? measured.reduce((s, c) => s + c.achievement.display!, 0) / measured.length : null,
		simpleCount: measured.length,
		weighted: weight > 0 ? sum / weight : null,
		weightedCount
	};
}

export const FUNDING_SOURCES = ['apbd', 'apbdes', 'csr', 'donor', 'other'] as const;
export type FundingSource = (typeof FUNDING_SOURCES)[number];

/**
 * The matrix's free-text funding source in one of the buckets a Bupati's report uses. Village
 * funds first: "APBDes" and "Dana Desa" must not fall into APBD.
 */
export function fundingSourceOf(text: string): FundingSource {
	const s = text.toLowerCase();
	if (/apbdes|apb\s*desa|dana\s*desa|\bdd\b|\badd\b|alokasi\s*dana\s*desa|anggaran\s*desa/.test(s)) return 'apbdes';
	if (/apbd|apbn|\bdak\b|\bdau\b|pemerintah\s*(daerah|kab|kota|prov)|bankeu/.test(s)) return 'apbd';
	if (/csr|tjsl|tanggung\s*jawab\s*sosial|perusahaan|corporate/.test(s)) return 'csr';
	if (/donor|hibah|grant|ngo|usaid|giz|unicef|undp|world\s*bank|bank\s*dunia|filantropi|yayasan|dfat|jica|koica|adb\b/.test(s)) return 'donor';
	return 'other';
}

export type BudgetRow = { source: FundingSource; budget: number; spent: number; commitments: number; realisation: number | null };

/** Budget and realised spending (latest report) by funding source, over commitments with a Rupiah value or spending. */
export function budgetBySource(list: CommitmentProgress[]): { rows: BudgetRow[]; total: BudgetRow | null } {
	const rows = new Map<FundingSource, BudgetRow>();
	for (const c of list) {
		const spent = c.latest?.spentRupiah ?? null;
		if (c.budgetRupiah == null && spent == null) continue;
		const source = fundingSourceOf(c.fundingSource);
		const row = rows.get(source) ?? { source, budget: 0, spent: 0, commitments: 0, realisation: null };
		row.budget += c.budgetRupiah ?? 0;
		row.spent += spent ?? 0;
		row.commitments += 1;
		rows.set(source, row);
	}
	const ordered = FUNDING_SOURCES.flatMap((s) => (rows.has(s) ? [rows.get(s)!] : []));
	for (const r of ordered) r.realisation = r.budget > 0 ? (r.spent / r.budget) * 100 : null;
	if (ordered.length === 0) return { rows: [], total: null };
	const budget = ordered.reduce((n, r) => n + r.budget, 0);
	const spent = ordered.reduce((n, r) => n + r.spent, 0);
	return { rows: ordered, total: { source: 'other', budget, spent, commitments: ordered.reduce((n, r) => n + r.commitments, 0), realisation: budget > 0 ? (spent / budget) * 100 : null } };
}

export function totals(list: CommitmentProgress[]) {
	const all = summarise('all', '', '', list);
	return {
		...all,
		complete: list.filter((c) => c.missing.length === 0).length,
		incomplete: list.filter((c) => c.missing.length > 0).length,
		reports: list.reduce((s, c) => s + c.reportCount, 0),
		pendingVerification: list.reduce((s, c) => s + c.pendingVerification, 0)
	};
}

/**
 * Everything a programme dashboard shows (staff: all reports; public: verified only). With a
 * period, the figures are those of the reports up to the end of that period, and "today" for
 * overdue is that end when it has passed.
 */
export async function programmeDashboard(db: Db, programmeId: number, opts: { verifiedOnly?: boolean; today?: string; period?: ReportingPeriod | null } = {}) {
	const programme = (await db.select().from(programmes).where(eq(programmes.id, programmeId)))[0];
	if (!programme) return null;
	const forum = (await db.select().from(forums).where(eq(forums.id, programme.forumId)))[0]!;
	const now = opts.today ?? localIsoDate(new Date(), forum.timeZone);
	const asOf = opts.period ? reportingPeriodEnd(opts.period) : undefined;
	const today = asOf && asOf < now ? asOf : now;
	const list = await commitmentProgress(db, forum.id, { programmeId, verifiedOnly: opts.verifiedOnly, today, asOf });
	const pilots = await listPilotSites(db, programmeId);
	const groupNames = new Map(
		(await db
			.select({ id: beneficiaryGroups.id, name: beneficiaryGroups.name })
			.from(beneficiaryGroups)
			.where(eq(beneficiaryGroups.forumId, forum.id)))
			.map((g) => [g.id, g.name])
	);
	const verifierIds = [...new Set(list.flatMap((c) => (c.latest?.verifiedBy != null ? [c.latest.verifiedBy] : [])))];
	const verifiers = verifierIds.length ? (await db.select({ name: users.name }).from(users).where(inArray(users.id, verifierIds))).map((u) => u.name).sort() : [];
	return {
		period: opts.period ?? null,
		verifiedOnly: opts.verifiedOnly ?? false,
		asOf: asOf ?? null,
		reached: peopleReached(list, groupNames),
		averages: progressAverages(list),
		budget: budgetBySource(list),
		verifiers,
		programme: { id: programme.id, name: programme.name, vision: programme.vision, legalBasis: programme.legalBasis },
		forum: { id: forum.id, name: forum.name, shortName: forum.shortName, villageWord: forum.villageWord, timeZone: forum.timeZone },
		components: await db.select({ id: components.id, name: components.name }).from(components).where(eq(components.programmeId, programmeId)),
		pilotSites: pilots.map((p) => ({ id: p.id, areaCode: p.areaCode, stage: p.stage, area: p.area })),
		commitments: list,
		rollups: rollups(list, pilots),
		totals: totals(list),
		overdue: list.filter((c) => c.overdue),
		stalled: list.filter((c) => c.stalled)
	};
}

export type ProgrammeDashboard = NonNullable<Awaited<ReturnType<typeof programmeDashboard>>>;

/** End of the given day in the forum's zone: a report filed on the day of the last meeting was part of it. */
function endOfDay(since: string | Date, timeZone: string): number {
	if (since instanceof Date) return since.getTime();
	return instantOf(since, '23:59:59.999', timeZone);
}

/**
 * What changed in each commitment of a programme since a date (the previous meeting), for the
 * follow-up workshop and its minutes: the state before is the latest report filed by then, or the
 * baseline; commitments made since then are listed as new. Worded by describeCommitmentChange.
 */
export async function commitmentChangesSince(db: Db, programmeId: number, sinceDate: string | Date): Promise<CommitmentChange[]> {
	const programme = (await db.select().from(programmes).where(eq(programmes.id, programmeId)))[0];
	if (!programme) return [];
	const since = endOfDay(sinceDate, await zoneOf(db, programme.forumId));
	if (Number.isNaN(since)) return [];
	const list = await listCommitments(db, programme.forumId, { programmeId });
	if (list.length === 0) return [];
	const reports = await db
		.select()
		.from(progressReports)
		.where(inArray(progressReports.commitmentId, list.map((c) => c.id)));
	// A commitment is new when the meeting that agreed it came after that date: one agreed at the
	// previous meeting and entered (promoted) in the days after it is not new to this one.
	const agreedIds = [...new Set(list.map((c) => c.workshopId).filter((id): id is number => id != null))];
	const agreedOn = new Map(agreedIds.length ? (await db.select({ id: workshops.id, date: workshops.date }).from(workshops).where(inArray(workshops.id, agreedIds))).map((w) => [w.id, w.date]) : []);
	const sinceDay = typeof sinceDate === 'string' ? sinceDate : localIsoDate(sinceDate, await zoneOf(db, programme.forumId));
	const changes: CommitmentChange[] = [];
	for (const c of list) {
		const agreed = c.workshopId != null ? agreedOn.get(c.workshopId) : undefined;
		if (agreed !== undefined ? agreed > sinceDay : c.createdAt.getTime() > since) {
			changes.push({ kind: 'new', number: c.number, statement: c.statement });
			continue;
		}
		const mine = reports.filter((r) => r.commitmentId === c.id);
		const before = sortReports(mine.filter((r) => r.submittedAt.getTime() <= since))[0];
		const after = sortReports(mine)[0];
		if (!after || after === before) continue;
		const from = before ? before.realisation : c.type === 'numeric' ? c.baselineValue : 0;
		if (from === after.realisation) continue;
		const level = targetLevel(c);
		changes.push({
			kind: 'progress',
			label: c.indicator || c.statement,
			numeric: c.type === 'numeric',
			from,
			to: after.realisation,
			target: c.type === 'numeric' && level != null ? level : null,
			verified: after.verifiedAt != null
		});
	}
	return changes;
}

/**
 * What a follow-up workshop of a programme opens with: the changes since the previous meeting and
 * where each commitment stands now.
 */
export async function followUpReview(db: Db, forumId: number, programmeId: number, since: string) {
	const list = await commitmentProgress(db, forumId, { programmeId });
	return {
		since,
		programmeId,
		changes: await commitmentChangesSince(db, programmeId, since),
		commitments: list.map((c) => ({
			id: c.id,
			number: c.number,
			statement: c.statement,
			lead: c.lead?.shortName ?? null,
			achievement: c.achievement,
			overdue: c.overdue,
			stalled: c.stalled,
			achieved: c.achieved
		}))
	};
}
