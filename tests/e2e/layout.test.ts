import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { BrowserContext, BrowserContextOptions, Locator, Page } from 'playwright-core';
import { afterAll, describe, expect, it } from 'vitest';
import { readMatrix, roomName, roots } from '../../src/lib/collab/matrix-doc';
import { cellDescription } from '../../src/lib/collab/matrix-edits';
import { PHONE, signIn } from '../helpers/browser';
import { connectClient, TEST_SECRET, token, until, type TestClient } from '../helpers/collab';
import { fillMatrix, pilotSiteCodes } from '../helpers/filled-matrix';
import { invitationCode } from '../helpers/invitations';
import { useTestServer } from '../helpers/lifecycle';

/**
 * Every main page at a phone's 360 × 740 (touch), a cheap projector's 1280 × 720 and 1080p, with
 * the demo's live matrix filled by all its institutions: nothing wider than the screen, fingertip-
 * sized controls on the phone, and a representative who fills their own row on the phone.
 */
const ctx = useTestServer({ browser: true, env: { MUFAKAT_COLLAB_SECRET: TEST_SECRET } });

const CODE = 'TAMAN8';
const LIVE_WORKSHOP = 3;
const OWN_INSTITUTION = 'Kel. Taman';
const SIZES: { name: string; width: number; options: BrowserContextOptions }[] = [
	{ name: '360', width: 360, options: PHONE },
	{ name: '1280', width: 1280, options: { viewport: { width: 1280, height: 720 } } },
	{ name: '1920', width: 1920, options: { viewport: { width: 1920, height: 1080 } } }
];
/** Apple's and WCAG 2.5.5's fingertip; half a pixel for subpixel layout. */
const FINGER = 43.5;

type Who = 'anonymous' | 'participant' | 'staff';
/** Workshop 3 is the live demo workshop; workshop 1 has sealed minutes; forum 1 and programme 1 are Forpemma's. */
const PAGES: { name: string; path: string; who: Who; live?: boolean }[] = [
	{ name: 'home', path: '/', who: 'anonymous' },
	{ name: 'join', path: `/join/${CODE}`, who: 'anonymous' },
	{ name: 'login', path: '/login', who: 'anonymous' },
	{ name: 'verify', path: '/verify', who: 'anonymous' },
	{ name: 'public-programme', path: '/p/1', who: 'anonymous' },
	{ name: 'participant-workshop', path: `/w/${CODE}`, who: 'participant' },
	{ name: 'participant-matrix', path: `/w/${CODE}/matrix`, who: 'participant', live: true },
	{ name: 'moderator-matrix', path: `/workshops/${LIVE_WORKSHOP}/matrix`, who: 'staff', live: true },
	{ name: 'projector', path: `/workshops/${LIVE_WORKSHOP}/projector`, who: 'staff', live: true },
	{ name: 'attendance', path: `/workshops/${LIVE_WORKSHOP}/attendance`, who: 'staff' },
	{ name: 'workshop', path: `/workshops/${LIVE_WORKSHOP}`, who: 'staff' },
	{ name: 'minutes', path: '/workshops/1/minutes', who: 'staff' },
	{ name: 'forum', path: '/forums/1', who: 'staff' },
	{ name: 'commitments', path: '/forums/1/commitments', who: 'staff' },
	{ name: 'dashboard', path: '/forums/1/dashboard', who: 'staff' },
	{ name: 'programme', path: '/forums/1/programmes/1', who: 'staff' }
];

function screenshotPath(page: string, size: string): string {
	const dir = join('test-output', 'layout');
	mkdirSync(dir, { recursive: true });
	return join(dir, `${page}-${size}.png`);
}

async function joinOnPhone(page: Page): Promise<void> {
	await page.goto(`${ctx.server.url}/join/${invitationCode(ctx.db, LIVE_WORKSHOP, OWN_INSTITUTION)}`, { waitUntil: 'networkidle' });
	await page.getByLabel('Nama lengkap').fill('Rina Kartika');
	await page.getByLabel('Jabatan').fill('Lurah');
	await page.getByLabel('Perempuan (P)').check();
	await page.getByRole('button', { name: 'Isi daftar hadir' }).click();
	await page.waitForURL(`**/w/${CODE}`);
}

