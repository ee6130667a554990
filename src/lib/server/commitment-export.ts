/**
 * Commitments and progress as CSV (UTF-8 with BOM, formulas defused) and as an Excel workbook.
 * The progress sheet starts with the import columns, so an edited export can be imported back.
 * With a period (`?period=2026-T1`, `?verified=1`) an export is the dashboard's period view: the
 * reports up to the end of that period, verified ones only when asked.
 */
import ExcelJS from 'exceljs';
import { parseReportingPeriod, periodCode, periodEnd, reportingPeriodCode, reportingPeriodEnd, type ReportingPeriod } from '../commitments/periods';
import { DEFAULT_TIME_ZONE, formatStamp, localIsoDate, spreadsheetDate } from '../time-zones';
import { getForum } from './forums';
import { translate, type Locale, type MessageKey } from '../i18n/translate';
import { importTemplateHeader } from './commitments/commitment-import';
import { csvSeparator, toCsv } from './csv';
import type { Db } from './db/client';
import { listForumProgrammes } from './commitments/commitments';
import { READ_ROLES, requireForumRole } from './guards';
import { achievementOf, listReports } from './commitments/progress';
import { commitmentProgress, isVerified } from './commitments/rollups';

/**
 * A date or an instant (the forum's wall-clock time carried in the UTC fields): an ISO date or
 * "2021-11-08 10:15 WIB" in a CSV, a real date cell in the workbook.
 */
type DateCell = { date: Date; withTime: boolean; text: string };
/** A percentage: the number (66.7) in a CSV, a fraction formatted as a percentage in the workbook. */
type PercentCell = { percent: number };
type Cell = string | number | null | DateCell | PercentCell;

const calendarDate = (iso: string | null): DateCell | null => (iso ? { date: new Date(`${iso}T00:00:00Z`), withTime: false, text: iso } : null);
const instant = (at: Date, timeZone: string): DateCell => ({ date: spreadsheetDate(at, timeZone), withTime: true, text: formatStamp(at, timeZone, { seconds: false }) });
const asText = (rows: Cell[][]) =>
	rows.map((row) => row.map((cell) => (cell !== null && typeof cell === 'object' ? ('percent' in cell ? Math.round(cell.percent * 10) / 10 : cell.text) : cell)));

const percent = (n: number | null): PercentCell | null => (n == null ? null : { percent: n });

/** Which reports an export covers: up to the end of a period (cumulative), and verified ones only. */
export type ExportSelection = { period?: ReportingPeriod | null; verifiedOnly?: boolean };

async function tables(db: Db, forumId: number, programmeId: number | null, locale: Locale, selection: ExportSelection = {}) {
	const timeZone = (await getForum(db, forumId))?.timeZone ?? DEFAULT_TIME_ZONE;
	const t = (key: MessageKey, params?: Record<string, string | number>) => translate(locale, key, params);
	const asOf = selection.period ? reportingPeriodEnd(selection.period) : undefined;
	const list = await commitmentProgress(db, forumId, { programmeId, asOf, verifiedOnly: selection.verifiedOnly });
	const yesNo = (b: boolean) => t(b ? 'commitment.yes' : 'commitment.no');
	const commitmentHeader = [
		t('commitment.number'),
		t('commitment.statement'),
		t('commitment.programme'),
		t('commitment.type'),
		t('commitment.indicator'),
		t('commitment.unit'),
		t('commitment.baseline'),
		t('commitment.baselineYear'),
		t('commitment.baselineSource'),
		t('commitment.target'),
		t('commitment.deadline'),
		t('commitment.direction'),
		t('commitment.lead'),
		t('commitment.supporters'),
		t('commitment.sites'),
		t('commitment.component'),
		t('commitment.status'),
		t('progress.latestPeriod'),
		t('progress.realisation'),
		t('progress.achievement'),
		t('dashboard.overdue'),
		t('dashboard.stalled'),
		t('commitment.missingTitle'),
		t('commitment.fromMatrix'),
		t('commitment.budgetRupiah'),
		t('commitment.fundingSource')
	];
	const commitmentRows: Cell[][] = list.map((c) => [
		c.number,
		c.statement,
		c.programmeName,
		t(`commitment.type.${c.type}` as MessageKey),
		c.indicator,
		c.unit,
		c.baselineValue,
		c.baselineYear,
		c.baselineSource,
		c.targetLevel,
		calendarDate(c.targetDeadline),
		t(`commitment.direction.${c.direction}` as MessageKey),
		c.lead?.shortName ?? '',
		c.supporters.map((s) => s.shortName).join('; '),
		c.sites.map((s) => `${s.name} (${s.code})`).join('; '),
		c.componentName,
		t(`commitment.status.${c.status}` as MessageKey),
		c.latest ? periodCode(c.latest.period) : '',
		c.latest?.realisation ?? null,
		percent(c.achievement.raw),
		yesNo(c.overdue),
		yesNo(c.stalled),
		c.missing.map((m) => t(`commitment.field.${m}` as MessageKey)).join('; '),
		c.matrixVersionId != null ? yesNo(true) : '',
		c.budgetRupiah,
		c.fundingSource
	]);
	const byId = new Map(list.map((c) => [c.id, c]));
	const reports = (await listReports(db, list.map((c) => c.id))).filter(
		(r) => (!selection.verifiedOnly || isVerified(r)) && (!asOf || periodEnd({ type: r.periodType, year: r.periodYear, index: r.periodIndex }) <= asOf)
	);
	const progressHeader = [
		...importTemplateHeader(locale),
		t('commitment.statement'),
		t('progress.achievement'),
		t('progress.reporterInstitution'),
		t('progress.verified'),
		t('progress.verifiedBy'),
		t('progress.verificationNote'),
		t('progress.evidence'),
		t('progress.submittedAt')
	];
	const progressRows: Cell[][] = reports.map((r) => {
		const c = byId.get(r.commitmentId)!;
		return [
			c.number,
			periodCode({ type: r.periodType, year: r.periodYear, index: r.periodIndex }),
			c.type === 'numeric' ? r.realisation : r.realisation == null ? '' : t(r.realisation >= 1 ? 'progress.done' : 'progress.notDone'),
			t(`progress.flag.${r.flag}` as MessageKey),
			r.narrative,
			r.obstacles,
			r.followUp,
			r.reporterName,
			c.statement,
			percent(achievementOf(c, r.realisation).raw),
			r.reporterInstitution ?? '',
			r.verifiedAt ? calendarDate(localIsoDate(r.verifiedAt, timeZone)) : '',
			r.verifierName ?? '',
			r.verificationNote ?? '',
			r.evidence.map((e) => (e.kind === 'link' ? e.url : e.originalName)).join('; '),
			instant(r.submittedAt, timeZone)
		];
	});
	return { commitmentHeader, commitmentRows, progressHeader, progressRows };
}

