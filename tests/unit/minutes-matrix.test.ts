/**
 * The matrix as agreed reaches the berita acara: a 20 × 6 grant matrix with every field filled is
 * read back out of the sealed PDF with poppler (each field of sampled cells, the Rupiah totals, the
 * site names, no cell text lost), pdfsig finds the seal valid over the whole file, qpdf finds it
 * clean; and the demo workshop's frozen matrix goes the whole way from SQL through the signed text
 * to the sealed PDF.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatRupiah } from '../../src/lib/commitments/periods';
import type { AgreedContribution } from '../../src/lib/minutes/types';
import { getDb, type Db } from '../../src/lib/server/db/client';
import { importAreas } from '../../src/lib/server/areas';
import { seedDemo } from '../../src/lib/server/demo';
import { currentMatrixVersion } from '../../src/lib/server/matrix/freeze';
import { matrixVersionCsv, matrixVersionXlsx } from '../../src/lib/server/matrix/exports';
import { currentMinutesVersion, minutesContent } from '../../src/lib/server/minutes';
import { prepareDemoMinutes, signDemoMinutes } from '../../src/lib/server/demo-minutes';
import { deleteCommitment, promoteCellToCommitment } from '../../src/lib/server/commitments/commitments';
import { commitments } from '../../src/lib/server/db/schema';
import { eq } from 'drizzle-orm';
import { renderMinutesPdf } from '../../src/lib/server/pdf/render-minutes';
import { createSealCertificate, sealPdf } from '../../src/lib/server/pdf/seal';
import { sealedPdf } from '../../src/lib/server/sealing';
import ExcelJS from 'exceljs';
import { GRANT_COMPONENTS, GRANT_INSTITUTIONS, grantMatrix } from './fixtures/grant-matrix';
import { madiunMinutes } from './fixtures/minutes';
import { runTool, writeTemp, flatText } from '../helpers/pdf-tools';

process.env.DATABASE_PATH = ':memory:';

let dir: string;

const run = runTool;

const file = (name: string, bytes: Uint8Array) => writeTemp(dir, name, bytes);

const flat = flatText;

/** What a cell must show, field by field, in the PDF's own words. */
function expectedFields(cell: AgreedContribution, typeLabel: string): string[] {
	return [typeLabel, cell.description, `${cell.volume} ${cell.unit} · ${formatRupiah(cell.valueRupiah)}`, `Lokasi: ${cell.sites.map((s) => s.name).join(', ')}`, `Waktu: ${cell.timing}`, `Sumber dana: ${cell.fundingSource}`];
}

const LABELS: Record<string, string> = {
	PENDANAAN: 'Pendanaan',
	PELATIHAN: 'Pelatihan',
	PENDAMPINGAN: 'Pendampingan',
	FASILITASI: 'Fasilitasi',
	DATA_KAJIAN: 'Data dan kajian',
	KEBIJAKAN: 'Kebijakan',
	SARPRAS: 'Sarana prasarana',
	PROMOSI: 'Promosi',
	JEJARING: 'Jejaring',
	MONEV: 'Monitoring dan evaluasi'
};