/** Opens a page and waits until it shows what it is for (the live matrix pages: the matrix). */
async function open(page: Page, path: string, live = false): Promise<void> {
	await page.goto(ctx.server.url + path, { waitUntil: 'networkidle' });
	if (live) await page.locator('[data-testid="matrix-grid"], [data-testid="own-row-form"]').first().waitFor({ timeout: 15_000 });
}

const pageWidth = (page: Page) => page.evaluate(() => document.documentElement.scrollWidth);

/** Width and height of every element a locator matches, with a name to say which one failed. */
async function tapSizes(locator: Locator): Promise<{ what: string; width: number; height: number }[]> {
	const out = [];
	for (const item of await locator.all()) {
		const box = await item.boundingBox();
		if (!box) continue;
		out.push({ what: (await item.evaluate((e) => e.outerHTML.slice(0, 100))) ?? '', width: box.width, height: box.height });
	}
	return out;
}

function expectFingerSized(sizes: { what: string; width: number; height: number }[], what: string): void {
	expect(sizes.length, `${what}: found on the page`).toBeGreaterThan(0);
	for (const s of sizes) {
		expect.soft(s.height, `${what} height: ${s.what}`).toBeGreaterThanOrEqual(FINGER);
		expect.soft(s.width, `${what} width: ${s.what}`).toBeGreaterThanOrEqual(FINGER);
	}
}

type StorageState = Awaited<ReturnType<BrowserContext['storageState']>>;

