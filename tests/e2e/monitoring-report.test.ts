import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { Locator, Page } from 'playwright-core';
import { afterAll, describe, expect, it } from 'vitest';
import { seriousViolations } from '../helpers/axe';
import { useTestServer } from '../helpers/lifecycle';
import { outputPath, PHONE, signIn } from '../helpers/browser';
import { fileReport } from '../helpers/report-form';

const ctx = useTestServer({ browser: true });
const work = mkdtempSync(join(tmpdir(), 'mufakat-monev-e2e-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

// axe-core arrives as an inline script: the contexts it runs in bypass the page's CSP.
const LAPTOP = { viewport: { width: 1366, height: 900 }, bypassCSP: true };
/** Demo commitment 3 of Forpemma: 120 kader trained, led by YBN, in Kelurahan Taman and Demangan. */
const STATEMENT = 'Melatih 120 kader warga';
const GROUP = 'Penyandang disabilitas';

const reportOf = (page: Page, quarter: string): Locator => page.getByTestId('report').filter({ hasText: `Triwulan ${quarter} 2026` });
const groupCount = () => (ctx.db.prepare('select count(*) n from beneficiary_groups where forum_id = 1').get() as { n: number }).n;

function run(command: string, args: string[]): string {
	const result = spawnSync(command, args, { encoding: 'utf8' });
	expect(result.error, `${command} is installed (scripts/test.sh installs it)`).toBeUndefined();
	return `${result.stdout}${result.stderr}`;
}

describe('the quarterly report from a forum’s monitoring', () => {
	it('a forum group defined by the secretariat is reported by desa; the period view and the sealed Laporan Kemajuan for Triwulan I show only its verified figures', async () => {
		const rw = new Database(ctx.server.dbPath);
		rw.prepare("update workshops set status = 'closed' where status = 'live'").run();
		rw.close();
		const { id: commitmentId, programme_id: programmeId } = ctx.db.prepare('select id, programme_id from commitments where forum_id = 1 and statement like ?').get(`${STATEMENT}%`) as {
			id: number;
			programme_id: number;
		};

		// The secretariat defines the forum's groups on its monitoring page: add, refuse a repeat, rename, delete.
		const staffContext = await ctx.browser.newContext(LAPTOP);
		const staff = await staffContext.newPage();
		await signIn(staff, ctx.server.url, { email: 'sekretariat@mufakat.test', next: '/forums/1/reporting' });
		const groups = staff.getByRole('region', { name: 'Kelompok penerima manfaat' });
		const addGroup = async (name: string) => {
			await groups.getByLabel('Nama kelompok', { exact: true }).fill(name);
			await groups.getByRole('button', { name: 'Tambah kelompok' }).click();
		};
		await addGroup(GROUP);
		await expect.poll(() => groups.getByRole('status').textContent()).toBe(`Kelompok "${GROUP}" ditambahkan.`);
		await addGroup('penyandang  DISABILITAS');
		await expect.poll(() => groups.getByRole('alert').textContent()).toContain('sudah ada di forum ini');
		expect(await groups.getByLabel('Nama kelompok', { exact: true }).inputValue()).toBe('penyandang  DISABILITAS');
		expect(groupCount()).toBe(1);
		await addGroup('Lansia');
		await expect.poll(() => groups.getByRole('status').textContent()).toBe('Kelompok "Lansia" ditambahkan.');
		await groups.getByLabel('Nama baru untuk Lansia').fill('Lanjut usia');
		await groups.getByRole('button', { name: 'Ganti nama kelompok Lansia' }).click();
		await expect.poll(() => groups.getByRole('status').textContent()).toBe('Nama kelompok diganti menjadi "Lanjut usia".');
		await groups.getByRole('button', { name: 'Hapus kelompok Lanjut usia' }).click();
		await expect.poll(() => groups.getByRole('status').textContent()).toBe('Kelompok "Lanjut usia" dihapus.');
		expect(await groups.getByTestId('beneficiary-group').count()).toBe(1);
		expect((ctx.db.prepare('select name from beneficiary_groups where forum_id = 1').all() as { name: string }[]).map((g) => g.name)).toEqual([GROUP]);

		// YBN's standing link.
		await staff.getByRole('button', { name: 'Terbitkan tautan untuk YBN' }).click();
		const ybn = staff.getByTestId('reporting-link').filter({ has: staff.getByRole('heading', { name: /^YBN/ }) });
		await expect.poll(() => ybn.getByTestId('reporting-url').count()).toBe(1);
		const path = new URL((await ybn.getByTestId('reporting-url').textContent())!.trim()).pathname;

		// The representative reports triwulan I (with the group, by kelurahan) and II on a 360 px phone.
		const phoneContext = await ctx.browser.newContext({ ...PHONE, bypassCSP: true });
		const phone = await phoneContext.newPage();
		const openForm = async () => {
			await phone.goto(`${ctx.server.url}${path}`, { waitUntil: 'networkidle' });
			await phone.getByRole('link', { name: new RegExp(`^3\\. ${STATEMENT}`) }).click();
			await phone.waitForURL(`**${path}/${commitmentId}`);
			await phone.waitForLoadState('networkidle');
		};
		await openForm();
		// The group's column still fits the phone.
		expect(await phone.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(360);
		expect(await seriousViolations(phone)).toEqual([]);
		await phone.screenshot({ path: outputPath('monitoring-group-phone-360.png'), fullPage: true });
		await fileReport(phone, { quarter: 'I', realisation: '90', taman: ['25', '22'], demangan: ['20', '18'], groups: [{ name: GROUP, taman: '3', demangan: '1' }] });
		await openForm();
		await fileReport(phone, { quarter: 'II', realisation: '104', taman: ['30', '28'], demangan: ['24', '20'] });

		// The secretariat sees the group in the report, verifies triwulan I and leaves II unverified.
		await staff.goto(`${ctx.server.url}/forums/1/commitments/${commitmentId}`, { waitUntil: 'networkidle' });
		const first = reportOf(staff, 'I');
		expect(await first.getByTestId('beneficiaries').textContent()).toContain('Taman L 25 / P 22');
		expect(await first.getByTestId('beneficiary-groups').textContent()).toContain(`${GROUP} 4`);
		expect(await reportOf(staff, 'II').getByTestId('beneficiary-groups').count()).toBe(0);
		await first.getByRole('button', { name: 'Verifikasi', exact: true }).click();
		await expect.poll(() => first.getByTestId('verified').count()).toBe(1);
		expect(await reportOf(staff, 'II').getByTestId('verified').count()).toBe(0);

		// A group that a report counts cannot be deleted: its figures would vanish from that report.
		await staff.goto(`${ctx.server.url}/forums/1/reporting`, { waitUntil: 'networkidle' });
		await groups.getByRole('button', { name: `Hapus kelompok ${GROUP}` }).click();
		await expect.poll(() => groups.getByRole('alert').textContent()).toContain('sudah dipakai di 1 laporan dan tidak dapat dihapus');
		expect(groupCount()).toBe(1);
		expect(await seriousViolations(staff)).toEqual([]);
		await groups.screenshot({ path: outputPath('monitoring-groups.png') });

		// The dashboard as it stands (all reports) shows triwulan II's unverified figure…
		await staff.goto(`${ctx.server.url}/forums/1/dashboard?programme=${programmeId}`, { waitUntil: 'networkidle' });
		const row = staff.locator(`[data-testid="commitment-row"][data-number="3"]`);
		expect(await row.locator('td.num').textContent()).toMatch(/^\s*104 \//);
		expect(await row.textContent()).toContain('belum diverifikasi');
		// …the period view for Triwulan I 2026, verified only, shows triwulan I's verified figures alone.
		const periodForm = staff.getByTestId('period-form');
		await periodForm.getByLabel('Periode').selectOption({ label: 'Triwulan I 2026' });
		await periodForm.getByLabel('Hanya laporan terverifikasi').check();
		await periodForm.getByRole('button', { name: 'Tampilkan' }).click();
		await staff.waitForURL((url) => url.searchParams.get('period') === '2026-T1' && url.searchParams.get('verified') === '1', { waitUntil: 'networkidle' });
		const asOf = await staff.getByTestId('as-of').textContent();
		expect(asOf).toContain('(Triwulan I 2026), hanya laporan terverifikasi');
		expect(await row.locator('td.num').textContent()).toMatch(/^\s*90 \//);
		expect(await staff.getByTestId('people-reached').textContent()).toContain('85');
		expect(await staff.getByTestId('reached-by-sex').textContent()).toMatch(/Laki-laki \(L\) 45 · Perempuan \(P\) 40/);
		expect(await staff.getByTestId('reached-groups').textContent()).toContain(`${GROUP} 4`);
		expect(await row.textContent()).not.toContain('belum diverifikasi');
		await staff.screenshot({ path: outputPath('monitoring-period-view.png'), fullPage: true });

		// The Laporan Kemajuan for that triwulan, downloaded as the browser saves it.
		const reportForm = staff.getByTestId('report-form');
		await reportForm.getByLabel('Periode').selectOption('2026-T1');
		expect(await reportForm.getByLabel('Hanya laporan terverifikasi').isChecked()).toBe(true);
		const [download] = await Promise.all([staff.waitForEvent('download'), reportForm.getByRole('button', { name: 'Unduh Laporan Kemajuan (PDF)' }).click()]);
		expect(download.suggestedFilename()).toMatch(/\.pdf$/);
		const file = join(work, download.suggestedFilename());
		await download.saveAs(file);

		const text = run('pdftotext', ['-layout', file, '-']).replace(/\s+/g, ' ');
		expect(text).toContain('LAPORAN KEMAJUAN');
		expect(text).toContain('Triwulan I 2026');
		expect(text).toContain('1 Januari 2026 – 31 Maret 2026');
		expect(text).toContain('90 orang');
		expect(text).toMatch(/Taman Taman 25 22 47/);
		expect(text).toMatch(/Demangan Taman 20 18 38/);
		expect(text).toMatch(/Menurut jenis kelamin: L 45 · P 40 · Jumlah 85/);
		expect(text).toContain(`${GROUP} 4`);
		expect(text).toContain('Sekretariat YBN (demo)');
		// Triwulan II (unverified, and after the period) is not in it.
		expect(text).not.toContain('104 orang');
		expect(text).not.toMatch(/Taman Taman 30 28 58/);

		const sig = run('pdfsig', [file]);
		expect(sig).toContain('Signature Validation: Signature is Valid');
		expect(sig).toContain('Total document signed');
		expect(run('mutool', ['sign', '-v', file])).toContain('The document is unchanged since signing.');
	});
});