export async function commitmentsCsv(db: Db, forumId: number, programmeId: number | null, locale: Locale, selection: ExportSelection = {}): Promise<string> {
	const { commitmentHeader, commitmentRows } = await tables(db, forumId, programmeId, locale, selection);
	return toCsv(commitmentHeader, asText(commitmentRows), csvSeparator(locale));
}

export async function progressCsv(db: Db, forumId: number, programmeId: number | null, locale: Locale, selection: ExportSelection = {}): Promise<string> {
	const { progressHeader, progressRows } = await tables(db, forumId, programmeId, locale, selection);
	return toCsv(progressHeader, asText(progressRows), csvSeparator(locale));
}

/** One workbook, two sheets: the commitments and every progress report. */
export async function commitmentsXlsx(db: Db, forumId: number, programmeId: number | null, locale: Locale, selection: ExportSelection = {}): Promise<Buffer> {
	const data = await tables(db, forumId, programmeId, locale, selection);
	const book = new ExcelJS.Workbook();
	book.creator = 'Mufakat';
	const sheet = (name: string, header: string[], rows: Cell[][], widths: number[]) => {
		const ws = book.addWorksheet(name);
		ws.addRow(header).font = { bold: true };
		for (const row of rows) {
			const added = ws.addRow(row.map((cell) => (cell !== null && typeof cell === 'object' ? ('percent' in cell ? cell.percent / 100 : cell.date) : cell)));
			row.forEach((cell, i) => {
				if (cell === null || typeof cell !== 'object') return;
				added.getCell(i + 1).numFmt = 'percent' in cell ? '0.0%' : cell.withTime ? 'dd/mm/yyyy hh:mm' : 'dd/mm/yyyy';
			});
		}
		ws.views = [{ state: 'frozen', ySplit: 1 }];
		ws.columns.forEach((col, i) => {
			col.width = widths[i] ?? 14;
			col.alignment = { wrapText: true, vertical: 'top' };
		});
	};
	sheet(translate(locale, 'commitment.sheetCommitments'), data.commitmentHeader, data.commitmentRows, [7, 50, 24, 12, 30, 12, 10, 10, 22, 10, 12, 10, 18, 24, 30, 28, 12, 12, 10, 10, 10, 10, 30, 10, 16, 20]);
	sheet(translate(locale, 'commitment.sheetProgress'), data.progressHeader, data.progressRows, [7, 10, 10, 14, 50, 30, 30, 22, 40, 10, 18, 12, 22, 24, 30, 22]);
	return Buffer.from(await book.xlsx.writeBuffer());
}

/** Anyone with a role in the forum, observers included (exports only read); `?programme=` narrows an export to one programme of that forum. */
export async function exportContext(db: Db, locals: App.Locals, forumIdParam: string, url: URL, stem: string) {
	const { forum } = await requireForumRole(db, locals, Number(forumIdParam), READ_ROLES);
	const raw = Number(url.searchParams.get('programme'));
	const programmeId = (await listForumProgrammes(db, forum.id)).some((p) => p.id === raw) ? raw : null;
	const day = localIsoDate(new Date(), forum.timeZone);
	const slug = forum.shortName.toLowerCase().replace(/[^a-z0-9]+/g, '-');
	const period = parseReportingPeriod(url.searchParams.get('period') ?? '');
	const selection: ExportSelection = { period, verifiedOnly: url.searchParams.get('verified') === '1' };
	const span = period ? `-${reportingPeriodCode(period)}` : '';
	return { forum, programmeId, selection, stem: `${stem}-${slug}${programmeId ? `-p${programmeId}` : ''}${span}-${day}` };
}
