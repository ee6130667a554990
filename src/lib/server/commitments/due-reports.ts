/**
 * Reports due this period, per institution, with a ready-to-send reminder for WhatsApp.
 *
 * A commitment still running (active or stalled) owes a report for the last finished triwulan; it is
 * due when no report exists for that period or the one filed was returned for correction. Reports
 * count as overdue once REPORT_GRACE_DAYS have passed after the period ended, the usual monev
 * deadline (the 10th of the month after the triwulan).
 */
import type { ReporterCommitment } from '../../commitments/types';
import { and, asc, eq, inArray, or } from 'drizzle-orm';
import { comparePeriods, lastFinishedPeriod, periodCode, periodEnd, periodLabel, type Period } from '../../commitments/periods';
import { translate } from '../../i18n/translate';
import type { Db } from '../db/client';
import { commitments, commitmentSupporters, institutions, progressReports } from '../db/schema';
import { reportPeriod, sortReports } from './progress';
import { activeReportingToken } from './reporting-links';

export const REPORT_GRACE_DAYS = 10;

export type DueCommitment = { id: number; number: string; statement: string; state: 'missing' | 'returned'; returnReason: string | null };

export type DueInstitution = {
	institutionId: number;
	shortName: string;
	commitments: DueCommitment[];
	/** The reporting link, or null when none is issued (the message then asks to issue one). */
	link: string | null;
	message: string | null;
};

export type DueReports = { period: Period; periodCode: string; overdue: boolean; dueDate: string; institutions: DueInstitution[] };

function addDays(isoDate: string, days: number): string {
	const d = new Date(`${isoDate}T00:00:00Z`);
	d.setUTCDate(d.getUTCDate() + days);
	return d.toISOString().slice(0, 10);
}

export async function dueReports(db: Db, forum: { id: number; shortName: string }, origin: string, today = new Date()): Promise<DueReports> {
	const period = lastFinishedPeriod('quarter', today);
	const dueDate = addDays(periodEnd(period), REPORT_GRACE_DAYS);
	const running = (await db
		.select()
		.from(commitments)
		.where(and(eq(commitments.forumId, forum.id), inArray(commitments.status, ['active', 'stalled']))))
		.filter((c) => c.leadInstitutionId != null);
	const reports = running.length
		? await db
				.select()
				.from(progressReports)
				.where(
					and(
						inArray(
							progressReports.commitmentId,
							running.map((c) => c.id)
						),
						eq(progressReports.periodType, period.type),
						eq(progressReports.periodYear, period.year),
						eq(progressReports.periodIndex, period.index)
					)
				)
		: [];
	const byInstitution = new Map<number, DueCommitment[]>();
	for (const c of running) {
		const report = reports.find((r) => r.commitmentId === c.id);
		if (report && report.status !== 'returned') continue;
		const list = byInstitution.get(c.leadInstitutionId!) ?? [];
		list.push({ id: c.id, number: c.number, statement: c.statement, state: report ? 'returned' : 'missing', returnReason: report?.returnReason ?? null });
		byInstitution.set(c.leadInstitutionId!, list);
	}
	const ids = [...byInstitution.keys()];
	const names = new Map(
		ids.length
			? (await db
					.select({ id: institutions.id, shortName: institutions.shortName })
					.from(institutions)
					.where(inArray(institutions.id, ids)))
					.map((i) => [i.id, i.shortName])
			: []
	);
	const label = periodLabel(period, 'id', (key, params) => translate('id', key, params));
	const list = (
		await Promise.all(
			ids.map(async (id) => {
			const due = byInstitution.get(id)!;
			const shortName = names.get(id) ?? '';
			const token = await activeReportingToken(db, forum.id, id);
			const link = token ? `${origin}/r/${token}` : null;
			return { institutionId: id, shortName, commitments: due, link, message: link ? reminder(forum.shortName, shortName, label, dueDate, due, link) : null };
			})
		)
	).sort((a, b) => a.shortName.localeCompare(b.shortName, 'id'));
	return { period, periodCode: periodCode(period), overdue: today.toISOString().slice(0, 10) > dueDate, dueDate, institutions: list };
}

