import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { useTestServer } from '../helpers/lifecycle';
import { outputPath, PHONE } from '../helpers/browser';

const ctx = useTestServer({ browser: true });

async function joinAs(page: Page, code: string, person: { institution: string; name: string; jabatan: string; gender: 'L' | 'P'; phone: string }) {
	// Fill the form once hydrated, as a person on a slow phone would after the page settles.
	await page.goto(`${ctx.server.url}/join/${code}`, { waitUntil: 'networkidle' });
	await page.getByLabel('Lembaga/Instansi Anda').selectOption({ label: person.institution });
	await page.getByLabel('Nama lengkap').fill(person.name);
	await page.getByLabel('Jabatan').fill(person.jabatan);
	await page.getByLabel(person.gender === 'L' ? 'Laki-laki (L)' : 'Perempuan (P)').check();
	await page.getByLabel(/No\. HP/).fill(person.phone);
	await page.getByRole('button', { name: 'Isi daftar hadir' }).click();
	await page.waitForURL(`**/w/${code}`);
}

describe('workshop day in a real browser', () => {
	it('moderator creates a workshop, two phones check in, the projector list shows both without a reload', async () => {
		const moderatorContext = await ctx.browser.newContext({ viewport: { width: 1280, height: 800 } });
		const moderator = await moderatorContext.newPage();
		await moderator.goto(`${ctx.server.url}/forums/1`, { waitUntil: 'networkidle' });
		await moderator.getByLabel('Email').fill('moderator@mufakat.test');
		await moderator.getByLabel('Kata sandi').fill('mufakat-demo');
		await moderator.getByRole('button', { name: 'Masuk' }).click();
		await moderator.getByRole('link', { name: 'Lokakarya baru' }).click();

		await moderator.getByRole('button', { name: 'Buat lokakarya' }).click();
		await expect.poll(() => moderator.getByText('Periksa isian yang ditandai.').isVisible()).toBe(true);

		await moderator.getByLabel('Judul').fill('Lokakarya Replikasi Kelurahan Mandiri 2026');
		await moderator.getByLabel('Program').selectOption({ label: 'Program Kelurahan Mandiri' });
		await moderator.getByLabel('Tanggal').fill('2026-11-26');
		await moderator.getByLabel('Jam mulai').fill('09:00');
		await moderator.getByLabel(/^Tempat/).fill('Aula Kecamatan Taman');
		await moderator.getByRole('button', { name: 'Buat lokakarya' }).click();
		await moderator.waitForURL(/\/workshops\/\d+$/);
		await moderator.getByRole('button', { name: 'Mulai lokakarya (buka pendaftaran)' }).click();
		const codeBox = moderator.getByTestId('join-code');
		await codeBox.waitFor();
		const code = (await codeBox.textContent())!.trim();
		expect(code).toMatch(/^[A-Z2-9]{6}$/);
		expect(await moderator.locator('[role="img"][aria-label="Kode QR untuk bergabung"] svg').count()).toBe(1);

		await moderator.getByRole('link', { name: 'Daftar hadir' }).first().click();
		await moderator.waitForURL(/\/attendance$/);
		await expect.poll(() => moderator.getByTestId('attendance-count').textContent()).toContain('0 hadir');

		const phoneA = await (await ctx.browser.newContext(PHONE)).newPage();
		const phoneB = await (await ctx.browser.newContext(PHONE)).newPage();

		await phoneA.goto(`${ctx.server.url}/join/${code}`, { waitUntil: 'networkidle' });
		// Usable at 360 px: nothing sticks out sideways, the button is a full-width tap target.
		expect(await phoneA.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(360);
		const button = await phoneA.getByRole('button', { name: 'Isi daftar hadir' }).boundingBox();
		expect(button!.width).toBeGreaterThan(300);
		expect(button!.height).toBeGreaterThanOrEqual(44);
		await phoneA.screenshot({ path: outputPath('join-phone-360.png'), fullPage: true });

		await phoneA.getByRole('button', { name: 'Isi daftar hadir' }).click();
		await expect.poll(() => phoneA.getByText('Wajib diisi.').count()).toBeGreaterThan(1);

		await joinAs(phoneA, code, { institution: 'Kel. Taman — Pemerintah', name: 'Sri Wulandari', jabatan: 'Kasi Pemberdayaan', gender: 'P', phone: '081355550001' });
		await joinAs(phoneB, code, { institution: 'PT INKA — Bisnis', name: 'Ahmad Syafiʼi', jabatan: 'Staf TJSL', gender: 'L', phone: '081355550002' });
		expect(await phoneB.getByRole('heading', { level: 1 }).textContent()).toContain('Ahmad Syafiʼi');

		// A second check-in of the same person from another phone is refused with a clear message.
		const phoneC = await (await ctx.browser.newContext(PHONE)).newPage();
		await phoneC.goto(`${ctx.server.url}/join/${code}`, { waitUntil: 'networkidle' });
		await phoneC.getByLabel('Lembaga/Instansi Anda').selectOption({ label: 'PT INKA — Bisnis' });
		await phoneC.getByLabel('Nama lengkap').fill('ahmad syafiʼi');
		await phoneC.getByLabel('Jabatan').fill('Staf TJSL');
		await phoneC.getByLabel('Laki-laki (L)').check();
		await phoneC.getByRole('button', { name: 'Isi daftar hadir' }).click();
		await expect.poll(() => phoneC.getByText('sudah tercatat hadir di lokakarya ini').count()).toBeGreaterThan(0);

		// The moderator's page was never reloaded.
		await expect.poll(() => moderator.getByTestId('attendance-count').textContent(), { timeout: 15_000 }).toContain('2 hadir');
		expect(await moderator.getByRole('cell', { name: 'Sri Wulandari', exact: true }).isVisible()).toBe(true);
		expect(await moderator.getByRole('cell', { name: 'Ahmad Syafiʼi', exact: true }).isVisible()).toBe(true);

		await moderator.setViewportSize({ width: 1920, height: 1080 });
		await moderator.getByRole('link', { name: 'Tampilan proyektor' }).click();
		await moderator.getByTestId('attendance-projector').waitFor();
		const nameSize = await moderator.getByRole('cell', { name: 'Sri Wulandari', exact: true }).evaluate((el) => parseFloat(getComputedStyle(el).fontSize));
		expect(nameSize).toBeGreaterThanOrEqual(24);
		expect(await moderator.getByRole('columnheader', { name: 'No. HP' }).count()).toBe(0);
		await moderator.screenshot({ path: outputPath('attendance-projector-1920.png') });
	});
});
