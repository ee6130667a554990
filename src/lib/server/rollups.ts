/**
 * Roll-ups of commitment progress per kelurahan, institution, programme component and sector;
 * overdue and stalled commitments; the state a follow-up workshop opens with.
 *
 * A group's achievement is the mean of its commitments' achievements clamped to 0–100 (a commitment
 * far beyond its target must not hide another at zero), over the commitments that have a figure.
 * A commitment with several pilot sites counts towards each of them.
 */
import { eq, inArray } from 'drizzle-orm';
import { formatNumber, periodEnd, type Period } from '../commitments/periods';
import { DEFAULT_TIME_ZONE, instantOf, localIsoDate } from '../time-zones';
import type { AreaPath } from './areas';
import { listCommitments, type CommitmentDetail } from './commitments/commitments';
import type { Db } from './db/client';
import { components, forums, progressReports, programmes, workshops, type PilotStage } from './db/schema';
import { listPilotSites } from './programmes/pilot-sites';
import { achievementOf, isAchieved, reportPeriod, sortReports, targetLevel, type Achievement, type ProgressReport, type ReportFlag } from './commitments/progress';

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
	latest: (SeriesPoint & { flag: ReportFlag; narrative: string; obstacles: string; followUp: string }) | null;
	achievement: Achievement;
	achieved: boolean;
	overdue: boolean;
	stalled: boolean;
	/** Oldest first, for the timeline. */
	series: SeriesPoint[];
	reportCount: number;
	pendingVerification: number;
};

const daysBetween = (a: string, b: string) => (Date.parse(b) - Date.parse(a)) / 86_400_000;

function progressOf(c: CommitmentDetail, reports: ProgressReport[], opts: { today: string; programmeLatestEnd: string | null }): CommitmentProgress {
	const sorted = sortReports(reports);
	const last = sorted[0];
	const achievement = achievementOf(c, last?.realisation);
	const achieved = c.status === 'achieved' || isAchieved(achievement);
	const closed = achieved || c.status === 'dropped';
	const series = [...sorted].reverse().map((r) => {
		const period = reportPeriod(r);
		return { period, end: periodEnd(period), realisation: r.realisation, verified: r.verifiedAt != null };
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
					verified: last.verifiedAt != null,
					flag: last.flag,
					narrative: last.narrative,
					obstacles: last.obstacles,
					followUp: last.followUp
				}
			: null,
		achievement,
		achieved,
		overdue: !closed && !!c.targetDeadline && c.targetDeadline < opts.today,
		stalled: !closed && (c.status === 'stalled' || noChange || stoppedReporting),
		series,
		reportCount: reports.length,
		pendingVerification: reports.filter((r) => r.verifiedAt == null).length
	};
}

/** The forum's zone: "today" and "the end of the meeting day" are the hall's, not the server's. */
function zoneOf(db: Db, forumId: number): string {
	return db.select({ timeZone: forums.timeZone }).from(forums).where(eq(forums.id, forumId)).get()?.timeZone ?? DEFAULT_TIME_ZONE;
}

/**
 * Every commitment of a forum (or one programme) with its progress. `verifiedOnly` leaves out
 * unverified reports entirely, as the public page must.
 */
