import type { BrowserContext, Page, WebSocketRoute } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { useTestServer } from '../helpers/lifecycle';
import { invitationCode } from '../helpers/invitations';
import { readCell, roots, roomName } from '../../src/lib/collab/matrix-doc';
import { outputPath } from '../helpers/browser';
import { connectClient } from '../helpers/collab';

const ctx = useTestServer({ browser: true });

const LAPTOP = { viewport: { width: 1366, height: 800 } };
const CODE = 'TAMAN8';

const state = (page: Page) => page.getByTestId('connection-status').getAttribute('data-state');
const cookieHeader = async (context: BrowserContext) => (await context.cookies()).map((c) => `${c.name}=${c.value}`).join('; ');

/** The description of a cell as the server holds it, read by a fresh client of the moderator. */
async function serverDescription(moderator: BrowserContext, key: string): Promise<string> {
	const client = connectClient(ctx.server.url, roomName(3), { cookie: await cookieHeader(moderator) });
	try {
		await client.synced;
		return readCell(roots(client.doc).cells.get(key)).description;
	} finally {
		client.destroy();
	}
}

describe('words typed offline into a row the moderator locked meanwhile', () => {
	it('are kept on the laptop with the reason, survive a reload, and reach the server with "Coba lagi" once unlocked', async () => {
		const [laptop, moderatorContext] = await Promise.all([ctx.browser.newContext(LAPTOP), ctx.browser.newContext(LAPTOP)]);

		// Chromium's offline emulation leaves an open WebSocket open: cut the collab socket by hand,
		// and refuse new ones while "offline".
		let offline = false;
		const sockets: WebSocketRoute[] = [];
		await laptop.routeWebSocket(/\/collab/, (ws) => {
			if (offline) return void ws.close();
			sockets.push(ws);
			ws.connectToServer();
		});

		const moderator = await moderatorContext.newPage();
		await moderator.goto(`${ctx.server.url}/workshops/3/matrix`, { waitUntil: 'networkidle' });
		await moderator.getByLabel('Email').fill('moderator@mufakat.test');
		await moderator.getByLabel('Kata sandi').fill('mufakat-demo');
		await moderator.getByRole('button', { name: 'Masuk' }).click();
		await moderator.waitForURL('**/workshops/3/matrix');

		const page = await laptop.newPage();
		await page.goto(`${ctx.server.url}/join/${invitationCode(ctx.db, 3, 'Kel. Taman')}`, { waitUntil: 'networkidle' });
		await page.getByLabel('Nama lengkap').fill('Rina Kartika');
		await page.getByLabel('Jabatan').fill('Staf');
		await page.getByLabel('Perempuan (P)').check();
		await page.getByRole('button', { name: 'Isi daftar hadir' }).click();
		await page.waitForURL(`**/w/${CODE}`);
		await page.goto(`${ctx.server.url}/w/${CODE}/matrix`);
		await expect.poll(() => state(page), { timeout: 15_000 }).toBe('live');
		await expect.poll(() => state(moderator), { timeout: 15_000 }).toBe('live');

		const key = (await page.locator('tr.own td[data-cell]').first().getAttribute('data-cell'))!;
		const words = 'Kader Pokmas mendampingi warga tiap Sabtu';

		await laptop.setOffline(true);
		offline = true;
		for (const ws of sockets.splice(0)) await ws.close();
		await expect.poll(() => state(page)).toBe('offline');
		const description = page.locator(`td[data-cell="${key}"]`).getByRole('textbox', { name: /^Uraian peran dan kontribusi/ });
		await description.click();
		await description.pressSequentially(words, { delay: 10 });

		await moderator.getByRole('button', { name: 'Kunci — Kel. Taman', exact: true }).click();
		await expect.poll(() => moderator.getByRole('button', { name: 'Buka kunci — Kel. Taman', exact: true }).count()).toBe(1);

		offline = false;
		await laptop.setOffline(false);
		const notice = page.getByTestId('unsaved-edit');
		await expect.poll(() => notice.count(), { timeout: 20_000 }).toBe(1);
		expect(await notice.textContent()).toContain('Teks Anda belum tersimpan');
		expect(await notice.getByRole('textbox').inputValue()).toBe(words);
		const retry = notice.getByRole('button', { name: /^Coba lagi/ });
		expect(await retry.isDisabled()).toBe(true);
		await notice.scrollIntoViewIfNeeded();
		await page.screenshot({ path: outputPath('unsaved-edit-notice-1366.png') });
		// The notice appears after the fresh copy synced, so the server had judged the words by then.
		expect(await serverDescription(moderatorContext, key)).toBe('');
		expect(await moderator.locator(`td[data-cell="${key}"]`).textContent()).not.toContain(words);

		// Kept on the laptop, not only in the open tab.
		await page.reload();
		await expect.poll(() => state(page), { timeout: 15_000 }).toBe('live');
		await expect.poll(() => notice.count(), { timeout: 10_000 }).toBe(1);
		expect(await notice.getByRole('textbox').inputValue()).toBe(words);

		await moderator.getByRole('button', { name: 'Buka kunci — Kel. Taman', exact: true }).click();
		await expect.poll(() => retry.isEnabled(), { timeout: 10_000 }).toBe(true);
		await retry.click();
		await expect.poll(() => notice.count()).toBe(0);
		await expect.poll(() => moderator.locator(`td[data-cell="${key}"]`).textContent(), { timeout: 10_000 }).toContain(words);
		expect(await serverDescription(moderatorContext, key)).toBe(words);
		expect(await description.inputValue()).toBe(words);

		await Promise.all([laptop.close(), moderatorContext.close()]);
	});
});

describe('a server that asks to come back later', () => {
	it('shows "menyambung ulang", not "akses ditolak", and the matrix comes back live (1013, and 4408 from older servers)', async () => {
		const context = await ctx.browser.newContext(LAPTOP);
		const sockets: WebSocketRoute[] = [];
		await context.routeWebSocket(/\/collab/, (ws) => {
			sockets.push(ws);
			ws.connectToServer();
		});
		const page = await context.newPage();
		await page.goto(`${ctx.server.url}/workshops/3/matrix`, { waitUntil: 'networkidle' });
		await page.getByLabel('Email').fill('moderator@mufakat.test');
		await page.getByLabel('Kata sandi').fill('mufakat-demo');
		await page.getByRole('button', { name: 'Masuk' }).click();
		await page.waitForURL('**/workshops/3/matrix');
		await expect.poll(() => state(page), { timeout: 15_000 }).toBe('live');
		// Every state the badge passes through: reconnecting may last only a fraction of a second.
		await page.evaluate(() => {
			const seen: string[] = [];
			(window as unknown as { seenStates: string[] }).seenStates = seen;
			const badge = document.querySelector('[data-testid="connection-status"]')!;
			new MutationObserver(() => seen.push(badge.getAttribute('data-state') ?? '')).observe(badge, { attributes: true });
		});
		const seen = () => page.evaluate(() => (window as unknown as { seenStates: string[] }).seenStates);

		for (const code of [1013, 4408]) {
			await page.evaluate(() => (window as unknown as { seenStates: string[] }).seenStates.splice(0));
			await sockets.at(-1)!.close({ code, reason: 'try again later' });
			await expect.poll(seen).toContain('reconnecting');
			await expect.poll(() => state(page), { timeout: 15_000 }).toBe('live');
			expect(await seen()).not.toContain('refused');
		}
		await context.close();
	});
});
