/**
 * The hall's screens, read from the back row: the live matrix projector and the daftar hadir's
 * full-screen view, on a cheap 1280 × 720 projector and a 1920 × 1080 one, with the demo matrix
 * filled by its 17 institutions (45 cells) and people checking in.
 */
import { copyFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { readMatrix, roomName } from '../../src/lib/collab/matrix-doc';
import { signIn } from '../helpers/browser';
import { connectClient, TEST_SECRET, token } from '../helpers/collab';
import { fillMatrix, FILLED_CELLS } from '../helpers/filled-matrix';
import { Client } from '../helpers/http';
import { useTestServer } from '../helpers/lifecycle';

/** `MUFAKAT_DOC_IMAGES=1 npx vitest run tests/e2e/projector.test.ts` refreshes the README's pictures; a normal run leaves docs/ alone. */
const UPDATE_DOC_IMAGES = process.env.MUFAKAT_DOC_IMAGES === '1';

// PUBLIC_URL: the address phones in the hall would use, as on a real projector laptop.
const ctx = useTestServer({ browser: true, env: { MUFAKAT_COLLAB_SECRET: TEST_SECRET, MUFAKAT_JOIN_LIMIT: '500', PUBLIC_URL: 'http://192.168.1.10:3000' } });

const LIVE_WORKSHOP = 3;
/** Body text at least 24 px on a 1080-line projector, the same share of the height on a 720-line one. */
const SCREENS = [
	{ label: '1280x720', viewport: { width: 1280, height: 720 }, minFont: 16 },
	{ label: '1920x1080', viewport: { width: 1920, height: 1080 }, minFont: 24 }
] as const;

function screenshotPath(name: string): string {
	const dir = join('test-output', 'projector');
	mkdirSync(dir, { recursive: true });
	return join(dir, name);
}

let rowIds: string[] = [];

beforeAll(async () => {
	await fillMatrix(ctx.server.url, { workshopId: LIVE_WORKSHOP, cells: FILLED_CELLS });
	const viewer = connectClient(ctx.server.url, roomName(LIVE_WORKSHOP), { token: token({ role: 'viewer' }) });
	try {
		await viewer.synced;
		rowIds = readMatrix(viewer.doc).rows.map((r) => r.id);
	} finally {
		viewer.destroy();
	}
	// Two people per institution check in with the general code, each from their own phone.
	const first = ['Sri', 'Budi', 'Agus', 'Dewi', 'Rina', 'Joko', 'Siti', 'Hendra', 'Wulan', 'Fajar', 'Nur', 'Teguh', 'Lina', 'Yohanes', 'Ratna', 'Bayu', 'Dian'];
	const last = ['Wahyuni', 'Santoso'];
	for (const [i, id] of rowIds.entries())
		for (const surname of last) {
			const phone = new Client(ctx.server.url);
			const res = await phone.post('/join/TAMAN8', { institutionId: id, name: `${first[i]} ${surname}`, jabatan: 'Kepala Seksi Pemberdayaan Masyarakat', gender: i % 2 ? 'L' : 'P', phone: '' });
			expect(res.status).toBe(303);
		}
});

async function signedIn(browser: Browser, viewport: { width: number; height: number }, next: string): Promise<{ context: BrowserContext; page: Page }> {
	const context = await browser.newContext({ viewport });
	const page = await context.newPage();
	await signIn(page, ctx.server.url, { next });
	return { context, page };
}

/** The projector has the whole filled matrix and has fitted it to the screen. */
async function projectorReady(page: Page): Promise<void> {
	await expect.poll(() => page.locator('[data-testid="matrix-grid"] td[data-cell] p.text').count(), { timeout: 20_000 }).toBe(FILLED_CELLS);
	await expect.poll(() => page.getByTestId('matrix-grid').getAttribute('data-level')).toBe('2');
	await expect.poll(async () => Number(await page.getByTestId('page-indicator').getAttribute('data-total'))).toBeGreaterThan(1);
}

/** Smallest computed font size (px) among the rendered elements matching `selector`; Infinity when none. */
function minFontSize(page: Page, selector: string): Promise<number> {
	return page.evaluate((sel) => {
		const sizes = [...document.querySelectorAll<HTMLElement>(sel)]
			.filter((el) => el.getClientRects().length > 0 && !el.closest('.visually-hidden'))
			.map((el) => parseFloat(getComputedStyle(el).fontSize));
		return sizes.length > 0 ? Math.min(...sizes) : Infinity;
	}, selector);
}

/** Smallest font of any text the room reads on the matrix projector: every text node in the grid, join panel and indicator. */
function minReadableFont(page: Page): Promise<number> {
	return page.evaluate(() => {
		const roots = ['[data-testid="matrix-grid"]', '[data-testid="join-panel"]', '[data-testid="page-indicator"]', '[data-testid="spotlight"]'];
		let min = Infinity;
		for (const root of roots.flatMap((r) => [...document.querySelectorAll(r)])) {
			const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
			for (let node = walker.nextNode(); node; node = walker.nextNode()) {
				const el = node.parentElement;
				if (!el || !node.textContent?.trim() || el.closest('.visually-hidden') || el.getClientRects().length === 0) continue;
				min = Math.min(min, parseFloat(getComputedStyle(el).fontSize));
			}
		}
		return min;
	});
}

const visibleRows = (page: Page) =>
	page.locator('[data-testid="matrix-grid"] tr[data-row-id]').evaluateAll((rows) => rows.filter((r) => r.getClientRects().length > 0).map((r) => (r as HTMLElement).dataset.rowId!));
/** The moderator's buttons fade out once the mouse rests, leaving only what the room should read. */
const toolbarFaded = (page: Page) => expect.poll(() => page.getByRole('toolbar').evaluate((el) => getComputedStyle(el).opacity), { timeout: 10_000 }).toBe('0');
const currentPage = async (page: Page) => Number(await page.getByTestId('page-indicator').getAttribute('data-page'));

describe('projector screens readable from the back of a hall', () => {
	for (const screen of SCREENS) {
		it(`matrix projector at ${screen.label}: large type, large join address, a third-height QR, abbreviated before paged`, async () => {
			const { context, page } = await signedIn(ctx.browser, screen.viewport, `/workshops/${LIVE_WORKSHOP}/projector`);
			await projectorReady(page);

			// Text the room reads: nothing smaller than the screen's minimum.
			const min = screen.minFont;
			expect(await minFontSize(page, '[data-testid="matrix-grid"] td p.text')).toBeGreaterThanOrEqual(min);
			expect(await minFontSize(page, '[data-testid="matrix-grid"] .tag')).toBeGreaterThanOrEqual(min);
			expect(await minFontSize(page, '[data-testid="matrix-grid"] th.institution .short')).toBeGreaterThanOrEqual(min);
			expect(await minFontSize(page, '[data-testid="matrix-grid"] thead th')).toBeGreaterThanOrEqual(min);
			expect(await minFontSize(page, '[data-testid="matrix-grid"] tr[data-group] th')).toBeGreaterThanOrEqual(min);
			expect(await minFontSize(page, '[data-testid="page-indicator"] strong')).toBeGreaterThanOrEqual(min);
			expect(await minReadableFont(page)).toBeGreaterThanOrEqual(min);
			// The address people type and the code: never the smallest text, the code twice the body.
			expect(await minFontSize(page, '[data-testid="join-url"]')).toBeGreaterThanOrEqual(min * 1.05);
			expect(await minFontSize(page, '[data-testid="join-code"]')).toBeGreaterThanOrEqual(min * 2);
			expect(await page.getByTestId('join-url').textContent()).toContain('/join/TAMAN8');

			const qr = await page.getByRole('img', { name: 'Kode QR untuk bergabung' }).boundingBox();
			expect(qr!.height).toBeGreaterThanOrEqual(screen.viewport.height / 3);
			expect(qr!.y + qr!.height).toBeLessThanOrEqual(screen.viewport.height);

			// Abbreviated (type as a tag, descriptions clamped) and only then paged: some text is cut here…
			const clamped = await page.locator('[data-testid="matrix-grid"] td p.text').evaluateAll((ps) => ps.filter((p) => p.getClientRects().length > 0 && p.scrollHeight > p.clientHeight + 1).length);
			expect(clamped).toBeGreaterThan(0);
			// …and what is shown fits: nothing below the screen's edge, nothing sideways.
			const bounds = await page.getByTestId('matrix-grid').evaluate((table) => ({ table: table.getBoundingClientRect().toJSON(), frame: table.parentElement!.getBoundingClientRect().toJSON() }));
			expect(bounds.table.bottom).toBeLessThanOrEqual(bounds.frame.bottom + 1);
			expect(bounds.table.right).toBeLessThanOrEqual(bounds.frame.right + 1);
			expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(screen.viewport.width);

			// Paging: every institution is on exactly one page, in order, and the indicator says where we are.
			const total = Number(await page.getByTestId('page-indicator').getAttribute('data-total'));
			await page.keyboard.press('h'); // hold, so the automatic turn does not race the keyboard
			await expect.poll(() => page.getByTestId('page-indicator').textContent()).toContain(`Halaman ${await currentPage(page)} dari ${total}`);
			while ((await currentPage(page)) !== 1) await page.keyboard.press('PageDown');
			await toolbarFaded(page);
			await page.screenshot({ path: screenshotPath(`matrix-${screen.label}.png`) });
			if (screen.label === '1920x1080' && UPDATE_DOC_IMAGES) copyFileSync(screenshotPath(`matrix-${screen.label}.png`), join('docs', 'img', 'matrix-projector.png'));
			const seen: string[] = [];
			for (let n = 1; n <= total; n++) {
				await expect.poll(() => currentPage(page)).toBe(n);
				expect(await page.getByTestId('page-indicator').textContent()).toContain(`Halaman ${n} dari ${total}`);
				const rows = await visibleRows(page);
				expect(rows.length).toBeGreaterThan(0);
				seen.push(...rows);
				await page.keyboard.press('PageDown');
			}
			expect(seen).toEqual(rowIds);

			// Once everyone is in, Q gives the QR's room back to the matrix; the address stays on screen, as large as the text.
			await page.keyboard.press('q');
			await expect.poll(() => page.getByTestId('join-panel').count()).toBe(0);
			expect(await page.getByTestId('join-line').textContent()).toContain('/join/TAMAN8');
			expect(await minFontSize(page, '[data-testid="join-line"] span')).toBeGreaterThanOrEqual(min);
			expect(new URL(page.url()).searchParams.get('qr')).toBe('0');
			await context.close();
		});
	}

	it('a held page stays while an unheld screen turns, and after a reload; releasing it turns again', async () => {
		const viewport = SCREENS[0].viewport;
		const path = `/workshops/${LIVE_WORKSHOP}/projector`;
		const { context, page } = await signedIn(ctx.browser, viewport, `${path}?seconds=2`);
		await projectorReady(page);
		// Not held, it turns by itself.
		const start = await currentPage(page);
		await expect.poll(() => currentPage(page), { timeout: 10_000 }).not.toBe(start);

		await page.getByRole('button', { name: /Tahan halaman/ }).click();
		await expect.poll(() => page.getByTestId('page-held').isVisible()).toBe(true);
		const held = await currentPage(page);
		expect(new URL(page.url()).searchParams.get('page')).toBe(String(held));

		// A second screen with the same page time is the clock: once it has turned twice, a held page would have too.
		const witness = await context.newPage();
		await witness.setViewportSize(viewport);
		await witness.goto(`${ctx.server.url}${path}?seconds=2`);
		await projectorReady(witness);
		let turns = 0;
		let last = await currentPage(witness);
		await expect
			.poll(
				async () => {
					const now = await currentPage(witness);
					if (now !== last) (turns++, (last = now));
					return turns;
				},
				{ timeout: 15_000, interval: 200 }
			)
			.toBeGreaterThanOrEqual(2);
		expect(await currentPage(page)).toBe(held);

		await page.reload({ waitUntil: 'networkidle' });
		await projectorReady(page);
		expect(await currentPage(page)).toBe(held);
		expect(await page.getByTestId('page-held').isVisible()).toBe(true);

		await page.keyboard.press('h');
		await expect.poll(() => page.getByTestId('page-held').count()).toBe(0);
		await expect.poll(() => currentPage(page), { timeout: 10_000 }).not.toBe(held);

		// The moderator's help ("?") on the projector lists its own keys too.
		await page.keyboard.press('?');
		const help = page.getByRole('dialog', { name: 'Pintasan keyboard' });
		await expect.poll(() => help.isVisible()).toBe(true);
		const shortcuts = await help.locator('dl > div').evaluateAll((rows) => rows.map((row) => [row.querySelector('dt')?.textContent?.trim(), row.querySelector('dd')?.textContent?.trim()]));
		expect(shortcuts).toContainEqual(['H', 'Tahan/lepas halaman proyektor (tidak berganti otomatis)']);
		expect(shortcuts).toContainEqual(['Q', 'Tampilkan/sembunyikan QR dan alamat bergabung']);
		await context.close();
	});

	it('follow-me from the moderator’s laptop shows the discussed cell enlarged, in full, on its page', async () => {
		const { context, page: projector } = await signedIn(ctx.browser, SCREENS[1].viewport, `/workshops/${LIVE_WORKSHOP}/projector`);
		await projectorReady(projector);
		await projector.keyboard.press('h');
		while ((await currentPage(projector)) !== 1) await projector.keyboard.press('PageDown');
		await expect.poll(() => currentPage(projector)).toBe(1);

		// The longest description in the last row: clamped in the grid, and on another page.
		const lastRow = rowIds.at(-1)!;
		const target = await projector.locator(`[data-testid="matrix-grid"] tr[data-row-id="${lastRow}"] td[data-cell]`).evaluateAll((tds) => {
			const withText = tds.map((td) => ({ key: (td as HTMLElement).dataset.cell!, text: td.querySelector('p.text')?.textContent?.trim() ?? '' }));
			return withText.sort((a, b) => b.text.length - a.text.length)[0]!;
		});
		expect(await visibleRows(projector)).not.toContain(lastRow);

		const laptop = await context.newPage();
		await laptop.setViewportSize({ width: 1366, height: 800 });
		await laptop.goto(`${ctx.server.url}/workshops/${LIVE_WORKSHOP}/matrix`);
		await expect.poll(() => laptop.getByTestId('connection-status').getAttribute('data-state'), { timeout: 15_000 }).toBe('live');
		await laptop.locator(`td[data-cell="${target.key}"]`).focus();
		await laptop.getByRole('button', { name: /^Ikuti saya/ }).click();

		const spotlight = projector.getByTestId('spotlight');
		await expect.poll(() => spotlight.getAttribute('data-cell'), { timeout: 10_000 }).toBe(target.key);
		const description = (await spotlight.locator('.description').textContent())!;
		expect(target.text).toContain(description);
		expect(await spotlight.textContent()).toContain('Sedang dibahas');
		// Enlarged: half again the grid's type, and its text is whole while the grid's copy is clamped.
		const sizes = await projector.evaluate((key) => {
			const grid = document.querySelector<HTMLElement>(`[data-testid="matrix-grid"] td[data-cell="${key}"] p.text`)!;
			const big = document.querySelector<HTMLElement>('[data-testid="spotlight"] .description')!;
			return { grid: parseFloat(getComputedStyle(grid).fontSize), big: parseFloat(getComputedStyle(big).fontSize), clamped: grid.scrollHeight > grid.clientHeight + 1, gridVisible: grid.getClientRects().length > 0 };
		}, target.key);
		expect(sizes.big).toBeGreaterThanOrEqual(sizes.grid * 1.4);
		expect(sizes.clamped).toBe(true);
		// The projector went to the page holding that row, though the page was held, and outlines the cell.
		expect(sizes.gridVisible).toBe(true);
		expect(await visibleRows(projector)).toContain(lastRow);
		expect(await projector.locator(`td[data-cell="${target.key}"]`).getAttribute('class')).toContain('followed');
		await projector.screenshot({ path: screenshotPath('matrix-follow-1920x1080.png') });

		await laptop.getByRole('button', { name: /^Ikuti saya/ }).click();
		await expect.poll(() => spotlight.count()).toBe(0);

		// A moderator at the projector's own keyboard or mouse picks a cell: its full text shows the same way; Escape puts it away.
		const picked = await projector.locator('[data-testid="matrix-grid"] td[data-cell]').evaluateAll((tds) => tds.filter((td) => td.getClientRects().length > 0 && td.querySelector('p.text')).map((td) => (td as HTMLElement).dataset.cell!)[0]!);
		await projector.locator(`td[data-cell="${picked}"]`).click();
		await expect.poll(() => spotlight.getAttribute('data-cell')).toBe(picked);
		expect(await spotlight.textContent()).not.toContain('Sedang dibahas');
		await projector.keyboard.press('Escape');
		await expect.poll(() => spotlight.count()).toBe(0);
		await context.close();
	});

	it('attendance projector view: full screen without the app header, survives a reload, several whole rows at 720p, pages', async () => {
		const viewport = SCREENS[0].viewport;
		const { context, page } = await signedIn(ctx.browser, viewport, `/workshops/${LIVE_WORKSHOP}/attendance`);
		await page.getByRole('link', { name: 'Tampilan proyektor' }).click();
		await page.waitForURL((url) => url.searchParams.get('view') === 'projector');

		const checkFullScreen = async () => {
			const view = page.getByTestId('attendance-projector');
			await view.waitFor();
			// The site header is not what the room sees: every corner of the screen belongs to the view.
			const corners = await page.evaluate(
				({ w, h }) =>
					[
						[2, 2],
						[w - 2, 2],
						[2, h - 2],
						[w - 2, h - 2],
						[w / 2, 10]
					].map(([x, y]) => !!document.elementFromPoint(x!, y!)?.closest('[data-testid="attendance-projector"]')),
				{ w: viewport.width, h: viewport.height }
			);
			expect(corners).toEqual([true, true, true, true, true]);
			expect(await page.locator('header.top').evaluate((h) => document.elementFromPoint(h.getBoundingClientRect().left + 5, h.getBoundingClientRect().top + 5)?.closest('header.top') !== null)).toBe(false);
		};
		await checkFullScreen();
		await expect.poll(async () => Number(await page.getByTestId('page-indicator').getAttribute('data-total'))).toBeGreaterThan(1);

		// Several whole rows, in readable type.
		const frame = await page.getByTestId('attendance-list').evaluate((t) => t.parentElement!.getBoundingClientRect().toJSON());
		const whole = await page.getByTestId('attendance-row').evaluateAll(
			(rows, f) => rows.filter((r) => r.getClientRects().length > 0).filter((r) => { const b = r.getBoundingClientRect(); return b.top >= f.top - 1 && b.bottom <= f.bottom + 1 && b.bottom <= window.innerHeight; }).length,
			frame
		);
		expect(whole).toBeGreaterThanOrEqual(10);
		expect(await minFontSize(page, '[data-testid="attendance-row"] td')).toBeGreaterThanOrEqual(16);
		expect(await minFontSize(page, '[data-testid="join-url"]')).toBeGreaterThanOrEqual(16);
		const qr = await page.getByRole('img', { name: 'Kode QR untuk bergabung' }).boundingBox();
		expect(qr!.height).toBeGreaterThanOrEqual(viewport.height / 3);
		expect(await page.getByRole('columnheader', { name: 'No. HP' }).count()).toBe(0);
		await toolbarFaded(page);
		await page.screenshot({ path: screenshotPath('attendance-1280x720.png') });

		// Every person appears on one of the pages.
		const total = Number(await page.getByTestId('page-indicator').getAttribute('data-total'));
		await page.keyboard.press('h');
		const names = new Set<string>();
		for (let n = 0; n < total; n++) {
			const shown = await page.getByTestId('attendance-row').evaluateAll((rows) => rows.filter((r) => r.getClientRects().length > 0).map((r) => r.querySelector('td:nth-child(2)')!.textContent!.trim()));
			for (const name of shown) names.add(name);
			const before = await currentPage(page);
			await page.keyboard.press('PageDown');
			if (n < total - 1) await expect.poll(() => currentPage(page)).toBe(before + 1);
		}
		expect(names.size).toBe(rowIds.length * 2);

		await page.reload({ waitUntil: 'networkidle' });
		await checkFullScreen();
		await context.close();

		// The README's picture: the 1080p projector.
		const big = await signedIn(ctx.browser, SCREENS[1].viewport, `/workshops/${LIVE_WORKSHOP}/attendance?view=projector`);
		await big.page.getByTestId('attendance-projector').waitFor();
		await expect.poll(async () => Number(await big.page.getByTestId('page-indicator').getAttribute('data-total'))).toBeGreaterThan(0);
		expect(await minFontSize(big.page, '[data-testid="attendance-row"] td')).toBeGreaterThanOrEqual(24);
		await toolbarFaded(big.page);
		await big.page.screenshot({ path: screenshotPath('attendance-1920x1080.png') });
		if (UPDATE_DOC_IMAGES) copyFileSync(screenshotPath('attendance-1920x1080.png'), join('docs', 'img', 'attendance-projector.png'));
		await big.context.close();
	});
});