describe('layout on a phone, a 720p projector and 1080p', () => {
	let witness: TestClient;
	let participant: StorageState;
	let staff: StorageState;
	const contexts: BrowserContext[] = [];
	const context = async (options: BrowserContextOptions) => {
		const made = await ctx.browser.newContext(options);
		contexts.push(made);
		return made;
	};
	afterAll(async () => {
		witness?.destroy();
		for (const c of contexts) await c.close().catch(() => undefined);
	});

	it('the demo matrix is filled by every institution, each in its own row', async () => {
		const filled = await fillMatrix(ctx.server.url, { workshopId: LIVE_WORKSHOP, fields: 'every', sites: pilotSiteCodes(ctx.db, LIVE_WORKSHOP) });
		expect(filled.rows).toBeGreaterThanOrEqual(17);
		witness = connectClient(ctx.server.url, roomName(LIVE_WORKSHOP), { token: token({ role: 'viewer' }) });
		await witness.synced;
		// Every cell of every row, every field written, pilot sites included.
		const cells = Object.values(readMatrix(witness.doc).cells);
		expect(filled.cells).toBe(filled.rows * roots(witness.doc).components.size);
		expect(cells.filter((c) => c.description && c.sites.length > 0 && c.valueRupiah !== null && c.fundingSource)).toHaveLength(filled.cells);
		const phone = await context(PHONE);
		await joinOnPhone(await phone.newPage());
		participant = await phone.storageState();
		const office = await context(PHONE);
		await signIn(await office.newPage(), ctx.server.url);
		staff = await office.storageState();
	});

	it('on the phone the representative taps into each of their own cells and types, and the words reach the server', async () => {
		const page = await (await context({ ...PHONE, storageState: participant })).newPage();
		await open(page, `/w/${CODE}/matrix`, true);
		const form = page.getByTestId('own-row-form');
		const cards = form.locator('[data-cell]');
		const count = await cards.count();
		expect(count).toBe(roots(witness.doc).components.size);
		for (let i = 0; i < count; i++) {
			const card = cards.nth(i);
			const key = (await card.getAttribute('data-cell'))!;
			const words = ` — ditulis di HP ${i + 1}`;
			const description = card.getByRole('textbox', { name: /^Uraian peran dan kontribusi/ });
			await description.tap();
			// The tap lands on the field it was aimed at, and the page does not slide sideways.
			expect(await description.evaluate((el) => el === document.activeElement)).toBe(true);
			await page.keyboard.press('Control+End');
			await page.keyboard.type(words, { delay: 10 });
			expect(await page.evaluate(() => [window.scrollX, document.documentElement.scrollWidth])).toEqual([0, 360]);
			const box = (await description.boundingBox())!;
			expect(box.y + box.height, 'the field being typed in stays on screen').toBeLessThanOrEqual(740);
			expect(box.y).toBeGreaterThanOrEqual(0);
			const unit = card.getByRole('textbox', { name: /^Satuan/ });
			await unit.tap();
			await unit.fill('paket');
			await unit.press('Enter');
			await until(() => (cellDescription(witness.doc, key)?.toString() ?? '').endsWith(words) && roots(witness.doc).cells.get(key)?.get('unit') === 'paket', 10_000, `cell ${key} on the server`);
		}
		await expect.poll(() => page.getByTestId('connection-status').getAttribute('data-state')).toBe('live');
		// The connection state stays in sight at the last card too.
		expect(await page.getByTestId('live-bar').evaluate((bar) => bar.getBoundingClientRect().top)).toBeGreaterThanOrEqual(0);
		expect(await page.getByTestId('live-bar').evaluate((bar) => bar.getBoundingClientRect().bottom)).toBeLessThanOrEqual(740);
		await form.evaluate((el) => el.scrollIntoView({ block: 'start' }));
		await page.screenshot({ path: screenshotPath('participant-matrix-own-row', '360') });
	});

	for (const size of SIZES) {
		it(`no main page is wider than ${size.name} px`, async () => {
			const pages = {
				anonymous: await (await context(size.options)).newPage(),
				participant: await (await context({ ...size.options, storageState: participant })).newPage(),
				staff: await (await context({ ...size.options, storageState: staff })).newPage()
			};
			for (const { name, path, who, live } of PAGES) {
				const page = pages[who];
				await open(page, path, live);
				await page.screenshot({ path: screenshotPath(name, size.name) });
				expect.soft(await pageWidth(page), `${name} at ${size.name} px`).toBeLessThanOrEqual(size.width);
			}
		});
	}

	it('on the phone, header links, language buttons, radios and the own-row fields are at least 44 px', async () => {
		const anonymous = await (await context(PHONE)).newPage();
		await open(anonymous, '/');
		expectFingerSized(await tapSizes(anonymous.locator('header.top a, header.top button')), 'header links and language buttons');
		const code = (await anonymous.locator('#code').boundingBox())!;
		const card = (await anonymous.locator('.card', { has: anonymous.locator('#code') }).boundingBox())!;
		expect(code.x + code.width, 'the code input fits its card').toBeLessThanOrEqual(card.x + card.width);
		await open(anonymous, `/join/${CODE}`);
		expectFingerSized(await tapSizes(anonymous.locator('label:has(input[type="radio"])')), 'radio choices');

		const page = await (await context({ ...PHONE, storageState: participant })).newPage();
		await open(page, `/w/${CODE}/matrix`, true);
		const form = page.getByTestId('own-row-form');
		expectFingerSized(await tapSizes(form.locator('select, input:not([type="checkbox"]), textarea')), 'own-row fields');
		expectFingerSized(await tapSizes(form.locator('label:has(input[type="checkbox"])')), 'pilot-site checkboxes');
	});

	it('the signing page fits every screen and its "Ulangi" is finger-sized on the phone', async () => {
		// Signing needs frozen, finalised minutes: last, after the live matrix has been measured.
		const office = await (await context({ viewport: { width: 1366, height: 900 }, storageState: staff })).newPage();
		const frozen = await office.request.post(`${ctx.server.url}/workshops/${LIVE_WORKSHOP}/matrix?/freeze`, { form: {}, headers: { origin: ctx.server.url } });
		expect(frozen.ok()).toBe(true);
		await open(office, `/workshops/${LIVE_WORKSHOP}/minutes`);
		await office.getByRole('button', { name: 'Finalkan teks dan minta tanda tangan' }).click();
		await office.getByTestId('signed-count').waitFor({ timeout: 10_000 });

		const phone = await (await context({ ...PHONE, storageState: participant })).newPage();
		await open(phone, `/w/${CODE}`);
		const signLink = (await phone.getByTestId('my-sign-link').getAttribute('href'))!;
		for (const size of SIZES) {
			const page = size.width === 360 ? phone : await (await context({ ...size.options, storageState: participant })).newPage();
			await open(page, signLink);
			await page.screenshot({ path: screenshotPath('sign', size.name) });
			expect.soft(await pageWidth(page), `sign at ${size.name} px`).toBeLessThanOrEqual(size.width);
		}
		expectFingerSized(await tapSizes(phone.getByRole('button', { name: 'Ulangi' })), 'the signature pad\'s "Ulangi"');
	});
});
