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

export const FILLED_CELLS = 45;

/**
 * Fills a live workshop's matrix the way the hall does it: every institution writes only its own
 * row, through a real y-websocket client with its own representative token (the server needs
 * MUFAKAT_COLLAB_SECRET = TEST_SECRET). 45 of the demo's 51 cells are filled, as in the hall
 * measurements of issue 11. Resolves once an independent viewer sees every write on the server.
 */
export async function fillMatrix(baseUrl: string, workshopId = 3, filled = FILLED_CELLS): Promise<void> {
	const room = roomName(workshopId);
	const viewer = connectClient(baseUrl, room, { token: token({ role: 'viewer', workshopId }) });
	const writers: TestClient[] = [];
	try {
		await viewer.synced;
		const { rows, components } = readMatrix(viewer.doc);
		const keys = rows.flatMap((row) => components.map((c) => ({ row: row.id, key: cellKey(row.id, c.id) })));
		// Spread the empty cells over the matrix instead of leaving the last rows blank.
		const skip = keys.length - filled;
		const step = skip > 0 ? Math.floor(keys.length / skip) : Infinity;
		const chosen = keys.filter((_, i) => skip <= 0 || (i + 1) % step !== 0 || (i + 1) / step > skip);
		for (const row of rows) {
			const own = chosen.filter((c) => c.row === row.id);
			if (own.length === 0) continue;
			const writer = connectClient(baseUrl, room, { token: token({ role: 'representative', workshopId, institutionId: Number(row.id), name: `Wakil ${row.shortName}` }) });
			writers.push(writer);
			await writer.synced;
			for (const { key } of own) {
				const n = keys.findIndex((k) => k.key === key);
				setCellField(writer.doc, key, 'type', CONTRIBUTION_TYPES[n % CONTRIBUTION_TYPES.length]!);
				applyTextEdit(cellDescription(writer.doc, key)!, DESCRIPTIONS[n % DESCRIPTIONS.length]!, null);
				if (n % 3 === 0) {
					setCellField(writer.doc, key, 'volume', 10 + n);
					setCellField(writer.doc, key, 'unit', 'orang');
				}
				if (n % 4 === 1) setCellField(writer.doc, key, 'valueRupiah', 25_000_000 * (1 + (n % 5)));
				if (n % 5 === 2) setCellField(writer.doc, key, 'fundingSource', 'APBD');
				if (n % 6 === 3) setCellField(writer.doc, key, 'timing', 'Triwulan II 2025');
			}
		}
		await until(
			() => Object.values(readMatrix(viewer.doc).cells).filter((c) => !isCellEmpty(c)).length >= chosen.length,
			20_000,
			`${chosen.length} filled cells`
		);
	} finally {
		for (const w of writers) w.destroy();
		viewer.destroy();
	}
}