export function commitmentProgress(
	db: Db,
	forumId: number,
	opts: { programmeId?: number | null; verifiedOnly?: boolean; today?: string; ids?: number[] } = {}
): CommitmentProgress[] {
	const list = listCommitments(db, forumId, { programmeId: opts.programmeId, ids: opts.ids });
	if (list.length === 0) return [];
	const all = db
		.select()
		.from(progressReports)
		.where(inArray(progressReports.commitmentId, list.map((c) => c.id)))
		.all()
		.filter((r) => !opts.verifiedOnly || r.verifiedAt != null);
	const programmeLatestEnd = all.reduce<string | null>((max, r) => {
		const end = periodEnd(reportPeriod(r));
		return !max || end > max ? end : max;
	}, null);
	const today = opts.today ?? localIsoDate(new Date(), zoneOf(db, forumId));
	return list.map((c) =>
		progressOf(
			c,
			all.filter((r) => r.commitmentId === c.id),
			{ today, programmeLatestEnd }
		)
	);
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
	const byKelurahan = [...bySite.entries()]
		.map(([code, items]) => {
			const area = siteInfo.get(code);
			return { ...summarise(code, area?.name ?? code, area ? area.district : '', items), stage: code ? (stageOf.get(code) ?? null) : null };
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

/** Everything a programme dashboard shows (staff: all reports; public: verified only). */
export function programmeDashboard(db: Db, programmeId: number, opts: { verifiedOnly?: boolean; today?: string } = {}) {
	const programme = db.select().from(programmes).where(eq(programmes.id, programmeId)).get();
	if (!programme) return null;
	const forum = db.select().from(forums).where(eq(forums.id, programme.forumId)).get()!;
	const list = commitmentProgress(db, forum.id, { programmeId, verifiedOnly: opts.verifiedOnly, today: opts.today });
	const pilots = listPilotSites(db, programmeId);
	return {
		programme: { id: programme.id, name: programme.name, vision: programme.vision, legalBasis: programme.legalBasis },
		forum: { id: forum.id, name: forum.name, shortName: forum.shortName, villageWord: forum.villageWord },
		components: db.select({ id: components.id, name: components.name }).from(components).where(eq(components.programmeId, programmeId)).all(),
		pilotSites: pilots.map((p) => ({ id: p.id, areaCode: p.areaCode, stage: p.stage, area: p.area })),
		commitments: list,
		rollups: rollups(list, pilots),
		totals: totals(list),
		overdue: list.filter((c) => c.overdue),
		stalled: list.filter((c) => c.stalled)
	};
}

export type ProgrammeDashboard = NonNullable<ReturnType<typeof programmeDashboard>>;

/** End of the given day in the forum's zone: a report filed on the day of the last meeting was part of it. */
function endOfDay(since: string | Date, timeZone: string): number {
	if (since instanceof Date) return since.getTime();
	return instantOf(since, '23:59:59.999', timeZone);
}

function describeValue(c: Pick<CommitmentDetail, 'type'>, value: number | null | undefined): string {
	if (value == null) return '—';
	if (c.type !== 'numeric') return value >= 1 ? 'selesai' : 'belum selesai';
	return formatNumber(value, 'id');
}

/**
 * One Indonesian sentence per commitment of a programme whose reported state changed since a date
 * (the previous meeting), for the follow-up workshop and its minutes, e.g.
 * "Lokasi piloting: 2 → 4 (target 4)". The state before is the latest report filed by then, or
 * the baseline. A commitment is new when the meeting that agreed it came after that date: one agreed
 * at the previous meeting and entered (promoted) in the days after it is not new to this one.
 */
export function commitmentChangesSince(db: Db, programmeId: number, sinceDate: string | Date): string[] {
	const programme = db.select().from(programmes).where(eq(programmes.id, programmeId)).get();
	if (!programme) return [];
	const since = endOfDay(sinceDate, zoneOf(db, programme.forumId));
	if (Number.isNaN(since)) return [];
	const list = listCommitments(db, programme.forumId, { programmeId });
	if (list.length === 0) return [];
	const reports = db
		.select()
		.from(progressReports)
		.where(inArray(progressReports.commitmentId, list.map((c) => c.id)))
		.all();
	const agreedIds = [...new Set(list.map((c) => c.workshopId).filter((id): id is number => id != null))];
	const agreedOn = new Map(agreedIds.length ? db.select({ id: workshops.id, date: workshops.date }).from(workshops).where(inArray(workshops.id, agreedIds)).all().map((w) => [w.id, w.date]) : []);
	const sinceDay = typeof sinceDate === 'string' ? sinceDate : localIsoDate(sinceDate, zoneOf(db, programme.forumId));
	const sentences: string[] = [];
	for (const c of list) {
		const label = c.indicator || c.statement;
		const agreed = c.workshopId != null ? agreedOn.get(c.workshopId) : undefined;
		if (agreed !== undefined ? agreed > sinceDay : c.createdAt.getTime() > since) {
			sentences.push(`Komitmen baru ${c.number}: ${c.statement}`);
			continue;
		}
		const mine = reports.filter((r) => r.commitmentId === c.id);
		const before = sortReports(mine.filter((r) => r.submittedAt.getTime() <= since))[0];
		const after = sortReports(mine)[0];
		if (!after || after === before) continue;
		const from = before ? before.realisation : c.type === 'numeric' ? c.baselineValue : 0;
		if (from === after.realisation) continue;
		const level = targetLevel(c);
		const target = c.type === 'numeric' && level != null ? ` (target ${formatNumber(level, 'id')})` : '';
		const unverified = after.verifiedAt ? '' : ' — belum diverifikasi';
		sentences.push(`${label}: ${describeValue(c, from)} → ${describeValue(c, after.realisation)}${target}${unverified}`);
	}
	return sentences;
}

/**
 * What a follow-up workshop of a programme opens with: the changes since the previous meeting and
 * where each commitment stands now.
 */
export function followUpReview(db: Db, forumId: number, programmeId: number, since: string) {
	const list = commitmentProgress(db, forumId, { programmeId });
	return {
		since,
		programmeId,
		changes: commitmentChangesSince(db, programmeId, since),
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
