/** A frozen matrix version as CSV and as an Excel workbook, in the reader's language. */
import ExcelJS from 'exceljs';
import { translate, type Locale, type MessageKey } from '../../i18n/translate';
import { toCsv } from '../csv';
import type { Db } from '../db/client';
import { getMatrixVersion } from './freeze';

function exportRows(db: Db, workshopId: number, version: number, locale: Locale) {
	const v = getMatrixVersion(db, workshopId, version);
	if (!v) return null;
	const t = (key: MessageKey) => translate(locale, key);
	const label = (type: string) => (type ? translate(locale, `contribution.${type}` as MessageKey) : '');
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
		c.sites.join('; '),
		c.timing,
		c.volume,
		c.unit,
		c.valueRupiah,
		c.fundingSource
	]);
	return { v, header, rows, label };
}

export function matrixVersionCsv(db: Db, workshopId: number, version: number, locale: Locale): string | null {
	const data = exportRows(db, workshopId, version, locale);
	return data ? toCsv(data.header, data.rows) : null;
}

/** Excel workbook: the grid as the forum saw it, the details one contribution per line, and the hash. */
export async function matrixVersionXlsx(db: Db, workshopId: number, version: number, locale: Locale, title = ''): Promise<Buffer | null> {
	const data = exportRows(db, workshopId, version, locale);
	if (!data) return null;
	const { v } = data;
	const t = (key: MessageKey) => translate(locale, key);
	const book = new ExcelJS.Workbook();
	book.creator = 'Mufakat';
	book.created = v.frozenAt;

	const grid = book.addWorksheet(t('export.sheetMatrix'));
	grid.addRow([t('export.workshop'), title]);
	grid.addRow([t('export.version'), v.version, t('export.frozenAt'), v.frozenAt.toISOString()]);
	grid.addRow([t('export.hash'), v.contentHash]);
	grid.addRow([]);
	const head = grid.addRow([t('export.institution'), t('sector.title'), ...v.components.map((c) => c.name)]);
	head.font = { bold: true };
	const cellText = (inst: number, comp: number) => {
		const c = v.cells.find((x) => x.institutionId === inst && x.componentId === comp);
		if (!c) return '';
		return [data.label(c.type), c.description].filter(Boolean).join(': ');
	};
	for (const r of v.rows)
		grid.addRow([r.name, translate(locale, `sector.${r.sector}` as MessageKey), ...v.components.map((c) => cellText(Number(r.id), Number(c.id)))]);
	grid.columns.forEach((col, i) => {
		col.width = i < 2 ? 24 : 40;
		col.alignment = { wrapText: true, vertical: 'top' };
	});

	const details = book.addWorksheet(t('export.sheetDetails'));
	details.addRow(data.header).font = { bold: true };
	for (const row of data.rows) details.addRow(row);
	details.getColumn(11).numFmt = '#,##0';
	details.columns.forEach((col, i) => (col.width = [5, 22, 14, 30, 18, 50, 24, 14, 10, 12, 16, 20][i] ?? 14));
	return Buffer.from(await book.xlsx.writeBuffer());
}
