/**
 * Every state a progress report has been in: who filed, changed, verified or took back a
 * verification, when, and what changed. A report row only ever holds the latest state; its earlier
 * figures and narrative live here, so overwriting a report never loses them.
 */
import { asc, desc, eq, inArray } from 'drizzle-orm';
import type { Db } from '../db/client';
import { beneficiaryCounts, evidenceFiles, progressReportRevisions, progressReports, type REPORT_FLAGS, type REPORT_STATUSES } from '../db/schema';

export type RevisionAction = (typeof progressReportRevisions.$inferSelect)['action'];

/** A report as it stood after a revision. */
export type ReportSnapshot = {
	realisation: number | null;
	narrative: string;
	obstacles: string;
	followUp: string;
	flag: (typeof REPORT_FLAGS)[number];
	evidenceIds: number[];
	verified: boolean;
	verificationNote: string | null;
	/** Absent in revisions recorded before the review loop and beneficiaries existed. */
	status?: (typeof REPORT_STATUSES)[number];
	returnReason?: string | null;
	spentRupiah?: number | null;
	beneficiaries?: { areaCode: string; sex: 'L' | 'P' | null; groupId: number | null; count: number }[];
};

export const SNAPSHOT_FIELDS = [
	'realisation',
	'narrative',
	'obstacles',
	'followUp',
	'flag',
	'evidenceIds',
	'verified',
	'verificationNote',
	'status',
	'returnReason',
	'spentRupiah',
	'beneficiaries'
] as const;
export type SnapshotField = (typeof SNAPSHOT_FIELDS)[number];

/** Who made a revision: an account, or a representative known by the name they checked in with. */
export type RevisionAuthor = { userId: number | null; name: string };

export type ReportRevision = {
	revision: number;
	action: RevisionAction;
	byUserId: number | null;
	byName: string;
	at: Date;
	changed: SnapshotField[];
	snapshot: ReportSnapshot;
};

/** The report's current state, read inside the caller's transaction. */
export async function snapshotOfReport(db: Db, reportId: number): Promise<ReportSnapshot> {
	const r = (await db.select().from(progressReports).where(eq(progressReports.id, reportId)))[0];
	if (!r) throw new Error(`progress report ${reportId} not found`);
	const evidence = await db.select({ id: evidenceFiles.id }).from(evidenceFiles).where(eq(evidenceFiles.reportId, reportId)).orderBy(asc(evidenceFiles.id));
	return {
		realisation: r.realisation,
		narrative: r.narrative,
		obstacles: r.obstacles,
		followUp: r.followUp,
		flag: r.flag,
		evidenceIds: evidence.map((e) => e.id),
		verified: r.verifiedAt !== null,
		verificationNote: r.verificationNote,
		status: r.status,
		returnReason: r.returnReason,
		spentRupiah: r.spentRupiah,
		beneficiaries: await db
			.select({ areaCode: beneficiaryCounts.areaCode, sex: beneficiaryCounts.sex, groupId: beneficiaryCounts.groupId, count: beneficiaryCounts.count })
			.from(beneficiaryCounts)
			.where(eq(beneficiaryCounts.reportId, reportId))
			.orderBy(asc(beneficiaryCounts.id))
	};
}

/** Fields whose values differ between two snapshots, in a fixed order. */
export function changedFields(before: ReportSnapshot | null, after: ReportSnapshot): SnapshotField[] {
	if (!before) return [];
	return SNAPSHOT_FIELDS.filter((f) => JSON.stringify(before[f] ?? null) !== JSON.stringify(after[f] ?? null));
}

async function latestRevision(db: Db, reportId: number) {
	return (await db.select().from(progressReportRevisions).where(eq(progressReportRevisions.reportId, reportId)).orderBy(desc(progressReportRevisions.revision)))[0] ?? null;
}

/**
 * Records a report's state as found when it has no revision yet (filed before revisions were kept,
 * or by the demo seed), so the first change made to it keeps what it replaced. Call it before
 * changing the row, in the same transaction.
 */
export async function keepFirstRevision(db: Db, reportId: number): Promise<void> {
	if (await latestRevision(db, reportId)) return;
	const r = (await db.select().from(progressReports).where(eq(progressReports.id, reportId)))[0];
	if (!r) return;
	await db.insert(progressReportRevisions)
		.values({ reportId, revision: 1, action: 'submit', byUserId: null, byName: r.reporterName, snapshot: await snapshotOfReport(db, reportId), changed: [], at: r.submittedAt });
}

/** Appends the report's current state as its next revision; call it after the change, in the same transaction. */
export async function recordRevision(db: Db, reportId: number, action: RevisionAction, by: RevisionAuthor, at: Date): Promise<void> {
	const previous = await latestRevision(db, reportId);
	const snapshot = await snapshotOfReport(db, reportId);
	await db.insert(progressReportRevisions)
		.values({
			reportId,
			revision: (previous?.revision ?? 0) + 1,
			action,
			byUserId: by.userId,
			byName: by.name,
			snapshot,
			changed: changedFields(previous ? (previous.snapshot as ReportSnapshot) : null, snapshot),
			at
		});
}

/** Revisions of some reports, oldest first, by report id. */
export async function revisionsOf(db: Db, reportIds: number[]): Promise<Map<number, ReportRevision[]>> {
	const byReport = new Map<number, ReportRevision[]>();
	if (reportIds.length === 0) return byReport;
	const rows = await db
		.select()
		.from(progressReportRevisions)
		.where(inArray(progressReportRevisions.reportId, reportIds))
		.orderBy(asc(progressReportRevisions.reportId), asc(progressReportRevisions.revision));
	for (const row of rows) {
		const list = byReport.get(row.reportId) ?? [];
		list.push({
			revision: row.revision,
			action: row.action,
			byUserId: row.byUserId,
			byName: row.byName,
			at: row.at,
			changed: row.changed as SnapshotField[],
			snapshot: row.snapshot as ReportSnapshot
		});
		byReport.set(row.reportId, list);
	}
	return byReport;
}