/** The reminder as the secretariat pastes it into WhatsApp: always Indonesian, the representatives' language. */
function reminder(forum: string, institution: string, period: string, dueDate: string, due: DueCommitment[], link: string): string {
	const lines = due.map((c) =>
		c.state === 'returned'
			? translate('id', 'due.message.returnedLine', { number: c.number, statement: c.statement, reason: c.returnReason ?? '' })
			: translate('id', 'due.message.line', { number: c.number, statement: c.statement })
	);
	const date = new Intl.DateTimeFormat('id-ID', { day: 'numeric', month: 'long', year: 'numeric', timeZone: 'UTC' }).format(new Date(`${dueDate}T00:00:00Z`));
	return [translate('id', 'due.message.greeting', { institution }), translate('id', 'due.message.ask', { period, date }), ...lines, translate('id', 'due.message.link', { link }), translate('id', 'due.message.closing', { forum })].join('\n');
}

export type { ReporterCommitment } from '../../commitments/types';

/**
 * What a representative sees on their phone: the commitments their institution leads (returned
 * reports first, then those due) and those it supports. Shared by the standing reporting link and
 * the workshop participant's page.
 */
export async function reporterOverview(db: Db, forumId: number, institutionId: number, today = new Date()): Promise<{ period: Period; commitments: ReporterCommitment[] }> {
	const period = lastFinishedPeriod('quarter', today);
	const supportedIds = (await db
		.select({ id: commitmentSupporters.commitmentId })
		.from(commitmentSupporters)
		.where(eq(commitmentSupporters.institutionId, institutionId)))
		.map((r) => r.id);
	const rows = (await db
		.select()
		.from(commitments)
		.where(and(eq(commitments.forumId, forumId), or(eq(commitments.leadInstitutionId, institutionId), supportedIds.length ? inArray(commitments.id, supportedIds) : undefined)))
		.orderBy(asc(commitments.id)))
		.filter((c) => c.status !== 'dropped' && c.status !== 'draft');
	const reports = rows.length ? await db.select().from(progressReports).where(inArray(progressReports.commitmentId, rows.map((c) => c.id))) : [];
	const leadIds = [...new Set(rows.map((c) => c.leadInstitutionId).filter((id): id is number => id != null))];
	const leadNames = new Map(leadIds.length ? (await db.select({ id: institutions.id, name: institutions.shortName }).from(institutions).where(inArray(institutions.id, leadIds))).map((i) => [i.id, i.name]) : []);
	const list = rows.map((c): ReporterCommitment => {
		const mine = sortReports(reports.filter((r) => r.commitmentId === c.id));
		const latest = mine[0];
		const leads = c.leadInstitutionId === institutionId;
		const running = c.status === 'active' || c.status === 'stalled';
		return {
			id: c.id,
			number: c.number,
			statement: c.statement,
			type: c.type,
			unit: c.unit,
			leads,
			leadName: c.leadInstitutionId != null ? (leadNames.get(c.leadInstitutionId) ?? null) : null,
			latest: latest ? { period: reportPeriod(latest), realisation: latest.realisation, status: latest.status } : null,
			returned: leads ? mine.filter((r) => r.status === 'returned').map((r) => ({ reportId: r.id, period: reportPeriod(r), reason: r.returnReason ?? '', returnedAt: r.returnedAt })) : [],
			due: leads && running && !mine.some((r) => comparePeriods(reportPeriod(r), period) === 0 && r.status !== 'returned')
		};
	});
	const rank = (c: ReporterCommitment) => (c.returned.length ? 0 : c.due ? 1 : c.leads ? 2 : 3);
	return { period, commitments: list.sort((a, b) => rank(a) - rank(b) || a.id - b.id) };
}
