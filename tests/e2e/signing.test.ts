import { execFileSync, spawnSync } from 'node:child_process';
import { readdirSync, renameSync } from 'node:fs';
import type { BrowserContext, Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { useTestServer } from '../helpers/lifecycle';
import { invitationCode } from '../helpers/invitations';
import { signOnPhone } from '../helpers/signing';
import { outputPath, PHONE, signIn } from '../helpers/browser';

const ctx = useTestServer({ browser: true });

const CODE = 'TAMAN8';
const LIVE_WORKSHOP = 3;

async function checkIn(context: BrowserContext, institution: string, name: string): Promise<Page> {
	const page = await context.newPage();
	// With the institution's own code from the undangan: bound to it and able to sign at once.
	await page.goto(`${ctx.server.url}/join/${invitationCode(ctx.db, LIVE_WORKSHOP, institution.split(' — ')[0]!)}`, { waitUntil: 'networkidle' });
	await page.getByLabel('Nama lengkap').fill(name);
	await page.getByLabel('Jabatan').fill('Kepala Seksi');
	await page.getByLabel('Perempuan (P)').check();
	await page.getByRole('button', { name: 'Isi daftar hadir' }).click();
	await page.waitForURL(`**/w/${CODE}`);
	return page;
}


describe('signing the berita acara in real browsers', () => {
	it('two representatives sign on phones, the secretariat sees both, seals, and the download passes pdfsig', async () => {
		const [phoneA, phoneB, office] = await Promise.all([ctx.browser.newContext(PHONE), ctx.browser.newContext(PHONE), ctx.browser.newContext({ viewport: { width: 1366, height: 900 }, acceptDownloads: true })]);
		await checkIn(phoneA, 'Kel. Taman — Pemerintah', 'Rina Kartika');
		await checkIn(phoneB, 'PT INKA — Bisnis', 'Maria Ulfaʼ');

		const staff = await office.newPage();
		// Waits for the minutes page itself: the login URL (…/login?next=…/minutes) also ends in "minutes".
		await signIn(staff, ctx.server.url, { next: `/workshops/${LIVE_WORKSHOP}/minutes` });
		const frozen = await office.request.post(`${ctx.server.url}/workshops/${LIVE_WORKSHOP}/matrix?/freeze`, { form: {}, headers: { origin: ctx.server.url } });
		expect(frozen.ok(), `freeze answered ${frozen.status()}: ${(await frozen.text()).slice(0, 500)}\n${ctx.server.output().slice(-3000)}`).toBe(true);
		await staff.getByRole('button', { name: 'Finalkan teks dan minta tanda tangan' }).click();
		await expect.poll(() => staff.getByTestId('signed-count').textContent(), { timeout: 10_000 }).toContain('0 dari 2');

		const [a, b] = [await phoneA.newPage(), await phoneB.newPage()];
		await signOnPhone(a, ctx.server.url, CODE);
		await signOnPhone(b, ctx.server.url, CODE);
		await a.screenshot({ path: outputPath('sign-phone-360.png'), fullPage: false });

		// The secretariat's list fills in without a reload.
		await expect.poll(() => staff.getByTestId('signed-count').textContent(), { timeout: 15_000 }).toContain('2 dari 2');
		await staff.getByRole('button', { name: 'Buat dan segel PDF' }).click();
		const link = staff.getByTestId('download-pdf').first();
		await link.waitFor({ timeout: 20_000 });
		const [download] = await Promise.all([staff.waitForEvent('download'), link.click()]);
		const file = outputPath('berita-acara-signed.pdf');
		await download.saveAs(file);

		const sig = spawnSync('pdfsig', [file], { encoding: 'utf8' }).stdout;
		expect(sig).toContain('Signature is Valid');
		expect(sig).toContain('Total document signed');
		const text = execFileSync('pdftotext', ['-layout', file, '-'], { encoding: 'utf8' });
		expect(text).toContain('Rina Kartika');
		expect(text).toContain('Maria Ulfaʼ');

		// Pictures of the first page and of the page with the signature blocks, for people to look at.
		const pages = Number(/Pages:\s+(\d+)/.exec(execFileSync('pdfinfo', [file], { encoding: 'utf8' }))![1]);
		let signaturePage = 1;
		for (let p = 1; p <= pages; p++) {
			const pageText = execFileSync('pdftotext', ['-f', String(p), '-l', String(p), file, '-'], { encoding: 'utf8' });
			if (/PARA PIHAK/i.test(pageText)) {
				signaturePage = p;
				break;
			}
		}
		execFileSync('pdftoppm', ['-png', '-r', '60', '-f', '1', '-l', '1', file, outputPath('pdf-first-page')]);
		execFileSync('pdftoppm', ['-png', '-r', '60', '-f', String(signaturePage), '-l', String(signaturePage), file, outputPath('pdf-signature-page')]);
		const shots = readdirSync(outputPath('')).filter((f) => f.startsWith('pdf-') && f.endsWith('.png'));
		for (const shot of shots) renameSync(outputPath(shot), outputPath(shot.replace(/-\d+\.png$/, '.png')));
		expect(readdirSync(outputPath('')).filter((f) => /^pdf-(first|signature)-page\.png$/.test(f))).toHaveLength(2);
	});
});
