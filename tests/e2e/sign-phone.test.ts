import type { BrowserContext, Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { useTestServer } from '../helpers/lifecycle';
import { invitationCode } from '../helpers/invitations';
import { signOnPhone } from '../helpers/signing';
import { outputPath, PHONE, signIn } from '../helpers/browser';

const ctx = useTestServer({ browser: true });

const CODE = 'TAMAN8';
const LIVE_WORKSHOP = 3;

async function checkIn(context: BrowserContext): Promise<Page> {
	const page = await context.newPage();
	await page.goto(`${ctx.server.url}/join/${invitationCode(ctx.db, LIVE_WORKSHOP, 'Kel. Taman')}`, { waitUntil: 'networkidle' });
	await page.getByLabel('Nama lengkap').fill('Rina Kartika');
	await page.getByLabel('Jabatan').fill('Kepala Seksi');
	await page.getByLabel('Perempuan (P)').check();
	await page.getByRole('button', { name: 'Isi daftar hadir' }).click();
	await page.waitForURL(`**/w/${CODE}`);
	return page;
}

/** Freezes the demo's live matrix (17 institutions) and finalises its minutes, as the moderator would. */
async function finaliseMinutes(context: BrowserContext): Promise<void> {
	const staff = await context.newPage();
	await signIn(staff, ctx.server.url, { next: `/workshops/${LIVE_WORKSHOP}/minutes` });
	const frozen = await context.request.post(`${ctx.server.url}/workshops/${LIVE_WORKSHOP}/matrix?/freeze`, { form: {}, headers: { origin: ctx.server.url } });
	expect(frozen.ok()).toBe(true);
	await staff.getByRole('button', { name: 'Finalkan teks dan minta tanda tangan' }).click();
	await staff.getByTestId('signed-count').waitFor();
}

const box = async (page: Page, selector: string) => (await page.locator(selector).first().evaluate((el) => {
	const r = el.getBoundingClientRect();
	return { top: r.top + window.scrollY, bottom: r.bottom + window.scrollY, visible: r.height > 0 };
}));

describe('signing on a 360 × 740 phone', () => {
	it('shows what is signed and the pad first, the full text one tap away, and a refused submit focuses its error summary', async () => {
		const phone = await ctx.browser.newContext(PHONE);
		const page = await checkIn(phone);
		await finaliseMinutes(await ctx.browser.newContext({ viewport: { width: 1366, height: 900 } }));

		await page.goto(`${ctx.server.url}/w/${CODE}`, { waitUntil: 'networkidle' });
		await page.getByTestId('my-sign-link').click();
		await page.waitForURL('**/sign/**', { waitUntil: 'networkidle' });

		// What is signed, first: the workshop, the signer, how many points were agreed.
		const summary = page.getByTestId('sign-summary');
		expect(await summary.textContent()).toContain('Rina Kartika');
		expect(await summary.textContent()).toMatch(/\d+ hal disepakati/);
		expect(await summary.textContent()).toContain('17 lembaga');

		// The full text (with its 17-row matrix) is collapsed and the pad comes before it would have.
		expect(await page.getByTestId('full-minutes').evaluate((d) => (d as HTMLDetailsElement).open)).toBe(false);
		expect(await page.locator('.minutes table').isVisible()).toBe(false);
		const pad = await box(page, '[data-testid=signature-pad]');
		const fullText = await box(page, '[data-testid=full-minutes]');
		expect(fullText.bottom).toBeLessThan(pad.top);
		expect(pad.top).toBeLessThan(2 * 740);

		// The link at the top is on the first screen and one tap brings the whole pad into view.
		const link = page.getByTestId('to-signature');
		expect((await link.boundingBox())!.y + (await link.boundingBox())!.height).toBeLessThanOrEqual(740);
		await link.tap();
		await expect.poll(() => page.getByTestId('signature-pad').evaluate((c) => {
			const r = c.getBoundingClientRect();
			return r.top >= 0 && r.bottom <= window.innerHeight;
		})).toBe(true);
		await page.screenshot({ path: outputPath('sign-phone-first-screen.png') });

		// Signing without the consent box or a drawing: focus lands on the summary of what to fix,
		// whose link leads to the consent box.
		await page.getByRole('button', { name: 'Tanda tangani', exact: true }).click();
		await expect.poll(() => page.evaluate(() => document.activeElement?.getAttribute('data-testid'))).toBe('error-summary');
		const errorSummary = page.getByTestId('error-summary');
		expect(await errorSummary.textContent()).toContain('Centang pernyataan persetujuan.');
		expect(await errorSummary.textContent()).toContain('Gambar tanda tangan Anda di kotak ini: Wajib diisi.');
		await errorSummary.getByRole('link', { name: 'Centang pernyataan persetujuan.' }).click();
		expect(await page.evaluate(() => (document.activeElement as HTMLInputElement | null)?.type)).toBe('checkbox');

		// The full text opens from the keyboard.
		await page.locator('[data-testid=full-minutes] > summary').focus();
		await page.keyboard.press('Enter');
		await expect.poll(() => page.locator('.minutes table').isVisible()).toBe(true);

		await signOnPhone(page, ctx.server.url, CODE);
	});
});
