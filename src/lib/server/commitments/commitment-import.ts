/**
 * Progress rows imported from a spreadsheet (CSV). A dry run reports every bad row, by its row
 * number as the spreadsheet shows it (the header is row 1), before anything changes; applying is
 * all or nothing, in one transaction.
 *
 * Columns (Indonesian or English headers, any order, others ignored): nomor/number, periode/period
 * (2023-Q1, 2023-T1, 2023-S2 or 2023-05), realisasi/actual (a number, or selesai/belum for
 * milestone and policy commitments), status, narasi/narrative, kendala/obstacles,
 * tindak lanjut/follow-up, pelapor/reporter. The progress CSV export uses the same headers, so an
 * export can be edited and imported back. Commas or semicolons separate fields (Excel in an
 * Indonesian locale writes semicolons); quoted fields may hold separators, quotes and line breaks.
 * An uploaded file may be UTF-8 (with or without BOM), UTF-16 with BOM or Windows-1252 (Excel's
 * plain "CSV"); anything else is refused with the encoding named, never applied as mojibake.
 */
import { eq } from 'drizzle-orm';
import { parsePeriod, type Period } from '../../commitments/periods';
import { decodeCsvBytes, undoFormulaDefusing, type CsvDecodeRefusal } from '../csv';
import { transaction, type Db } from '../db/client';
import { commitments, programmes, progressReports, REPORT_FLAGS } from '../db/schema';
import { keepFirstRevision, recordRevision } from './report-revisions';
import { findReport, readReportFields, type Commitment, type ReportValues } from './progress';
import { InputError, InputReader, type FieldMessage } from '../validation';

export const MAX_IMPORT_BYTES = 1024 * 1024;
export const MAX_IMPORT_ROWS = 2000;

export const IMPORT_COLUMNS = ['number', 'period', 'realisation', 'flag', 'narrative', 'obstacles', 'followUp', 'reporter'] as const;
export type ImportColumn = (typeof IMPORT_COLUMNS)[number];

/** Header spellings accepted per column, compared lower-cased with spaces and underscores collapsed. */
const HEADERS: Record<ImportColumn, string[]> = {
	number: ['nomor', 'no', 'no.', 'number', 'nomor komitmen', 'commitment number', 'commitment', 'komitmen'],
	period: ['periode', 'period'],
	realisation: ['realisasi', 'realisation', 'realization', 'actual'],
	flag: ['status', 'status laporan', 'report status', 'flag'],
	narrative: ['narasi', 'narrative', 'uraian'],
	obstacles: ['kendala', 'obstacles', 'obstacle'],
	followUp: ['tindak lanjut', 'follow-up', 'follow up', 'followup'],
	reporter: ['pelapor', 'reporter']
};

const FLAG_WORDS: Record<string, (typeof REPORT_FLAGS)[number]> = {
	'': 'on_track',
	on_track: 'on_track',
	'on track': 'on_track',
	'sesuai rencana': 'on_track',
	at_risk: 'at_risk',
	'at risk': 'at_risk',
	berisiko: 'at_risk',
	late: 'late',
	terlambat: 'late',
	done: 'done',
	selesai: 'done'
};

const DONE_WORDS: Record<string, 'yes' | 'no'> = {
	selesai: 'yes',
	sudah: 'yes',
	ya: 'yes',
	done: 'yes',
	yes: 'yes',
	'1': 'yes',
	'100': 'yes',
	belum: 'no',
	'belum selesai': 'no',
	tidak: 'no',
	'not done': 'no',
	no: 'no',
	'0': 'no'
};

const norm = (s: string) => s.trim().toLowerCase().replace(/[_\s]+/g, ' ');

/** RFC 4180 records with the delimiter guessed from the header line; a leading BOM is dropped. */
export function parseCsvRecords(text: string): string[][] {
	const src = text.replace(/^\uFEFF/, '');
	const firstLine = src.slice(0, src.search(/\r?\n|$/));
	const count = (ch: string) => firstLine.split(ch).length - 1;
	const delimiter = count(';') > count(',') ? ';' : count('\t') > count(',') ? '\t' : ',';
	const records: string[][] = [];
	let record: string[] = [];
	let cell = '';
	let quoted = false;
	for (let i = 0; i < src.length; i++) {
		const ch = src[i]!;
		if (quoted) {
			if (ch === '"' && src[i + 1] === '"') (cell += '"'), i++;
			else if (ch === '"') quoted = false;
			else cell += ch;
		} else if (ch === '"' && cell === '') quoted = true;
		else if (ch === delimiter) record.push(cell), (cell = '');
		else if (ch === '\n' || ch === '\r') {
			if (ch === '\r' && src[i + 1] === '\n') i++;
			record.push(cell);
			records.push(record);
			record = [];
			cell = '';
		} else cell += ch;
	}
	if (cell !== '' || record.length > 0) {
		record.push(cell);
		records.push(record);
	}
	return records;
}


