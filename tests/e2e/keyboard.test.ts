import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { signIn } from '../helpers/browser';
import { useTestServer } from '../helpers/lifecycle';

const ctx = useTestServer({ browser: true });

const LIVE_WORKSHOP = 3;
const focusedTestId = (page: Page) => page.evaluate(() => document.activeElement?.getAttribute('data-testid') ?? null);
const focusedName = (page: Page) => page.evaluate(() => (document.activeElement as HTMLElement | null)?.textContent?.trim() ?? null);
const dialogOpen = (page: Page) => page.evaluate(() => !!document.querySelector('[data-testid=freeze-dialog][open]'));

describe('keyboard: error summary and the moderator shortcuts', () => {
	it('after a refused sign-in, focus is on the error summary', async () => {
		const page = await (await ctx.browser.newContext()).newPage();
		await page.goto(`${ctx.server.url}/login`, { waitUntil: 'networkidle' });
		await page.getByLabel('Email').fill('moderator@mufakat.test');
		await page.getByLabel('Kata sandi').fill('bukan-sandinya');
		await page.getByRole('button', { name: 'Masuk' }).click();
		await expect.poll(() => focusedTestId(page)).toBe('error-summary');
		expect(await page.getByTestId('error-summary').textContent()).toContain('Email atau kata sandi salah.');
	});

	it('"z" then Enter does not freeze; ticking the confirmation does, and unfreezing asks the same way', async () => {
		const context = await ctx.browser.newContext({ viewport: { width: 1366, height: 900 } });
		const page = await context.newPage();
		const freezePosts: string[] = [];
		page.on('request', (r) => {
			if (r.method() === 'POST' && /\?\/(un)?freeze/.test(r.url())) freezePosts.push(r.url());
		});
		await signIn(page, ctx.server.url, { next: `/workshops/${LIVE_WORKSHOP}/matrix` });
		await expect.poll(() => page.getByTestId('connection-status').getAttribute('data-state'), { timeout: 15_000 }).toBe('live');

		// Letters typed into a field stay text.
		const name = page.getByLabel('Nama kolom 1', { exact: true });
		const original = await name.inputValue();
		await name.fill('');
		await name.pressSequentially('zona');
		expect(await name.inputValue()).toBe('zona');
		expect(await dialogOpen(page)).toBe(false);
		await name.fill(original);

		// Z opens the dialog on "Batal"; Enter there closes it and sends nothing.
		await page.locator('h1').click();
		await page.keyboard.press('z');
		await expect.poll(() => dialogOpen(page)).toBe(true);
		expect(await focusedName(page)).toBe('Batal');
		expect(await page.getByRole('button', { name: 'Ya, bekukan' }).isDisabled()).toBe(true);
		await page.keyboard.press('Enter');
		await expect.poll(() => dialogOpen(page)).toBe(false);
		expect(freezePosts).toEqual([]);

		// Enter on the unticked box does not submit either (the confirm button is off).
		await page.keyboard.press('z');
		await expect.poll(() => dialogOpen(page)).toBe(true);
		await page.keyboard.press('Shift+Tab');
		expect(await focusedTestId(page)).toBe('freeze-sure');
		await page.keyboard.press('Enter');
		expect(await dialogOpen(page)).toBe(true);

		// The deliberate way, all from the keyboard: tick, then the now-enabled confirm button.
		await page.keyboard.press('Space');
		await page.keyboard.press('Tab');
		expect(await focusedName(page)).toBe('Ya, bekukan');
		await page.keyboard.press('Enter');
		await expect.poll(() => page.getByTestId('frozen-banner').count(), { timeout: 10_000 }).toBe(1);
		expect(freezePosts).toHaveLength(1);

		// Unfreezing: Z again opens on "Batal"; with a mouse, tick and confirm.
		await page.locator('h1').click();
		await page.keyboard.press('z');
		await expect.poll(() => dialogOpen(page)).toBe(true);
		expect(await focusedName(page)).toBe('Batal');
		await page.keyboard.press('Enter');
		await expect.poll(() => dialogOpen(page)).toBe(false);
		expect(freezePosts).toHaveLength(1);
		await page.getByRole('button', { name: /^Buka pembekuan/ }).click();
		await page.getByLabel('Saya yakin: buka pembekuan sekarang.').check();
		await page.getByRole('button', { name: 'Ya, buka pembekuan' }).click();
		await expect.poll(() => page.getByTestId('frozen-banner').count(), { timeout: 10_000 }).toBe(0);
		expect(freezePosts).toHaveLength(2);
	});
});
