/**
 * Commitments themselves imported from a spreadsheet (CSV), with the same rules as the progress
 * import (commitment-import.ts): a dry run lists every bad row by its spreadsheet row number before
 * anything changes, and applying is all or nothing in one transaction.
 *
 * Columns (Indonesian or English headers, any order, others ignored): komitmen/statement (required),
 * nomor/number (else numbered on from the programme's last), jenis/type (numerik, tonggak, kebijakan
 * or numeric, milestone, policy; numeric when empty), indikator/indicator, satuan/unit,
 * data dasar/baseline, tahun data dasar/baseline year, target, tenggat/deadline (YYYY-MM-DD),
 * penanggung jawab/lead (an institution of the forum by short name, official name or alias),
 * anggaran/budget (whole Rupiah), sumber dana/funding source.
 */
import { and, eq } from 'drizzle-orm';
import { parseDecimal } from '../../commitments/periods';
import { undoFormulaDefusing } from '../csv';
import { transaction, type Db } from '../db/client';
import { commitments, institutions, type COMMITMENT_TYPES } from '../db/schema';
import { InputError, type FieldMessage } from '../validation';
import { MAX_IMPORT_ROWS, parseCsvRecords } from './commitment-import';

export const COMMITMENT_IMPORT_COLUMNS = [
	'number',
	'statement',
	'type',
	'indicator',
	'unit',
	'baseline',
	'baselineYear',
	'target',
	'deadline',
	'lead',
	'budget',
	'fundingSource'
] as const;
export type CommitmentImportColumn = (typeof COMMITMENT_IMPORT_COLUMNS)[number];

const HEADERS: Record<CommitmentImportColumn, string[]> = {
	number: ['nomor', 'no', 'no.', 'number'],
	statement: ['komitmen', 'pernyataan komitmen', 'uraian komitmen', 'statement', 'commitment'],
	type: ['jenis', 'jenis komitmen', 'type'],
	indicator: ['indikator', 'indicator'],
	unit: ['satuan', 'unit'],
	baseline: ['data dasar', 'baseline'],
	baselineYear: ['tahun data dasar', 'baseline year'],
	target: ['target'],
	deadline: ['tenggat', 'batas waktu', 'deadline'],
	lead: ['penanggung jawab', 'lembaga', 'lead', 'responsible party', 'institution'],
	budget: ['anggaran', 'nilai (rp)', 'anggaran (rp)', 'budget', 'budget (rp)', 'value (rp)'],
	fundingSource: ['sumber dana', 'sumber anggaran', 'funding source']
};

const TYPE_WORDS: Record<string, (typeof COMMITMENT_TYPES)[number]> = {
	'': 'numeric',
	numerik: 'numeric',
	angka: 'numeric',
	numeric: 'numeric',
	tonggak: 'milestone',
	milestone: 'milestone',
	kebijakan: 'policy',
	policy: 'policy'
};

const norm = (s: string) => s.trim().toLowerCase().replace(/[_\s]+/g, ' ');

export type CommitmentImportProblem = { row: number; column: CommitmentImportColumn | null; message: FieldMessage };

export type CommitmentImportRow = {
	row: number;
	number: string;
	statement: string;
	type: (typeof COMMITMENT_TYPES)[number];
	indicator: string;
	unit: string;
	baselineValue: number | null;
	baselineYear: number | null;
	targetValue: number | null;
	targetDeadline: string | null;
	leadInstitutionId: number | null;
	leadName: string | null;
	budgetRupiah: number | null;
	fundingSource: string;
};

export type CommitmentImportCheck = { rows: CommitmentImportRow[]; problems: CommitmentImportProblem[]; dataRows: number };