export type ImportProblem = { row: number; column: ImportColumn | null; message: FieldMessage };

export type ImportRow = {
	row: number;
	commitment: Pick<Commitment, 'id' | 'number' | 'statement' | 'type' | 'leadInstitutionId'>;
	period: Period;
	values: ReportValues;
	reporter: string;
	/** An unverified report for the same period is revised rather than added. */
	replaces: number | null;
};

export type ImportCheck = { rows: ImportRow[]; problems: ImportProblem[]; dataRows: number };

const READER_FIELD_TO_COLUMN: Record<string, ImportColumn> = {
	periodType: 'period',
	periodYear: 'period',
	periodIndex: 'period',
	realisation: 'realisation',
	done: 'realisation',
	narrative: 'narrative',
	obstacles: 'obstacles',
	followUp: 'followUp',
	flag: 'flag'
};

/** Checks every row of a CSV against a programme's commitments; writes nothing. */
export async function checkProgressImport(db: Db, forumId: number, programmeId: number, text: string): Promise<ImportCheck> {
	const problems: ImportProblem[] = [];
	const rows: ImportRow[] = [];
	const records = parseCsvRecords(text);
	const header = (records[0] ?? []).map(norm);
	const columnIndex = new Map<ImportColumn, number>();
	for (const column of IMPORT_COLUMNS) {
		const index = header.findIndex((h) => HEADERS[column].includes(h));
		if (index >= 0) columnIndex.set(column, index);
	}
	for (const required of ['number', 'period', 'realisation'] as const)
		if (!columnIndex.has(required)) problems.push({ row: 1, column: required, message: { key: 'import.missingColumn', params: { column: HEADERS[required][0]! } } });
	const data = records.slice(1).map((cells, i) => ({ row: i + 2, cells })).filter((r) => r.cells.some((c) => c.trim() !== ''));
	if (records.length === 0 || (data.length === 0 && problems.length === 0)) problems.push({ row: 1, column: null, message: { key: 'import.empty' } });
	if (data.length > MAX_IMPORT_ROWS) problems.push({ row: 1, column: null, message: { key: 'import.tooManyRows', params: { max: MAX_IMPORT_ROWS } } });
	if (problems.length > 0) return { rows, problems, dataRows: data.length };

	const list = (await db
		.select()
		.from(commitments)
		.where(eq(commitments.programmeId, programmeId)))
		.filter((c) => c.forumId === forumId);
	const byNumber = new Map<string, Commitment[]>();
	for (const c of list) byNumber.set(norm(c.number), [...(byNumber.get(norm(c.number)) ?? []), c]);
	const seen = new Map<string, number>();

	for (const { row, cells } of data) {
		const get = (column: ImportColumn) => {
			const index = columnIndex.get(column);
			return index === undefined ? '' : undoFormulaDefusing((cells[index] ?? '').trim());
		};
		const rowProblems: ImportProblem[] = [];
		const fail = (column: ImportColumn | null, message: FieldMessage) => rowProblems.push({ row, column, message });

		const number = get('number');
		const matches = byNumber.get(norm(number)) ?? [];
		if (!number) fail('number', { key: 'error.required' });
		else if (matches.length === 0) fail('number', { key: 'import.unknownCommitment', params: { number } });
		else if (matches.length > 1) fail('number', { key: 'import.ambiguousCommitment', params: { number } });
		const commitment = matches.length === 1 ? matches[0]! : null;

		const periodText = get('period');
		const period = parsePeriod(periodText);
		if (!periodText) fail('period', { key: 'error.required' });
		else if (!period) fail('period', { key: 'import.badPeriod', params: { value: periodText.slice(0, 20) } });

		const flagText = norm(get('flag'));
		const flag = FLAG_WORDS[flagText];
		if (flag === undefined) fail('flag', { key: 'import.badFlag', params: { value: get('flag').slice(0, 30) } });

		const realisationText = get('realisation');
		const reporter = get('reporter');
		if (reporter.length > 120) fail('reporter', { key: 'error.tooLong', params: { max: 120 } });

		if (commitment && period) {
			const reader = new InputReader({
				periodType: period.type,
				periodYear: String(period.year),
				periodIndex: String(period.index),
				realisation: realisationText,
				done: DONE_WORDS[norm(realisationText)] ?? realisationText,
				narrative: get('narrative'),
				obstacles: get('obstacles'),
				followUp: get('followUp'),
				flag: flag ?? 'on_track'
			});
			const values = readReportFields(reader, commitment);
			for (const [field, message] of Object.entries(reader.errors)) fail(READER_FIELD_TO_COLUMN[field] ?? null, message);
			const key = `${commitment.id}:${period.type}:${period.year}:${period.index}`;
			const earlier = seen.get(key);
			if (earlier !== undefined) fail('period', { key: 'import.duplicateRow', params: { other: earlier } });
			else seen.set(key, row);
			const existing = await findReport(db, commitment.id, period);
			if (existing?.verifiedAt) fail('period', { key: 'progress.periodVerified' });
			if (values && rowProblems.length === 0)
				rows.push({
					row,
					commitment: { id: commitment.id, number: commitment.number, statement: commitment.statement, type: commitment.type, leadInstitutionId: commitment.leadInstitutionId },
					period,
					values,
					reporter,
					replaces: existing?.id ?? null
				});
		}
		problems.push(...rowProblems);
	}
	return { rows, problems, dataRows: data.length };
}