beforeAll(() => {
	dir = mkdtempSync(join(tmpdir(), 'mufakat-matrix-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('a 20 × 6 grant matrix in the sealed berita acara', () => {
	const matrix = grantMatrix();
	let text: string;
	let matrixPages: string[];
	let path: string;

	beforeAll(async () => {
		const pdf = await renderMinutesPdf(madiunMinutes({ matrix, signers: 20 }));
		path = file('grant.pdf', await sealPdf(pdf, createSealCertificate('Forum Pesawaran'), { reason: 'Segel', location: 'Pesawaran', name: 'Forum' }));
		const pages = run('pdftotext', ['-enc', 'UTF-8', path, '-']).out.split('\f');
		text = flat(pages.join(' '));
		matrixPages = pages.map(flat).filter((p) => p.includes('Lembaga/Instansi (Unsur)'));
	});

	it('prints every field of every cell whole: type by its label, description, volume and Rupiah, named sites, timing, funding', () => {
		const missing: string[] = [];
		matrix.rows.forEach((row, r) =>
			row.cells.forEach((cell, c) => {
				for (const field of expectedFields(cell as AgreedContribution, LABELS[(cell as AgreedContribution).type]!))
					if (!text.includes(flat(field))) missing.push(`${r + 1}.${c + 1}: ${field}`);
			})
		);
		expect(missing).toEqual([]);
		// The codes are never printed as such.
		expect(text).not.toMatch(/pendanaan:|DATA_KAJIAN|data kajian:/);
	});

	it('totals the Rupiah per institution and per component', () => {
		const value = (r: number, c: number) => (matrix.rows[r]!.cells[c] as AgreedContribution).valueRupiah!;
		for (const r of [0, 7, 19]) expect(text).toContain(flat(formatRupiah(GRANT_COMPONENTS.reduce((sum, _, c) => sum + value(r, c), 0))));
		for (let c = 0; c < 6; c++) expect(text).toContain(flat(formatRupiah(GRANT_INSTITUTIONS.reduce((sum, _, r) => sum + value(r, c), 0))));
		const grand = GRANT_INSTITUTIONS.reduce((sum, _, r) => sum + GRANT_COMPONENTS.reduce((s, __, c) => s + value(r, c), 0), 0);
		expect(text).toContain(flat(formatRupiah(grand)));
	});

	it('repeats the header on each landscape page and keeps every institution', () => {
		expect(matrixPages.length).toBeGreaterThanOrEqual(3);
		for (const page of matrixPages) for (const component of GRANT_COMPONENTS) expect(page).toContain(flat(component));
		for (const page of matrixPages.slice(1)) expect(page).toContain('(lanjutan)');
		for (const institution of GRANT_INSTITUTIONS) expect(text).toContain(institution);
		const sizes = run('pdfinfo', ['-f', '1', '-l', '40', path]).out;
		expect(sizes).toMatch(/Page\s+\d+ size:\s+841\.89 x 595\.28/);
	});

	it('is sealed: pdfsig finds the signature valid over the whole file, and qpdf finds it clean', () => {
		const { out } = run('pdfsig', [path]);
		expect(out).toContain('Signature Validation: Signature is Valid');
		expect(out).toContain('Total document signed');
		const check = run('qpdf', ['--check', path]);
		expect(check.status).toBe(0);
		expect(check.out).toContain('No syntax or stream encoding errors found');
	});
});

describe('the demo workshop from frozen matrix to sealed PDF', () => {
	let db: Db;
	let text: string;

	beforeAll(async () => {
		db = getDb();
		await importAreas(db);
		await seedDemo(db);
		await prepareDemoMinutes(db);
		await signDemoMinutes(db, 'http://mufakat.test');
		text = flat(run('pdftotext', ['-enc', 'UTF-8', file('demo.pdf', (await sealedPdf(db, 1, 1))!), '-']).out);
	});

	it('signs the cells field by field, with pilot sites named with the village word', async () => {
		const content = minutesContent((await currentMinutesVersion(db, 1))!);
		const cells = content.matrix!.rows.flatMap((r) => r.cells).filter((c): c is AgreedContribution => !!c && typeof c === 'object');
		expect(cells.find((c) => c.valueRupiah === 250_000_000)).toMatchObject({ type: 'PENDANAAN', volume: 21, unit: 'mitra UMKM', fundingSource: 'TJSL' });
		expect(cells.flatMap((c) => c.sites)).toContainEqual({ code: '35.77.03.1009', name: 'Kelurahan Taman' });
	});

	it('prints them in the sealed PDF: labels not codes, Rupiah, sites by name, timing, funding, totals', () => {
		for (const expected of ['Pendanaan', '21 mitra UMKM · Rp 250.000.000', 'Sumber dana: TJSL', 'Lokasi: Kelurahan Taman', 'Waktu: Januari–Maret 2022', '40 orang · Rp 60.000.000', 'Jumlah nilai'])
			expect(text).toContain(expected);
		// Rp 60.000.000 (Disnaker KUKM) + Rp 250.000.000 (PT INKA): the whole matrix and the "Profiling UMKM" column.
		expect(text).toContain('Rp 310.000.000');
		expect(text).not.toMatch(/pendanaan:|data kajian:/);
	});

	it("prints the signing times in the long form, in the forum's zone", () => {
		expect(text).toContain('Senin, 8 November 2021 pukul 11.40 WIB');
	});

	it('gives a commitment promoted from a cell its Rupiah value, funding source and a deadline from its timing', async () => {
		const frozen = (await currentMatrixVersion(db, 1))!;
		const cell = frozen.cells.find((c) => c.institutionName === 'Disnaker KUKM' && c.valueRupiah !== null)!;
		// The demo ships a commitment made from this cell by hand (no budget); taken away, the cell can be promoted.
		const made = await db.select().from(commitments).where(eq(commitments.sourceInstitutionId, cell.institutionId));
		for (const c of made) await deleteCommitment(db, 1, c.id, dir);
		const promoted = await promoteCellToCommitment(db, 1, { workshopId: 1, version: frozen.version, institutionId: cell.institutionId, componentId: cell.componentId });
		expect(promoted).toMatchObject({ budgetRupiah: 60_000_000, fundingSource: 'APBD' });
		const policy = frozen.cells.find((c) => c.institutionName === 'Bappelitbangda' && c.timing === 'Januari–Maret 2022')!;
		const withDeadline = await promoteCellToCommitment(db, 1, { workshopId: 1, version: frozen.version, institutionId: policy.institutionId, componentId: policy.componentId });
		expect(withDeadline).toMatchObject({ targetDeadline: '2022-03-31', fundingSource: 'APBD', budgetRupiah: null });
	});

	it('exports the same fields: sites by name beside their codes, ";" for Indonesian and "," for English, BOM, a real date cell', async () => {
		const id = (await matrixVersionCsv(db, 1, 1, 'id'))!;
		const en = (await matrixVersionCsv(db, 1, 1, 'en'))!;
		expect(id.startsWith('\uFEFF')).toBe(true);
		expect(en.startsWith('\uFEFF')).toBe(true);
		expect(id.split('\r\n')[0]).toContain(';Lembaga/Instansi;');
		expect(en.split('\r\n')[0]).not.toContain(';');
		expect(id).toContain('Kelurahan Taman (35.77.03.1009)');
		const book = new ExcelJS.Workbook();
		await book.xlsx.load((await matrixVersionXlsx(db, 1, 1, 'id')) as unknown as ArrayBuffer);
		const frozenAt = book.worksheets[0]!.getRow(2).getCell(4).value;
		expect(frozenAt).toBeInstanceOf(Date);
		const grid = JSON.stringify(book.worksheets[0]!.getSheetValues());
		expect(grid).toContain('Rp 250.000.000');
		expect(grid).toContain('Kelurahan Taman (35.77.03.1009)');
	});
});
