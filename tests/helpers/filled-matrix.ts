import type Database from 'better-sqlite3';
import { CONTRIBUTION_TYPES, cellKey, isCellEmpty, readMatrix, roomName } from '../../src/lib/collab/matrix-doc';
import { applyTextEdit, cellDescription, setCellField } from '../../src/lib/collab/matrix-edits';
import { connectClient, token, until, type TestClient } from './collab';

/** Contributions as people type them in the hall: short ones, long ones, some with figures. */
const DESCRIPTIONS = [
	'Memfasilitasi Musrenbang kelurahan dan mengintegrasikan program ke RKPD 2025.',
	'Pelatihan manajemen usaha dan pemasaran digital bagi 40 pelaku UMKM lapak kelurahan.',
	'Pendampingan kelompok warga menyusun rencana aksi dan memantau pelaksanaannya setiap bulan bersama kader Pokmas.',
	'Menyediakan balai kelurahan untuk kegiatan warga.',
	'Program kemitraan TJSL: pinjaman lunak bagi UMKM binaan di Kota Madiun, disertai pembinaan pembukuan sederhana.',
	'Publikasi kegiatan dan capaian melalui kanal resmi Pemerintah Kota dan radio komunitas.',
	'Kajian dan pendampingan metodologi monitoring partisipatif, termasuk pelatihan enumerator warga.',
	'Akses pembiayaan dan literasi keuangan bagi pelaku UMKM lapak.',
	'Mengoordinasikan monitoring partisipatif bersama Forpemma setiap triwulan dan melaporkannya ke forum.',
	'Menyediakan data lapak UMKM di 27 kelurahan untuk profiling.',
	'Melibatkan pemuda dan Karang Taruna dalam kegiatan kelurahan mandiri.',
	'Menjalankan sekretariat forum, menyiapkan undangan, notulen dan berita acara lokakarya lanjutan.'
];
const FUNDING_SOURCES = ['APBD', 'TJSL/CSR', 'Swadaya'];

/** The hall measurements of issue 11: 45 of the demo's 51 cells filled. */
export const FILLED_CELLS = 45;

export type MatrixFill = {
	workshopId?: number;
	/** How many cells get content, the empty ones spread over the matrix; every cell when left out. */
	cells?: number;
} & (
	| {
			/** The mix people type in the hall: type and description everywhere, figures, timing and funding on some cells. */
			fields?: 'mix';
	  }
	| {
			/** Every field of every filled cell, pilot sites (one or two of `sites`) included. */
			fields: 'every';
			sites: string[];
	  }
);

/** The official codes of the pilot sites of a workshop's programme, the values a cell's `sites` may hold. */
export function pilotSiteCodes(db: Database.Database, workshopId: number): string[] {
	const rows = db.prepare('select area_code as code from pilot_sites where programme_id = (select programme_id from workshops where id = ?)').all(workshopId) as { code: string }[];
	return rows.map((s) => s.code);
}

/**
 * Fills a live workshop's matrix the way the hall does it: every institution writes only its own
 * row, through a real y-websocket client with its own representative token (the server needs
 * MUFAKAT_COLLAB_SECRET = TEST_SECRET). Fails if the server refuses any write; resolves once an
 * independent viewer sees every filled cell on the server, with how many rows and cells there are.
 */
export async function fillMatrix(baseUrl: string, fill: MatrixFill = {}): Promise<{ rows: number; cells: number }> {
	const workshopId = fill.workshopId ?? 3;
	const room = roomName(workshopId);
	const viewer = connectClient(baseUrl, room, { token: token({ role: 'viewer', workshopId }) });
	const writers: TestClient[] = [];
	try {
		await viewer.synced;
		const { rows, components } = readMatrix(viewer.doc);
		const keys = rows.flatMap((row) => components.map((c) => ({ row: row.id, key: cellKey(row.id, c.id) })));
		// Spread the empty cells over the matrix instead of leaving the last rows blank.
		const skip = keys.length - (fill.cells ?? keys.length);
		const step = skip > 0 ? Math.floor(keys.length / skip) : Infinity;
		const chosen = keys.filter((_, i) => skip <= 0 || (i + 1) % step !== 0 || (i + 1) / step > skip);
		for (const row of rows) {
			const own = chosen.filter((c) => c.row === row.id);
			if (own.length === 0) continue;
			const writer = connectClient(baseUrl, room, { token: token({ role: 'representative', workshopId, institutionId: Number(row.id), name: `Wakil ${row.shortName}` }) });
			writers.push(writer);
			await writer.synced;
			writer.doc.transact(() => {
				for (const { key } of own) writeCell(writer, key, keys.findIndex((k) => k.key === key), fill);
			});
		}
		await until(
			() => writers.some((w) => w.denied.length > 0) || Object.values(readMatrix(viewer.doc).cells).filter((c) => !isCellEmpty(c)).length >= chosen.length,
			20_000,
			`${chosen.length} filled cells`
		);
		const refused = writers.flatMap((w) => w.denied);
		if (refused.length > 0) throw new Error(`the server refused writes while filling the matrix: ${refused.join('; ')}`);
		return { rows: rows.length, cells: chosen.length };
	} finally {
		for (const w of writers) w.destroy();
		viewer.destroy();
	}
}

/** The `n`th cell of the matrix (row by row), with values that vary from cell to cell. */
function writeCell(writer: TestClient, key: string, n: number, fill: MatrixFill): void {
	const every = fill.fields === 'every';
	setCellField(writer.doc, key, 'type', CONTRIBUTION_TYPES[n % CONTRIBUTION_TYPES.length]!);
	applyTextEdit(cellDescription(writer.doc, key)!, DESCRIPTIONS[n % DESCRIPTIONS.length]!, null);
	if (every || n % 3 === 0) {
		setCellField(writer.doc, key, 'volume', 10 + n);
		setCellField(writer.doc, key, 'unit', 'orang');
	}
	if (every || n % 4 === 1) setCellField(writer.doc, key, 'valueRupiah', 25_000_000 * (1 + (n % 5)));
	if (every || n % 5 === 2) setCellField(writer.doc, key, 'fundingSource', FUNDING_SOURCES[every ? n % FUNDING_SOURCES.length : 0]!);
	if (every || n % 6 === 3) setCellField(writer.doc, key, 'timing', 'Triwulan II 2025');
	if (fill.fields === 'every') setCellField(writer.doc, key, 'sites', fill.sites.slice(0, 1 + (n % 2)));
}
