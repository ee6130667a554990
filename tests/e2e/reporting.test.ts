import Database from 'better-sqlite3';
import type { BrowserContext, Locator, Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { useTestServer } from '../helpers/lifecycle';
import { outputPath, PHONE, signedInPage } from '../helpers/browser';
import { pngLogo } from '../helpers/images';
import { fileReport } from '../helpers/report-form';

const ctx = useTestServer({ browser: true });

const LAPTOP = { viewport: { width: 1366, height: 900 } };
/** Demo commitment 3 of Forpemma: 120 kader trained, led by YBN, in Kelurahan Taman and Demangan. */
const STATEMENT = 'Melatih 120 kader warga';

const reportOf = (page: Page, quarter: string): Locator => page.getByTestId('report').filter({ hasText: `Triwulan ${quarter} 2026` });

describe('standing reporting links and the review loop', () => {
	it('a representative reports two quarters from a phone with no meeting open; a returned report is corrected; a revoked link is refused', async () => {
		// No meeting is open: reporting must not depend on a live workshop.
		const rw = new Database(ctx.server.dbPath);
		rw.prepare("update workshops set status = 'closed' where status = 'live'").run();
		rw.close();
		expect((ctx.db.prepare("select count(*) n from workshops where status = 'live'").get() as { n: number }).n).toBe(0);
		const commitmentId = (ctx.db.prepare('select id from commitments where forum_id = 1 and statement like ?').get(`${STATEMENT}%`) as { id: number }).id;

		// The secretariat issues YBN's reporting link.
		const staffContext = await ctx.browser.newContext(LAPTOP);
		const staff = await signedInPage(staffContext, ctx.server.url, 'sekretariat@mufakat.test');
		await staff.goto(`${ctx.server.url}/forums/1/reporting`, { waitUntil: 'networkidle' });
		await staff.getByRole('button', { name: 'Terbitkan tautan untuk YBN' }).click();
		const ybn = staff.getByTestId('reporting-link').filter({ has: staff.getByRole('heading', { name: /^YBN/ }) });
		await expect.poll(() => ybn.getByTestId('reporting-url').count()).toBe(1);
		const link = (await ybn.getByTestId('reporting-url').textContent())!.trim();
		expect(link).toMatch(/\/r\/[A-Za-z0-9_-]{32}$/);
		expect(await ybn.locator('svg').count()).toBeGreaterThan(0);
		const path = new URL(link).pathname;

		// Due reports: YBN's message to paste into WhatsApp carries the link.
		await staff.reload({ waitUntil: 'networkidle' });
		const due = staff.getByTestId('due-institution').filter({ hasText: 'YBN' });
		expect(await due.getByRole('textbox').inputValue()).toContain(path);
		expect(await due.getByRole('button', { name: 'Salin' }).count()).toBe(1);

		// The representative reports triwulan II and III on a 360 px phone.
		const phoneContext = await ctx.browser.newContext(PHONE);
		const phone = await phoneContext.newPage();
		await phone.goto(`${ctx.server.url}${path}`, { waitUntil: 'networkidle' });
		expect(await phone.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(360);
		await phone.getByRole('link', { name: new RegExp(`^3\\. ${STATEMENT}`) }).click();
		await phone.waitForURL(`**${path}/${commitmentId}`);
		await phone.waitForLoadState('networkidle');
		expect(await phone.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(360);
		await fileReport(phone, { quarter: 'II', realisation: '100', taman: ['30', '25'], demangan: ['20', '15'], photo: pngLogo(64, 48) });
		expect(await phone.getByRole('status').textContent()).toContain('menunggu verifikasi');
		await phone.getByRole('link', { name: new RegExp(`^3\\. ${STATEMENT}`) }).click();
		await phone.waitForURL(`**${path}/${commitmentId}`);
		await phone.waitForLoadState('networkidle');
		await fileReport(phone, { quarter: 'III', realisation: '112', taman: ['33', '29'], demangan: ['26', '19'] });
		await phone.screenshot({ path: outputPath('reporting-phone-360.png'), fullPage: true });

		// The secretariat sees both, with beneficiaries by desa and L/P and the photo, and returns triwulan II.
		await staff.goto(`${ctx.server.url}/forums/1/commitments/${commitmentId}`, { waitUntil: 'networkidle' });
		const second = reportOf(staff, 'II');
		expect(await second.getByTestId('beneficiaries').textContent()).toContain('Taman L 30 / P 25');
		expect(await second.getByTestId('beneficiaries').textContent()).toContain('total 90');
		expect(await second.getByRole('link', { name: 'pelatihan-II.png' }).count()).toBe(1);
		expect(await reportOf(staff, 'III').getByTestId('beneficiaries').textContent()).toContain('total 107');
		await second.getByText('Kembalikan…').click();
		await second.getByLabel('Alasan (dibaca pelapor)').fill('Foto daftar hadir pelatihan belum dilampirkan.');
		await second.getByRole('button', { name: 'Kembalikan ke pelapor' }).click();
		await expect.poll(() => staff.getByRole('status').filter({ hasText: 'Laporan dikembalikan' }).count()).toBe(1);

		// The representative sees the reason prominently on their list, corrects and resubmits.
		await phone.goto(`${ctx.server.url}${path}`, { waitUntil: 'networkidle' });
		const note = phone.getByTestId('returned-note');
		expect(await note.textContent()).toContain('Foto daftar hadir pelatihan belum dilampirkan.');
		expect(await phone.getByTestId('my-commitment').first().textContent()).toContain(STATEMENT);
		await phone.getByRole('link', { name: 'Perbaiki laporan' }).click();
		await phone.waitForURL(`**${path}/${commitmentId}`);
		await phone.waitForLoadState('networkidle');
		expect(await phone.getByLabel(/^Realisasi kumulatif/).inputValue()).toBe('100');
		await phone.getByLabel(/^Realisasi kumulatif/).fill('98');
		await phone.getByLabel('Nama pelapor').fill('Eko Purnomo');
		await phone.getByLabel('Bukti dukung: foto atau dokumen').setInputFiles({ name: 'daftar-hadir.png', mimeType: 'image/png', buffer: Buffer.from(pngLogo(40, 40)) });
		await phone.getByRole('button', { name: 'Kirim laporan' }).click();
		await phone.waitForURL(/\/r\/[^/]+\?saved=1$/);
		expect(await phone.getByTestId('returned-note').count()).toBe(0);

		// The history shows both revisions with their figures; the old return note is no longer current.
		await staff.reload({ waitUntil: 'networkidle' });
		const corrected = reportOf(staff, 'II');
		expect(await corrected.getByTestId('return-reason').count()).toBe(0);
		await corrected.getByTestId('report-history').locator('summary').click();
		const figures = await corrected.getByTestId('revision-realisation').allTextContents();
		expect(figures).toContain('98 orang');
		expect(figures).toContain('100 orang');
		expect(await corrected.getByTestId('revision-return-reason').textContent()).toContain('Foto daftar hadir pelatihan belum dilampirkan.');
		expect(await corrected.getByRole('link', { name: 'daftar-hadir.png' }).count()).toBe(1);
		expect(await corrected.getByRole('link', { name: 'pelatihan-II.png' }).count()).toBe(1);
		await staff.screenshot({ path: outputPath('reporting-history.png'), fullPage: true });

		// The edit form keeps its values after saving: a second save works.
		const statement = staff.locator('#edit textarea[name="statement"]');
		const agreed = await statement.inputValue();
		await staff.getByRole('button', { name: 'Simpan', exact: true }).click();
		await expect.poll(() => staff.getByRole('status').filter({ hasText: 'Tersimpan.' }).count()).toBe(1);
		expect(await statement.inputValue()).toBe(agreed);
		await staff.getByRole('button', { name: 'Simpan', exact: true }).click();
		await expect.poll(() => staff.getByRole('status').filter({ hasText: 'Tersimpan.' }).count()).toBe(1);
		expect(await staff.getByText('Wajib diisi').count()).toBe(0);

		// The secretariat revokes the link: the phone is refused, and nothing more can be stored through it.
		await staff.goto(`${ctx.server.url}/forums/1/reporting`, { waitUntil: 'networkidle' });
		await staff.getByRole('button', { name: 'Cabut tautan YBN' }).click();
		await expect.poll(() => staff.getByRole('status').filter({ hasText: 'Tautan pelaporan dicabut.' }).count()).toBe(1);
		const refused = await phone.goto(`${ctx.server.url}${path}`);
		expect(refused!.status()).toBe(410);
		expect(await phone.textContent('body')).toContain('sudah dicabut');
		const before = (ctx.db.prepare('select count(*) n from progress_report_revisions').get() as { n: number }).n;
		const post = await phoneContext.request.post(`${ctx.server.url}${path}/${commitmentId}?/report`, {
			multipart: { periodType: 'quarter', periodYear: '2026', periodIndex: '3', realisation: '120', reporterName: 'Eko' },
			headers: { origin: ctx.server.url }
		});
		expect(post.status()).toBe(410);
		expect((ctx.db.prepare('select count(*) n from progress_report_revisions').get() as { n: number }).n).toBe(before);
	});
});