/** Checks every row of a commitments CSV for a programme of the forum; writes nothing. */
export async function checkCommitmentImport(db: Db, forumId: number, programmeId: number, text: string): Promise<CommitmentImportCheck> {
	const problems: CommitmentImportProblem[] = [];
	const rows: CommitmentImportRow[] = [];
	const records = parseCsvRecords(text);
	const header = (records[0] ?? []).map(norm);
	const columnIndex = new Map<CommitmentImportColumn, number>();
	for (const column of COMMITMENT_IMPORT_COLUMNS) {
		const index = header.findIndex((h) => HEADERS[column].includes(h));
		if (index >= 0) columnIndex.set(column, index);
	}
	if (!columnIndex.has('statement')) problems.push({ row: 1, column: 'statement', message: { key: 'import.missingColumn', params: { column: HEADERS.statement[0]! } } });
	const data = records
		.slice(1)
		.map((cells, i) => ({ row: i + 2, cells }))
		.filter((r) => r.cells.some((c) => c.trim() !== ''));
	if (records.length === 0 || (data.length === 0 && problems.length === 0)) problems.push({ row: 1, column: null, message: { key: 'import.empty' } });
	if (data.length > MAX_IMPORT_ROWS) problems.push({ row: 1, column: null, message: { key: 'import.tooManyRows', params: { max: MAX_IMPORT_ROWS } } });
	if (problems.length > 0) return { rows, problems, dataRows: data.length };

	const existing = await db
		.select({ number: commitments.number })
		.from(commitments)
		.where(and(eq(commitments.forumId, forumId), eq(commitments.programmeId, programmeId)));
	const taken = new Set(existing.map((c) => norm(c.number)));
	let next = Math.max(0, ...existing.map((c) => Number(c.number)).filter((n) => Number.isInteger(n))) + 1;
	const insts = await db.select().from(institutions).where(and(eq(institutions.forumId, forumId), eq(institutions.approved, true)));
	const findInstitution = (name: string) => {
		const n = norm(name);
		const hits = insts.filter((i) => i.retiredAt === null && (norm(i.shortName) === n || norm(i.officialName) === n || i.aliases.some((a) => norm(a) === n)));
		return hits.length === 1 ? hits[0]! : null;
	};
	const seen = new Map<string, number>();

	for (const { row, cells } of data) {
		const get = (column: CommitmentImportColumn) => {
			const index = columnIndex.get(column);
			return index === undefined ? '' : undoFormulaDefusing((cells[index] ?? '').trim());
		};
		const rowProblems: CommitmentImportProblem[] = [];
		const fail = (column: CommitmentImportColumn | null, message: FieldMessage) => rowProblems.push({ row, column, message });
		const decimal = (column: CommitmentImportColumn, min = 0) => {
			const t = get(column);
			if (t === '') return null;
			const n = parseDecimal(t.replace(/^rp\.?\s*/i, ''));
			if (n === null) fail(column, { key: 'commitment.notNumber' });
			else if (n < min) fail(column, { key: 'commitment.notNegative' });
			return n;
		};

		const statement = get('statement').replace(/\s+/g, ' ');
		if (!statement) fail('statement', { key: 'error.required' });
		else if (statement.length > 1000) fail('statement', { key: 'error.tooLong', params: { max: 1000 } });
		let number = get('number');
		if (number.length > 20) fail('number', { key: 'error.tooLong', params: { max: 20 } });
		if (!number) number = String(next++);
		else if (taken.has(norm(number))) fail('number', { key: 'import.numberTaken', params: { number } });
		const earlier = seen.get(norm(number));
		if (earlier !== undefined) fail('number', { key: 'import.duplicateRow', params: { other: earlier } });
		else seen.set(norm(number), row);

		const typeText = get('type');
		const type = TYPE_WORDS[norm(typeText)];
		if (type === undefined) fail('type', { key: 'import.badType', params: { value: typeText.slice(0, 30) } });
		const indicator = get('indicator');
		if (indicator.length > 300) fail('indicator', { key: 'error.tooLong', params: { max: 300 } });
		const unit = get('unit');
		if (unit.length > 60) fail('unit', { key: 'error.tooLong', params: { max: 60 } });
		const baselineValue = decimal('baseline');
		const yearText = get('baselineYear');
		const baselineYear = yearText === '' ? null : Number(yearText);
		if (baselineYear !== null && (!Number.isInteger(baselineYear) || baselineYear < 1990 || baselineYear > 2100))
			fail('baselineYear', { key: 'error.outOfRange', params: { min: 1990, max: 2100 } });
		const targetValue = decimal('target');
		const deadline = get('deadline');
		if (deadline && (!/^\d{4}-\d{2}-\d{2}$/.test(deadline) || Number.isNaN(Date.parse(deadline)))) fail('deadline', { key: 'error.invalidDate' });
		const leadText = get('lead');
		const lead = leadText ? findInstitution(leadText) : null;
		if (leadText && !lead) fail('lead', { key: 'import.unknownInstitution', params: { name: leadText.slice(0, 60) } });
		const budget = decimal('budget');
		const fundingSource = get('fundingSource');
		if (fundingSource.length > 120) fail('fundingSource', { key: 'error.tooLong', params: { max: 120 } });

		if (rowProblems.length === 0)
			rows.push({
				row,
				number,
				statement,
				type: type!,
				indicator,
				unit,
				baselineValue,
				baselineYear,
				targetValue,
				targetDeadline: deadline || null,
				leadInstitutionId: lead?.id ?? null,
				leadName: lead?.shortName ?? null,
				budgetRupiah: budget === null ? null : Math.round(budget),
				fundingSource
			});
		problems.push(...rowProblems);
	}
	return { rows, problems, dataRows: data.length };
}

/** Adds every row's commitment only if every row is good; otherwise nothing changes. */
export async function applyCommitmentImport(db: Db, forumId: number, programmeId: number, text: string, now = new Date()): Promise<{ applied: number }> {
	const check = await checkCommitmentImport(db, forumId, programmeId, text);
	if (check.problems.length > 0) throw new InputError({ file: { key: 'import.hasProblems', params: { count: check.problems.length } } });
	await transaction(db, async (tx) => {
		for (const r of check.rows) {
			await tx.insert(commitments)
				.values({
					forumId,
					programmeId,
					number: r.number,
					statement: r.statement,
					type: r.type,
					indicator: r.indicator,
					unit: r.unit,
					baselineValue: r.baselineValue,
					baselineYear: r.baselineYear,
					targetValue: r.targetValue,
					targetDeadline: r.targetDeadline,
					leadInstitutionId: r.leadInstitutionId,
					budgetRupiah: r.budgetRupiah,
					fundingSource: r.fundingSource,
					status: 'active',
					createdAt: now
				});
		}
	});
	return { applied: check.rows.length };
}

/** The header line of a commitments template in a language. */
export function commitmentTemplateHeader(locale: 'id' | 'en'): string[] {
	return locale === 'id'
		? ['Nomor', 'Komitmen', 'Jenis', 'Indikator', 'Satuan', 'Data dasar', 'Tahun data dasar', 'Target', 'Tenggat', 'Penanggung jawab', 'Anggaran', 'Sumber dana']
		: ['Number', 'Statement', 'Type', 'Indicator', 'Unit', 'Baseline', 'Baseline year', 'Target', 'Deadline', 'Lead', 'Budget', 'Funding source'];
}
