import type { Page } from 'playwright-core';

/** What a representative types into the report form of demo commitment 3 (sites Taman and Demangan) for one triwulan of 2026. */
export type QuarterReport = {
	quarter: 'I' | 'II' | 'III' | 'IV';
	realisation: string;
	/** L and P per kelurahan. */
	taman: [string, string];
	demangan: [string, string];
	/** Counts for a forum group (its name as the form's column shows it), per kelurahan. */
	groups?: { name: string; taman?: string; demangan?: string }[];
	photo?: Uint8Array;
};

/**
 * Fills and sends the report form on a standing reporting link's commitment page, and waits for the
 * representative's list to confirm it was saved.
 */
export async function fileReport(phone: Page, opts: QuarterReport): Promise<void> {
	await phone.getByLabel('Nama pelapor').fill('Eko Purnomo');
	await phone.getByLabel('Tahun').fill('2026');
	await phone.getByLabel('Periode ke-').selectOption({ label: `Triwulan ${opts.quarter} 2026` });
	await phone.getByLabel(/^Realisasi kumulatif/).fill(opts.realisation);
	await phone.getByLabel('L, Taman', { exact: true }).fill(opts.taman[0]);
	await phone.getByLabel('P, Taman', { exact: true }).fill(opts.taman[1]);
	await phone.getByLabel('L, Demangan', { exact: true }).fill(opts.demangan[0]);
	await phone.getByLabel('P, Demangan', { exact: true }).fill(opts.demangan[1]);
	for (const g of opts.groups ?? []) {
		if (g.taman !== undefined) await phone.getByLabel(`${g.name}, Taman`, { exact: true }).fill(g.taman);
		if (g.demangan !== undefined) await phone.getByLabel(`${g.name}, Demangan`, { exact: true }).fill(g.demangan);
	}
	await phone.getByLabel('Uraian kegiatan').fill(`Pelatihan kader triwulan ${opts.quarter}.`);
	if (opts.photo) await phone.getByLabel('Bukti dukung: foto atau dokumen').setInputFiles({ name: `pelatihan-${opts.quarter}.png`, mimeType: 'image/png', buffer: Buffer.from(opts.photo) });
	await phone.getByRole('button', { name: 'Kirim laporan' }).click();
	await phone.waitForURL(/\/r\/[^/]+\?saved=1$/);
}
