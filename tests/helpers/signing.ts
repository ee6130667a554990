import type { Page } from 'playwright-core';
import { expect } from 'vitest';

/**
 * Signs the berita acara on a participant's phone with the mouse as a pen: from the participant's
 * page (/w/<code>) through their signing link, the consent box and two strokes on the pad.
 */
export async function signOnPhone(page: Page, baseUrl: string, code: string): Promise<void> {
	await page.goto(`${baseUrl}/w/${code}`, { waitUntil: 'networkidle' });
	await page.getByTestId('my-sign-link').click();
	await page.waitForURL('**/sign/**', { waitUntil: 'networkidle' });
	await expect.poll(() => page.getByText('BERITA ACARA').count()).toBeGreaterThan(0);
	await page.getByLabel(/Saya telah membaca berita acara ini/).check();
	const pad = (await page.getByTestId('signature-pad').boundingBox())!;
	for (const [y0, y1] of [
		[0.6, 0.3],
		[0.35, 0.7]
	] as const) {
		await page.mouse.move(pad.x + pad.width * 0.1, pad.y + pad.height * y0);
		await page.mouse.down();
		for (let i = 1; i <= 12; i++) await page.mouse.move(pad.x + pad.width * (0.1 + i * 0.06), pad.y + pad.height * (i % 2 ? y1 : y0));
		await page.mouse.up();
	}
	await page.getByRole('button', { name: 'Tanda tangani', exact: true }).click();
	await expect.poll(() => page.getByTestId('sign-result').textContent(), { timeout: 10_000 }).toContain('Tanda tangan Anda tercatat');
}
