/** A frozen matrix version as CSV and as an Excel workbook, in the reader's language. */
import { eq } from 'drizzle-orm';
import ExcelJS from 'exceljs';
import { formatNumber, formatRupiah } from '../../commitments/periods';
import { translate, type Locale, type MessageKey } from '../../i18n/translate';
import { DEFAULT_TIME_ZONE, spreadsheetDate } from '../../time-zones';
import { csvSeparator, toCsv } from '../csv';
import type { Db } from '../db/client';
import { forums, workshops } from '../db/schema';
import { getMatrixVersion } from './freeze';
import { siteNamer } from './sites';

/** Excel's format for whole Rupiah: "Rp 20.000.000" under Indonesian settings, "Rp 20,000,000" under English. */
const RUPIAH_FORMAT = '"Rp "#,##0';

async function forumOfWorkshop(db: Db, workshopId: number) {
	return (await db
		.select({ villageWord: forums.villageWord, timeZone: forums.timeZone })
		.from(workshops)
		.innerJoin(forums, eq(forums.id, workshops.forumId))
		.where(eq(workshops.id, workshopId)))[0];
}

async function exportRows(db: Db, workshopId: number, version: number, locale: Locale) {
	const v = await getMatrixVersion(db, workshopId, version);
	if (!v) return null;
	const t = (key: MessageKey) => translate(locale, key);
	const label = (type: string) => (type ? translate(locale, `contribution.${type}` as MessageKey) : '');
	const forum = await forumOfWorkshop(db, workshopId);
	const siteName = await siteNamer(db, forum?.villageWord ?? 'desa', v.cells.flatMap((c) => c.sites));
	// The name a reader knows beside the code a system knows: "Kelurahan Taman (35.77.03.1009)".
	const sites = (codes: string[]) => codes.map((code) => `${siteName(code)} (${code})`).join('; ');
	const order = new Map(v.rows.map((r, i) => [Number(r.id), i]));
	const colOrder = new Map(v.components.map((c, i) => [Number(c.id), i]));
	const cells = v.cells
		.filter((c) => c.type || c.description.trim() || c.sites.length || c.timing || c.volume !== null || c.valueRupiah !== null || c.fundingSource)
		.sort((a, b) => (order.get(a.institutionId) ?? 0) - (order.get(b.institutionId) ?? 0) || (colOrder.get(a.componentId) ?? 0) - (colOrder.get(b.componentId) ?? 0));
	const header = [
		t('attendance.no'),
		t('export.institution'),
		t('sector.title'),
		t('export.component'),
		t('export.type'),
		t('export.description'),
		t('export.sites'),
		t('export.timing'),
		t('export.volume'),
		t('export.unit'),
		t('export.value'),
		t('export.funding')
	];
	const rows = cells.map((c, i) => [
		i + 1,
		c.institutionName,
		translate(locale, `sector.${c.sector}` as MessageKey),
		c.componentName,
		label(c.type),
		c.description,
		sites(c.sites),
		c.timing,
		c.volume,
		c.unit,
		c.valueRupiah,
		c.fundingSource
	]);
	return { v, header, rows, label, cells, sites, timeZone: forum?.timeZone ?? DEFAULT_TIME_ZONE };
}

export async function matrixVersionCsv(db: Db, workshopId: number, version: number, locale: Locale): Promise<string | null> {
	const data = await exportRows(db, workshopId, version, locale);
	return data ? toCsv(data.header, data.rows, csvSeparator(locale)) : null;
}

/** Excel workbook: the grid as the forum saw it, the details one contribution per line, and the hash. */
export async function matrixVersionXlsx(db: Db, workshopId: number, version: number, locale: Locale, title = ''): Promise<Buffer | null> {
	const data = await exportRows(db, workshopId, version, locale);
	if (!data) return null;
	const { v } = data;
	const t = (key: MessageKey) => translate(locale, key);
	const book = new ExcelJS.Workbook();
	book.creator = 'Mufakat';
	book.created = v.frozenAt;

	const grid = book.addWorksheet(t('export.sheetMatrix'));
	grid.addRow([t('export.workshop'), title]);
	// A real date cell (the forum's wall-clock time), so that it sorts and reformats in the spreadsheet.
	const versionRow = grid.addRow([t('export.version'), v.version, t('export.frozenAt'), spreadsheetDate(v.frozenAt, data.timeZone)]);
	versionRow.getCell(4).numFmt = 'dd/mm/yyyy hh:mm';
	grid.addRow([t('export.hash'), v.contentHash]);
	grid.addRow([]);
	const head = grid.addRow([t('export.institution'), t('sector.title'), ...v.components.map((c) => c.name), t('export.totalValue')]);
	head.font = { bold: true };
	const cellText = (inst: number, comp: number) => {
		const c = v.cells.find((x) => x.institutionId === inst && x.componentId === comp);
		if (!c) return '';
		const detail = (name: MessageKey, value: string) => (value ? `${t(name)}: ${value}` : '');
		return [
			data.label(c.type),
			c.description.trim(),
			detail('export.volume', c.volume !== null ? `${formatNumber(c.volume, locale)} ${c.unit}`.trim() : c.unit),
			detail('export.value', c.valueRupiah !== null ? formatRupiah(c.valueRupiah, locale) : ''),
			detail('export.sites', data.sites(c.sites)),
			detail('export.timing', c.timing),
			detail('export.funding', c.fundingSource)
		]
			.filter(Boolean)
			.join('\n');
	};
	// Totals of the values agreed: per institution (last column) and per component (last row); blank where none was given.
	const valueAt = (inst: number, comp: number) => v.cells.find((x) => x.institutionId === inst && x.componentId === comp)?.valueRupiah ?? null;
	const total = (values: (number | null)[]) => (values.some((x) => x !== null) ? values.reduce<number>((a, b) => a + (b ?? 0), 0) : null);
	for (const r of v.rows)
		grid.addRow([
			r.name,
			translate(locale, `sector.${r.sector}` as MessageKey),
			...v.components.map((c) => cellText(Number(r.id), Number(c.id))),
			total(v.components.map((c) => valueAt(Number(r.id), Number(c.id))))
		]);
	const totals = grid.addRow([
		t('export.total'),
		'',
		...v.components.map((c) => total(v.rows.map((r) => valueAt(Number(r.id), Number(c.id))))),
		total(v.cells.map((c) => c.valueRupiah))
	]);
	totals.font = { bold: true };
	grid.columns.forEach((col, i) => {
		col.width = i < 2 ? 24 : 40;
		col.alignment = { wrapText: true, vertical: 'top' };
	});
	const totalColumn = grid.getColumn(v.components.length + 3);
	totalColumn.width = 18;
	totalColumn.numFmt = RUPIAH_FORMAT;
	for (let k = 0; k < v.components.length; k++) totals.getCell(k + 3).numFmt = RUPIAH_FORMAT;

	const details = book.addWorksheet(t('export.sheetDetails'));
	details.addRow(data.header).font = { bold: true };
	for (const row of data.rows) details.addRow(row);
	details.getColumn(11).numFmt = RUPIAH_FORMAT;
	details.columns.forEach((col, i) => (col.width = [5, 22, 14, 30, 18, 50, 24, 14, 10, 12, 16, 20][i] ?? 14));
	return Buffer.from(await book.xlsx.writeBuffer());
}
