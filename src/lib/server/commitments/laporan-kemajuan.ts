/**
 * The Laporan Kemajuan: a programme's progress for a triwulan, semester or year, as the secretariat
 * sends it to the Bupati/Wali Kota. Built from the period view of the dashboard, rendered on the
 * forum's letterhead, sealed with the forum's seal (the same as the berita acara), archived in
 * `sealed_reports` and recognised by /verify.
 */
import { and, desc, eq } from 'drizzle-orm';
import {
	formatNumber,
	formatPercent,
	formatRupiah,
	reportingPeriodCode,
	reportingPeriodEnd,
	reportingPeriodLabel,
	reportingPeriodStart,
	periodLabel,
	type ReportingPeriod
} from '../../commitments/periods';
import { translate, type Locale, type MessageKey } from '../../i18n/translate';
import { formatLongDate, localIsoDate } from '../../time-zones';
import type { Db } from '../db/client';
import { forums, programmes, sealedReports } from '../db/schema';
import type { Forum } from '../forums';
import { logoDir, readLogo } from '../forums/logo';
import { sha256Hex } from '../hashing';
import { log } from '../log';
import { asciiName } from '../pdf/seal';
import { renderProgressReportPdf, type ProgressReportDocument } from '../pdf/render-progress-report';
import { sealForumDocument, verifyMinutesHash, verifyMinutesPdf, type VerifyResult } from '../sealing';
import { programmeDashboard, type ProgrammeDashboard } from './rollups';

/** "31 Maret 2026": a date in a document's running text, without the weekday. */
const longDate = (value: Date | string, timeZone: string, locale: Locale) => formatLongDate(value, timeZone, locale).replace(/^[^,]+, /, '');

const capitalised = (text: string) => text.charAt(0).toUpperCase() + text.slice(1);

function periodText(p: ReportingPeriod, locale: Locale): string {
	return reportingPeriodLabel(p, locale, (key, params) => translate(locale, key, params));
}

/** Everything the PDF shows, from the dashboard's period view. */
export function buildProgressReportDocument(
	d: ProgrammeDashboard,
	forum: Forum,
	period: ReportingPeriod,
	opts: { origin: string; now?: Date; locale?: Locale }
): ProgressReportDocument {
	const locale = opts.locale ?? 'id';
	const now = opts.now ?? new Date();
	const t = (key: MessageKey, params?: Record<string, string | number>) => translate(locale, key, params);
	const value = (c: ProgrammeDashboard['commitments'][number], v: number | null | undefined) =>
		v == null ? '—' : c.type === 'numeric' ? `${formatNumber(v, locale)} ${c.unit}`.trim() : t(v >= 1 ? 'progress.done' : 'progress.notDone');
	const logo = forum.logoSha256 ? readLogo(logoDir(), forum.logoSha256) : null;
	const reached = d.reached;
	const desa = d.rollups.byKelurahan
		.filter((r) => r.reach)
		.map((r) => ({ name: r.label, district: r.detail, male: r.reach!.male, female: r.reach!.female, total: r.reach!.total }));
	const summary = [
		{ label: capitalised(t('dashboard.tile.commitments')), value: String(d.totals.commitments) },
		{ label: t('dashboard.mean.simple', { count: d.averages.simpleCount }), value: formatPercent(d.averages.simple, locale) },
		{ label: t('dashboard.mean.weighted', { count: d.averages.weightedCount }), value: formatPercent(d.averages.weighted, locale) },
		{ label: t('dashboard.tile.achieved'), value: String(d.totals.achieved) },
		{ label: t('dashboard.overdue'), value: String(d.totals.overdue) },
		{ label: t('dashboard.stalled'), value: String(d.totals.stalled) },
		{
			label: `${t('dashboard.reached.title')} (${t('dashboard.reached.male')} / ${t('dashboard.reached.female')})`,
			value: `${formatNumber(reached.total, locale)} (${formatNumber(reached.male, locale)} / ${formatNumber(reached.female, locale)})`
		},
		...(d.budget.total
			? [{ label: `${t('dashboard.budget.spent')} / ${t('dashboard.budget.budget')}`, value: `${formatRupiah(d.budget.total.spent, locale)} / ${formatRupiah(d.budget.total.budget, locale)}` }]
			: [])
	];
	return {
		documentId: `LK-${forum.id}-${d.programme.id}-${reportingPeriodCode(period)}`,
		locale,
		forum: { name: forum.name, shortName: forum.shortName },
		kop: [forum.name, ...forum.secretariatAddress.split('\n').filter((l) => l.trim())],
		logo: logo && (forum.logoMime === 'image/png' || forum.logoMime === 'image/jpeg') ? { bytes: new Uint8Array(logo), mime: forum.logoMime } : null,
		programme: d.programme.name,
		periodLabel: periodText(period, locale),
		periodRange: `${longDate(reportingPeriodStart(period), forum.timeZone, locale)} – ${longDate(reportingPeriodEnd(period), forum.timeZone, locale)}`,
		verifiedOnly: d.verifiedOnly,
		placeAndDate: `${forum.place || forum.shortName}, ${longDate(now, forum.timeZone, locale)}`,
		generatedAt: now,
		summary,
		commitments: d.commitments.map((c) => ({
			number: c.number,
			statement: c.indicator || c.statement,
			lead: c.lead?.shortName ?? '—',
			target: c.type === 'numeric' ? (c.targetLevel == null ? '—' : value(c, c.targetLevel)) : t('progress.done'),
			realisation: value(c, c.latest?.realisation),
			achievement: c.achievement.display,
			period: c.latest ? periodLabel(c.latest.period, locale, (key, params) => translate(locale, key, params)) : '',
			verified: c.latest?.verified ?? true
		})),
		desa,
		withoutDesa: d.commitments
			.filter((c) => c.beneficiaries && !c.beneficiaries.byArea.some((a) => a.areaCode !== ''))
			.map((c) => `${c.number}. ${c.indicator || c.statement}`),
		bySex: { male: reached.male, female: reached.female, total: reached.total },
		groups: reached.groups.map((g) => ({ name: g.name, count: g.count })),
		budget: d.budget.rows.map((r) => ({ source: t(`funding.${r.source}` as MessageKey), budget: r.budget, spent: r.spent, realisation: r.realisation })),
		budgetTotal: d.budget.total ? { budget: d.budget.total.budget, spent: d.budget.total.spent, realisation: d.budget.total.realisation } : null,
		issues: d.commitments
			.filter((c) => c.latest && (c.latest.obstacles.trim() || c.latest.followUp.trim()))
			.map((c) => ({ number: c.number, label: c.indicator || c.statement, obstacles: c.latest!.obstacles, followUp: c.latest!.followUp })),
		verifiers: d.verifiers,
		verifyUrl: `${opts.origin}/verify`,
		secretariat: forum.shortName
	};
}

