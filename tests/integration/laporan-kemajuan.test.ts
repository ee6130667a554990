import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client } from '../helpers/http';
import { useTestServer } from '../helpers/lifecycle';

const ctx = useTestServer();
const TAMAN = '35.77.03.1009';
const DEMANGAN = '35.77.03.1008';
const KUNCEN = '35.77.03.1004';
const work = mkdtempSync(join(tmpdir(), 'mufakat-lk-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

function fileOf(bytes: Buffer, name: string): string {
	const file = join(work, name);
	writeFileSync(file, bytes);
	return file;
}

async function verifyPage(body: FormData): Promise<string> {
	const res = await fetch(ctx.server.url + '/verify', { method: 'POST', body, headers: { origin: ctx.server.url, accept: 'text/html' } });
	expect(res.status).toBe(200);
	return res.text();
}

/**
 * A social-protection programme with quarterly reports for 2026: in Q1 one verified report (with
 * kader by kelurahan and L/P, spending and an obstacle) and one unverified; in Q2 a verified one.
 */
async function seedProgramme(): Promise<number> {
	const verifier = (await ctx.serverDb.one("select id from users where email = 'sekretariat@mufakat.test'") as { id: number }).id;
	const programme = Number(await ctx.serverDb.insert("insert into programmes (forum_id, name) values (1, 'Perlindungan Sosial Terpadu')"));
	const commitment = async (number: string, statement: string, target: number, sites: string[], budget: number, source: string) => {
		const id = Number(
			await ctx.serverDb.insert("insert into commitments (forum_id, programme_id, number, statement, indicator, unit, baseline_value, target_value, budget_rupiah, funding_source, created_at) values (1, ?, ?, ?, ?, 'orang', 0, ?, ?, ?, ?)"
				, programme, number, statement, statement, target, budget, source, Date.UTC(2025, 11, 1))
		);
		for (const s of sites) await ctx.serverDb.run('insert into commitment_sites (commitment_id, area_code) values (?, ?)', id, s);
		return id;
	};
	const report = async (commitmentId: number, quarter: number, realisation: number, verified: boolean, spent: number, obstacles = '', followUp = '') =>
		Number(
			await ctx.serverDb.insert("insert into progress_reports (commitment_id, period_type, period_year, period_index, realisation, reporter_name, submitted_at, status, verified_at, verified_by, spent_rupiah, obstacles, follow_up) values (?, 'quarter', 2026, ?, ?, 'Pelapor Dinas', ?, ?, ?, ?, ?, ?, ?)"
				, commitmentId, quarter, realisation, Date.UTC(2026, quarter * 3, 5), verified ? 'verified' : 'submitted', verified ? Date.UTC(2026, quarter * 3, 9) : null, verified ? verifier : null, spent, obstacles, followUp)
		);
	const counts = async (reportId: number, rows: [string, number, number][]) => {
		for (const [area, male, female] of rows) {
			await ctx.serverDb.run("insert into beneficiary_counts (report_id, area_code, \"group\", sex, count) values (?, ?, '', 'L', ?)", reportId, area, male);
			await ctx.serverDb.run("insert into beneficiary_counts (report_id, area_code, \"group\", sex, count) values (?, ?, '', 'P', ?)", reportId, area, female);
		}
	};
	const training = await commitment('1', 'Pelatihan keterampilan bagi penerima bantuan sosial', 128, [TAMAN, DEMANGAN], 100_000_000, 'APBD Kota Madiun');
	const csr = await commitment('2', 'Magang kerja di mitra industri', 42, [KUNCEN], 50_000_000, 'CSR PT INKA');
	await counts(await report(training, 1, 64, true, 37_500_000, 'Jadwal pelatihan bentrok dengan panen', 'Kelas sore hari'), [
		[TAMAN, 21, 23],
		[DEMANGAN, 9, 11]
	]);
	await report(csr, 1, 41, false, 48_000_000, 'Belum diverifikasi: jangan dicetak');
	await counts(await report(training, 2, 117, true, 91_250_000), [
		[TAMAN, 45, 39],
		[DEMANGAN, 17, 16]
	]);
	return programme;
}

describe('the Laporan Kemajuan for the first triwulan', () => {
	let pdf: Buffer;
	let text: string;
	let secretariat: Client;
	let programme: number;

	beforeAll(async () => {
		programme = await seedProgramme();
		secretariat = new Client(ctx.server.url);
		await secretariat.login('sekretariat@mufakat.test', 'mufakat-demo');
		const res = await secretariat.post('/forums/1/dashboard/laporan-kemajuan', { programme: String(programme), period: '2026-T1', verified: '1' });
		expect(res.status).toBe(200);
		expect(res.headers.get('content-type')).toBe('application/pdf');
		pdf = Buffer.from(await res.arrayBuffer());
		text = execFileSync('pdftotext', ['-layout', fileOf(pdf, 'lk.pdf'), '-'], { encoding: 'utf8' }).replace(/\s+/g, ' ');
	});

	it('shows the letterhead, the period and only the verified figures of that triwulan', () => {
		expect(text).toContain('FORUM PEMBERDAYAAN MASYARAKAT');
		expect(text).toContain('LAPORAN KEMAJUAN');
		expect(text).toContain('Triwulan I 2026');
		expect(text).toContain('1 Januari 2026 – 31 Maret 2026');
		expect(text).toContain('64 orang');
		expect(text).toContain('Rp 37.500.000');
		expect(text).toContain('Jadwal pelatihan bentrok dengan');
		expect(text).toContain('Kelas sore hari');
		expect(text).toContain('Sekretariat YBN (demo)');
		// Q1's unverified report and Q2's verified one are not in it.
		expect(text).not.toContain('41 orang');
		expect(text).not.toContain('Rp 48.000.000');
		expect(text).not.toContain('jangan dicetak');
		expect(text).not.toContain('117 orang');
		expect(text).not.toContain('91.250.000');
	});

	it('gives beneficiaries by kelurahan and by L/P', () => {
		expect(text).toMatch(/Taman Taman 21 23 44/);
		expect(text).toMatch(/Demangan Taman 9 11 20/);
		expect(text).toMatch(/Menurut jenis kelamin: L 30 · P 34 · Jumlah 64/);
		expect(text).not.toMatch(/Kuncen Taman/);
	});

	it('is sealed over the whole file and passes qpdf', async () => {
		const file = fileOf(pdf, 'sealed.pdf');
		const sig = spawnSync('pdfsig', [file], { encoding: 'utf8' }).stdout;
		expect(sig).toContain('Signature Validation: Signature is Valid');
		expect(sig).toContain('Total document signed');
		expect(spawnSync('qpdf', ['--check', file], { encoding: 'utf8' }).status).toBe(0);
		const stored = await ctx.serverDb.one('select period_type t, period_year y, period_index i, programme_id p from sealed_reports where sha256 = ?', execFileSync('sha256sum', [file], { encoding: 'utf8' }).split(' ')[0]);
		expect(stored).toEqual({ t: 'quarter', y: 2026, i: 1, p: programme });
	});

	it('is recognised on /verify by file and by hash, naming the report, period and forum', async () => {
		const upload = new FormData();
		upload.append('pdf', new Blob([new Uint8Array(pdf)], { type: 'application/pdf' }), 'laporan.pdf');
		const byFile = await verifyPage(upload);
		expect(byFile).toContain('data-verdict="genuine"');
		expect(byFile).toMatch(/Laporan Kemajuan Triwulan I 2026: Perlindungan Sosial Terpadu · Forum Pemberdayaan Masyarakat/);

		const hash = execFileSync('sha256sum', [fileOf(pdf, 'h.pdf')], { encoding: 'utf8' }).split(' ')[0]!;
		const byHash = new FormData();
		byHash.append('hash', hash);
		const page = await verifyPage(byHash);
		expect(page).toContain('data-verdict="genuine"');
		expect(page).toContain('Triwulan I 2026');

		const changed = Buffer.from(pdf);
		const at = Math.floor(changed.length / 3);
		changed[at] = changed[at]! ^ 0x01;
		const tampered = new FormData();
		tampered.append('pdf', new Blob([new Uint8Array(changed)], { type: 'application/pdf' }), 'diubah.pdf');
		expect(await verifyPage(tampered)).not.toContain('data-verdict="genuine"');
	});

	it('is refused to an observer of the forum', async () => {
		await ctx.serverDb.run("insert into users (email, name, password_hash) select 'pengamat-lk@uji.test', 'Pengamat', password_hash from users where email = 'moderator@mufakat.test'");
		await ctx.serverDb.run("insert into forum_members (forum_id, user_id, role) select 1, id, 'observer' from users where email = 'pengamat-lk@uji.test'");
		const observer = new Client(ctx.server.url);
		await observer.login('pengamat-lk@uji.test', 'mufakat-demo');
		const before = (await ctx.serverDb.one('select count(*) n from sealed_reports') as { n: number }).n;
		expect((await observer.post('/forums/1/dashboard/laporan-kemajuan', { programme: String(programme), period: '2026-T1', verified: '1' })).status).toBe(403);
		expect((await ctx.serverDb.one('select count(*) n from sealed_reports') as { n: number }).n).toBe(before);
	});
});