/**
 * Applies an import only if every row is good: otherwise nothing changes and the caller gets the
 * problems. Rows without a reporter are filed in the importing account's name.
 */
export async function applyProgressImport(
	db: Db,
	forumId: number,
	programmeId: number,
	text: string,
	importer: { name: string; userId?: number | null },
	now = new Date()
): Promise<{ applied: number }> {
	const check = await checkProgressImport(db, forumId, programmeId, text);
	if (check.problems.length > 0)
		throw new InputError({ file: { key: 'import.hasProblems', params: { count: check.problems.length } } });
	await transaction(db, async (tx) => {
		for (const r of check.rows) {
			const row = {
				realisation: r.values.realisation,
				narrative: r.values.narrative,
				obstacles: r.values.obstacles,
				followUp: r.values.followUp,
				flag: r.values.flag,
				reporterName: r.reporter || importer.name,
				reporterInstitutionId: r.commitment.leadInstitutionId,
				submittedAt: now,
				// An imported row answers a return like a resubmission: back in review, the old note is history.
				status: 'submitted' as const,
				returnReason: null,
				returnedAt: null,
				returnedBy: null
			};
			const by = { userId: importer.userId ?? null, name: importer.name };
			if (r.replaces != null) {
				await keepFirstRevision(tx, r.replaces);
				await tx.update(progressReports).set(row).where(eq(progressReports.id, r.replaces));
				await recordRevision(tx, r.replaces, 'edit', by, now);
			} else {
				const report = (await tx
					.insert(progressReports)
					.values({ commitmentId: r.commitment.id, periodType: r.period.type, periodYear: r.period.year, periodIndex: r.period.index, ...row })
					.returning({ id: progressReports.id }))[0]!;
				await recordRevision(tx, report.id, 'submit', by, now);
			}
		}
	});
	return { applied: check.rows.length };
}

/** The header line of an import template in a language: the same words the export uses. */
export function importTemplateHeader(locale: 'id' | 'en'): string[] {
	return locale === 'id'
		? ['Nomor', 'Periode', 'Realisasi', 'Status', 'Narasi', 'Kendala', 'Tindak lanjut', 'Pelapor']
		: ['Number', 'Period', 'Actual', 'Status', 'Narrative', 'Obstacles', 'Follow-up', 'Reporter'];
}

function encodingRefusal(refusal: CsvDecodeRefusal): FieldMessage {
	switch (refusal.reason) {
		case 'noBom':
			return { key: 'import.encodingNoBom', params: { encoding: refusal.encoding } };
		case 'invalid':
			return { key: 'import.encodingInvalid', params: { encoding: refusal.encoding } };
		case 'unsupported':
			return { key: 'import.encodingUnsupported', params: { encoding: refusal.encoding } };
		case 'unknown':
			return { key: 'import.encodingUnknown' };
	}
}

/** The CSV text from an uploaded file or, failing that, from the pasted text; size-checked. */
export async function readImportText(input: FormData): Promise<string> {
	const file = input.get('file');
	const pasted = input.get('csv');
	let text = '';
	if (file && typeof file !== 'string' && file.size > 0) {
		if (file.size > MAX_IMPORT_BYTES) throw new InputError({ file: { key: 'import.tooLarge', params: { mb: MAX_IMPORT_BYTES / 1024 / 1024 } } });
		const decoded = decodeCsvBytes(new Uint8Array(await file.arrayBuffer()));
		if (!decoded.ok) throw new InputError({ file: encodingRefusal(decoded) });
		text = decoded.text;
	} else if (typeof pasted === 'string') text = pasted;
	if (text.length > MAX_IMPORT_BYTES) throw new InputError({ file: { key: 'import.tooLarge', params: { mb: MAX_IMPORT_BYTES / 1024 / 1024 } } });
	if (!text.trim()) throw new InputError({ file: { key: 'import.noFile' } });
	return text;
}

/** The programme an import is for: one of the forum's. */
export async function readImportProgramme(db: Db, forumId: number, input: FormData): Promise<number> {
	const form = new InputReader(input);
	const programmeId = form.integer('programmeId', { min: 1 });
	const programme = programmeId ? (await db.select().from(programmes).where(eq(programmes.id, programmeId)))[0] : undefined;
	if (programmeId && (!programme || programme.forumId !== forumId)) form.fail('programmeId', 'error.invalidChoice');
	form.done();
	return programmeId!;
}