export type SealedProgressReport = { id: number; sha256: string; pdf: Uint8Array; filename: string };

/**
 * Renders, seals and archives the report of one programme for a period. Each request makes a new
 * sealed file (figures may have been verified since); the archive keeps every one.
 */
export async function sealProgressReport(
	db: Db,
	forum: Forum,
	input: { programmeId: number; period: ReportingPeriod; verifiedOnly: boolean; userId: number | null; origin: string; locale?: Locale; now?: Date }
): Promise<SealedProgressReport | null> {
	const now = input.now ?? new Date();
	const today = localIsoDate(now, forum.timeZone);
	const dashboard = await programmeDashboard(db, input.programmeId, { period: input.period, verifiedOnly: input.verifiedOnly, today });
	if (!dashboard || dashboard.forum.id !== forum.id) return null;
	const doc = buildProgressReportDocument(dashboard, forum, input.period, { origin: input.origin, now, locale: input.locale });
	const unsealed = await renderProgressReportPdf(doc);
	// /Reason, /Location and /Name stay ASCII (TOOLCHAIN.md); the PDF itself carries the exact text.
	const sealed = await sealForumDocument(db, forum.id, unsealed, {
		reason: asciiName(`Laporan Kemajuan ${reportingPeriodCode(input.period)} ${dashboard.programme.name}`),
		location: asciiName(forum.place || forum.shortName),
		name: `${asciiName(forum.shortName)} - Mufakat`
	});
	const sha256 = sha256Hex(sealed.pdf);
	// Two requests in the same second seal byte-identical files (the signature is deterministic): one archived copy.
	const row =
		(await db
			.insert(sealedReports)
			.values({
				forumId: forum.id,
				programmeId: input.programmeId,
				periodType: input.period.type,
				periodYear: input.period.year,
				periodIndex: input.period.index,
				pdf: Buffer.from(sealed.pdf),
				sha256,
				certificateFingerprint: sealed.fingerprint,
				createdBy: input.userId,
				sealedAt: now
			})
			.onConflictDoNothing({ target: sealedReports.sha256 })
			.returning({ id: sealedReports.id }))[0]! ?? (await db.select({ id: sealedReports.id }).from(sealedReports).where(eq(sealedReports.sha256, sha256)))[0]!;
	log('info', 'report.sealed', { forum: forum.id, programme: input.programmeId, period: reportingPeriodCode(input.period), sha256 });
	const slug = forum.shortName.toLowerCase().replace(/[^a-z0-9]+/g, '-');
	return { id: row.id, sha256, pdf: sealed.pdf, filename: `laporan-kemajuan-${slug}-p${input.programmeId}-${reportingPeriodCode(input.period)}.pdf` };
}

