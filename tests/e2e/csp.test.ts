import { describe, expect, it } from 'vitest';
import { useTestServer } from '../helpers/lifecycle';

const ctx = useTestServer({ browser: true });

describe('the app under its Content-Security-Policy', () => {
	it('loads, hydrates and opens its live socket on the main pages with no CSP violation', async () => {
		const context = await ctx.browser.newContext({ viewport: { width: 1366, height: 900 } });
		const page = await context.newPage();
		const violations: string[] = [];
		page.on('console', (m) => {
			if (/Content Security Policy|Refused to/i.test(m.text())) violations.push(`${page.url()}: ${m.text()}`);
		});
		page.on('pageerror', (e) => violations.push(`${page.url()}: ${e.message}`));

		for (const path of ['/', '/verify', '/join/TAMAN8', '/login']) await page.goto(ctx.server.url + path, { waitUntil: 'networkidle' });
		// Signing in goes through the hydrated form (use:enhance), so script ran.
		await page.getByLabel('Email').fill('moderator@mufakat.test');
		await page.getByLabel('Kata sandi').fill('mufakat-demo');
		await page.getByRole('button', { name: 'Masuk' }).click();
		await page.waitForURL(`${ctx.server.url}/`);
		for (const path of ['/forums/1', '/forums/1/commitments', '/workshops/3', '/workshops/3/projector'])
			await page.goto(ctx.server.url + path, { waitUntil: 'networkidle' });
		// The matrix is a live document over the collab socket: connect-src must let it through.
		const answered = new Promise((resolve) => page.on('websocket', (ws) => ws.on('framereceived', resolve)));
		await page.goto(ctx.server.url + '/workshops/3/matrix', { waitUntil: 'networkidle' });
		await answered;
		expect(violations).toEqual([]);
		await context.close();
	});
});
