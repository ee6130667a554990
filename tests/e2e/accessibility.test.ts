import type { BrowserContext, Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { useTestServer } from '../helpers/lifecycle';
import { invitationCode } from '../helpers/invitations';
import { seriousViolations, type AxeFinding } from '../helpers/axe';
import { PHONE } from '../helpers/browser';

const ctx = useTestServer({ browser: true });

const CODE = 'TAMAN8';
const LIVE_WORKSHOP = 3;
const LAPTOP = { viewport: { width: 1366, height: 900 }, bypassCSP: true };
const LOCALES = ['id', 'en'] as const;

/**
 * Every main page in both languages, as the person who uses it sees it; axe-core reports the
 * serious and critical violations, and the test lists them all at the end rather than stopping at
 * the first page.
 */
describe('accessibility of the main pages (axe-core)', () => {
	it('has no serious or critical violation on any main page, in Indonesian and in English', async () => {
		const base = ctx.server.url;
		const found: string[] = [];
		const checked: string[] = [];

		async function audit(context: BrowserContext, page: Page, path: string, ready?: (page: Page) => Promise<void>) {
			for (const locale of LOCALES) {
				await context.addCookies([{ name: 'mufakat_lang', value: locale, url: base }]);
				await page.goto(base + path, { waitUntil: 'networkidle' });
				expect(await page.getAttribute('html', 'lang')).toBe(locale);
				await ready?.(page);
				const violations: AxeFinding[] = await seriousViolations(page);
				checked.push(`${locale} ${path}`);
				for (const v of violations) found.push(`${locale} ${path}: [${v.impact}] ${v.id} (${v.help}) at ${v.targets.join(' | ')}`);
			}
			await context.addCookies([{ name: 'mufakat_lang', value: 'id', url: base }]);
		}
		const matrixLoaded = async (page: Page) => {
			await page.waitForFunction(() => !/Memuat matriks|Loading the matrix/.test(document.body.innerText), undefined, { timeout: 15_000 });
		};

		// Anyone: home, join, verify, login, the public programme page.
		const visitor = await ctx.browser.newContext(LAPTOP);
		const anon = await visitor.newPage();
		for (const path of ['/', `/join/${CODE}`, '/verify', '/login', '/p/1']) await audit(visitor, anon, path);

		// The instance administrator, created from the setup address the server printed.
		const setupUrl = /Setup: (http\S+\/setup\/\S+)/.exec(ctx.server.output())?.[1];
		expect(setupUrl, ctx.server.output()).toBeTruthy();
		const adminContext = await ctx.browser.newContext(LAPTOP);
		const admin = await adminContext.newPage();
		await admin.goto(setupUrl!, { waitUntil: 'networkidle' });
		await admin.getByLabel('Nama lengkap').fill('Admin Uji');
		await admin.getByLabel('Email').fill('admin@a11y.test');
		await admin.getByLabel(/^Kata sandi/).fill('teh-manis-di-balai-desa');
		await admin.getByLabel('Ulangi kata sandi').fill('teh-manis-di-balai-desa');
		await admin.getByRole('button', { name: 'Buat administrator' }).click();
		await admin.waitForURL(/\/admin$/);
		for (const path of ['/admin', '/admin/forums/1']) await audit(adminContext, admin, path);

		// A representative on a phone, checked in with their institution's own code.
		const phone = await ctx.browser.newContext({ ...PHONE, bypassCSP: true });
		const rep = await phone.newPage();
		await rep.goto(`${base}/join/${invitationCode(ctx.db, LIVE_WORKSHOP, 'Kel. Taman')}`, { waitUntil: 'networkidle' });
		await rep.getByLabel('Nama lengkap').fill('Rina Kartika');
		await rep.getByLabel('Jabatan').fill('Kepala Seksi');
		await rep.getByLabel('Perempuan (P)').check();
		await rep.getByRole('button', { name: 'Isi daftar hadir' }).click();
		await rep.waitForURL(`**/w/${CODE}`);
		await audit(phone, rep, `/w/${CODE}`);
		await audit(phone, rep, `/w/${CODE}/matrix`, matrixLoaded);

		// The moderator on a laptop.
		const office = await ctx.browser.newContext(LAPTOP);
		const mod = await office.newPage();
		await mod.goto(`${base}/login`, { waitUntil: 'networkidle' });
		await mod.getByLabel('Email').fill('moderator@mufakat.test');
		await mod.getByLabel('Kata sandi').fill('mufakat-demo');
		await mod.getByRole('button', { name: 'Masuk' }).click();
		await mod.waitForURL(`${base}/`);
		const programme = ctx.db.prepare('select id from programmes where forum_id = 1 order by id limit 1').get() as { id: number };
		for (const path of ['/forums/1', '/forums/1/people', '/forums/1/commitments', '/forums/1/dashboard', '/forums/1/programmes', `/forums/1/programmes/${programme.id}`])
			await audit(office, mod, path);
		for (const path of [`/workshops/${LIVE_WORKSHOP}`, `/workshops/${LIVE_WORKSHOP}/attendance`, '/workshops/1/minutes']) await audit(office, mod, path);
		for (const path of [`/workshops/${LIVE_WORKSHOP}/matrix`, `/workshops/${LIVE_WORKSHOP}/projector`]) await audit(office, mod, path, matrixLoaded);

		// Freeze and finalise the live workshop so the representative has something to sign.
		const frozen = await office.request.post(`${base}/workshops/${LIVE_WORKSHOP}/matrix?/freeze`, { form: {}, headers: { origin: base } });
		expect(frozen.ok()).toBe(true);
		await mod.goto(`${base}/workshops/${LIVE_WORKSHOP}/minutes`, { waitUntil: 'networkidle' });
		await mod.getByRole('button', { name: 'Finalkan teks dan minta tanda tangan' }).click();
		await mod.getByTestId('signed-count').waitFor();
		await audit(office, mod, `/workshops/${LIVE_WORKSHOP}/minutes`);

		await rep.goto(`${base}/w/${CODE}`, { waitUntil: 'networkidle' });
		const signPath = new URL((await rep.getByTestId('my-sign-link').getAttribute('href'))!, base).pathname;
		await audit(phone, rep, signPath);

		expect(checked.length).toBeGreaterThanOrEqual(2 * 20);
		expect(found, found.join('\n')).toEqual([]);
	});
});