/** The archive of a forum's sealed reports, newest first. */
export async function listSealedReports(db: Db, forumId: number, locale: Locale) {
	return (await db
		.select({
			id: sealedReports.id,
			programme: programmes.name,
			periodType: sealedReports.periodType,
			periodYear: sealedReports.periodYear,
			periodIndex: sealedReports.periodIndex,
			sha256: sealedReports.sha256,
			sealedAt: sealedReports.sealedAt
		})
		.from(sealedReports)
		.leftJoin(programmes, eq(programmes.id, sealedReports.programmeId))
		.where(eq(sealedReports.forumId, forumId))
		.orderBy(desc(sealedReports.id)))
		.map((r) => ({ ...r, period: periodText(spanOf(r), locale) }));
}

export async function sealedReportFile(db: Db, forumId: number, id: number): Promise<{ pdf: Uint8Array; filename: string } | null> {
	const row = (await db
		.select()
		.from(sealedReports)
		.where(and(eq(sealedReports.forumId, forumId), eq(sealedReports.id, id))))[0];
	if (!row) return null;
	return { pdf: new Uint8Array(row.pdf), filename: `laporan-kemajuan-${row.id}-${reportingPeriodCode(spanOf(row))}.pdf` };
}

function spanOf(r: { periodType: string; periodYear: number; periodIndex: number }): ReportingPeriod {
	const type = r.periodType === 'semester' || r.periodType === 'year' ? r.periodType : 'quarter';
	return { type, year: r.periodYear, index: r.periodIndex };
}

export type ReportMatch = { id: number; programme: string; forum: string; period: string; periodCode: string; sealedAt: Date; timeZone: string };

async function describeReport(db: Db, sha256: string, locale: Locale): Promise<ReportMatch | null> {
	const row = (await db
		.select({ id: sealedReports.id, sealedAt: sealedReports.sealedAt, periodType: sealedReports.periodType, periodYear: sealedReports.periodYear, periodIndex: sealedReports.periodIndex, programme: programmes.name, forum: forums.name, timeZone: forums.timeZone })
		.from(sealedReports)
		.innerJoin(forums, eq(forums.id, sealedReports.forumId))
		.leftJoin(programmes, eq(programmes.id, sealedReports.programmeId))
		.where(eq(sealedReports.sha256, sha256)))[0];
	if (!row) return null;
	const span = spanOf(row);
	return { id: row.id, programme: row.programme ?? '—', forum: row.forum, period: periodText(span, locale), periodCode: reportingPeriodCode(span), sealedAt: row.sealedAt, timeZone: row.timeZone };
}

export type DocumentVerifyResult = VerifyResult & { report: ReportMatch | null };

/** What /verify says about an uploaded file: sealed minutes or a sealed Laporan Kemajuan. */
export async function verifySealedDocument(db: Db, bytes: Uint8Array, locale: Locale): Promise<DocumentVerifyResult> {
	const minutes = await verifyMinutesPdf(db, bytes);
	if (minutes.match) return { ...minutes, report: null };
	const exact = await describeReport(db, minutes.fileSha256, locale);
	if (exact) return { ...minutes, verdict: 'genuine', report: exact };
	const seal = minutes.seal;
	if (!seal) return { ...minutes, report: null };
	// The archived report is the prefix our seal covers; whatever follows was added later, and is
	// judged as for the minutes: valid later signatures keep it genuine, unsigned bytes do not.
	const report = seal.coveredEnd < bytes.length ? await describeReport(db, sha256Hex(bytes.subarray(0, seal.coveredEnd)), locale) : null;
	if (!report) return { ...minutes, report: null };
	const laterBroken = minutes.later.some((s) => !s.valid || s.byteRange[1] < seal.coveredEnd);
	const verdict = !seal.valid || laterBroken ? 'tampered' : (minutes.signatures?.appendedAfterLast ?? 0) > 0 ? 'appended' : 'genuine';
	return { ...minutes, verdict, report };
}

export async function verifySealedHash(db: Db, hash: string, locale: Locale): Promise<DocumentVerifyResult> {
	const minutes = await verifyMinutesHash(db, hash);
	if (minutes.match) return { ...minutes, report: null };
	const report = await describeReport(db, minutes.fileSha256, locale);
	return { ...minutes, verdict: report ? 'genuine' : minutes.verdict, report };
}
