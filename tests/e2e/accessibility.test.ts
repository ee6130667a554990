import type { BrowserContext, Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { useTestServer } from '../helpers/lifecycle';
import { invitationCode } from '../helpers/invitations';
import { seriousViolations } from '../helpers/axe';
import { PHONE, signedInPage } from '../helpers/browser';

const ctx = useTestServer({ browser: true });

const CODE = 'TAMAN8';
const LIVE_WORKSHOP = 3;
const LAPTOP = { viewport: { width: 1366, height: 900 }, bypassCSP: true };
const LOCALES = ['id', 'en'] as const;
const SLOW = 240_000;

/**
 * Opens `path` in each language (through the language cookie the switcher sets) and returns axe's
 * serious and critical violations, one line each, so a failure lists every page's problems at once.
 */
async function audit(context: BrowserContext, page: Page, path: string, ready?: (page: Page) => Promise<void>): Promise<string[]> {
	const base = ctx.server.url;
	const found: string[] = [];
	for (const locale of LOCALES) {
		await context.addCookies([{ name: 'mufakat_lang', value: locale, url: base }]);
		await page.goto(base + path, { waitUntil: 'networkidle' });
		expect(await page.getAttribute('html', 'lang')).toBe(locale);
		await ready?.(page);
		for (const v of await seriousViolations(page)) found.push(`${locale} ${path}: [${v.impact}] ${v.id} (${v.help}) at ${v.targets.join(' | ')}`);
	}
	await context.addCookies([{ name: 'mufakat_lang', value: 'id', url: base }]);
	return found;
}

async function auditAll(context: BrowserContext, page: Page, paths: string[], ready?: (page: Page) => Promise<void>): Promise<string[]> {
	const found: string[] = [];
	for (const path of paths) found.push(...(await audit(context, page, path, ready)));
	return found;
}

const matrixLoaded = async (page: Page) => {
	await page.waitForFunction(() => !/Memuat matriks|Loading the matrix/.test(document.body.innerText), undefined, { timeout: 15_000 });
};

/** Every main page, as the person who uses it sees it, in Indonesian and in English. */
describe('accessibility of the main pages (axe-core: no serious or critical violation)', () => {
	it('home, join, verify, login and the public programme page', async () => {
		const visitor = await ctx.browser.newContext(LAPTOP);
		const found = await auditAll(visitor, await visitor.newPage(), ['/', `/join/${CODE}`, '/verify', '/login', '/p/1']);
		expect(found, found.join('\n')).toEqual([]);
	}, SLOW);

	it('the administrator pages', async () => {
		// The instance administrator, created from the setup address the server printed.
		const setupUrl = /Setup: (http\S+\/setup\/\S+)/.exec(ctx.server.output())?.[1];
		expect(setupUrl, ctx.server.output()).toBeTruthy();
		const context = await ctx.browser.newContext(LAPTOP);
		const admin = await context.newPage();
		await admin.goto(setupUrl!, { waitUntil: 'networkidle' });
		await admin.getByLabel('Nama lengkap').fill('Admin Uji');
		await admin.getByLabel('Email').fill('admin@a11y.test');
		await admin.getByLabel(/^Kata sandi/).fill('teh-manis-di-balai-desa');
		await admin.getByLabel('Ulangi kata sandi').fill('teh-manis-di-balai-desa');
		await admin.getByRole('button', { name: 'Buat administrator' }).click();
		await admin.waitForURL(/\/admin$/);
		const found = await auditAll(context, admin, ['/admin', '/admin/forums/1']);
		expect(found, found.join('\n')).toEqual([]);
	}, SLOW);

	it('the forum pages: forum, people, commitments, dashboard, programmes', async () => {
		const context = await ctx.browser.newContext(LAPTOP);
		const staff = await signedInPage(context, ctx.server.url, 'moderator@mufakat.test');
		const programme = ctx.db.prepare('select id from programmes where forum_id = 1 order by id limit 1').get() as { id: number };
		const found = await auditAll(context, staff, ['/forums/1', '/forums/1/people', '/forums/1/commitments', '/forums/1/dashboard', '/forums/1/programmes', `/forums/1/programmes/${programme.id}`]);
		expect(found, found.join('\n')).toEqual([]);
	}, SLOW);

	it('the workshop pages: workshop, attendance, moderator matrix, projector, minutes; then the participant pages and the signing page', async () => {
		const base = ctx.server.url;
		const phone = await ctx.browser.newContext({ ...PHONE, bypassCSP: true });
		const rep = await phone.newPage();
		await rep.goto(`${base}/join/${invitationCode(ctx.db, LIVE_WORKSHOP, 'Kel. Taman')}`, { waitUntil: 'networkidle' });
		await rep.getByLabel('Nama lengkap').fill('Rina Kartika');
		await rep.getByLabel('Jabatan').fill('Kepala Seksi');
		await rep.getByLabel('Perempuan (P)').check();
		await rep.getByRole('button', { name: 'Isi daftar hadir' }).click();
		await rep.waitForURL(`**/w/${CODE}`);
		const found = [...(await audit(phone, rep, `/w/${CODE}`)), ...(await audit(phone, rep, `/w/${CODE}/matrix`, matrixLoaded))];

		const office = await ctx.browser.newContext(LAPTOP);
		const mod = await signedInPage(office, ctx.server.url, 'moderator@mufakat.test');
		found.push(...(await auditAll(office, mod, [`/workshops/${LIVE_WORKSHOP}`, `/workshops/${LIVE_WORKSHOP}/attendance`, '/workshops/1/minutes'])));
		found.push(...(await auditAll(office, mod, [`/workshops/${LIVE_WORKSHOP}/matrix`, `/workshops/${LIVE_WORKSHOP}/projector`], matrixLoaded)));

		// Freeze and finalise the live workshop so the representative has something to sign.
		const frozen = await office.request.post(`${base}/workshops/${LIVE_WORKSHOP}/matrix?/freeze`, { form: {}, headers: { origin: base } });
		expect(frozen.ok()).toBe(true);
		await mod.goto(`${base}/workshops/${LIVE_WORKSHOP}/minutes`, { waitUntil: 'networkidle' });
		await mod.getByRole('button', { name: 'Finalkan teks dan minta tanda tangan' }).click();
		await mod.getByTestId('signed-count').waitFor();
		found.push(...(await audit(office, mod, `/workshops/${LIVE_WORKSHOP}/minutes`)));

		await rep.goto(`${base}/w/${CODE}`, { waitUntil: 'networkidle' });
		const signPath = new URL((await rep.getByTestId('my-sign-link').getAttribute('href'))!, base).pathname;
		found.push(...(await audit(phone, rep, signPath)));
		expect(found, found.join('\n')).toEqual([]);
	}, SLOW);
});
