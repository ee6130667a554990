import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';

/** Debian's Chromium, never a downloaded browser; flags that work as root with no network. */
export function launchChromium(): Promise<Browser> {
	return chromium.launch({
		executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
		headless: true,
		args: [
			'--no-sandbox',
			'--disable-gpu',
			'--disable-quic',
			'--no-first-run',
			'--disable-background-networking',
			'--disable-component-update',
			'--disable-sync',
			'--disable-dev-shm-usage'
		]
	});
}

/** Screenshots and other artefacts a person may want to look at after a run. */
export function outputPath(name: string): string {
	const dir = join('test-output', 'e2e');
	mkdirSync(dir, { recursive: true });
	return join(dir, name);
}

export const PHONE = { viewport: { width: 360, height: 740 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true };

/**
 * Signs a seeded staff account in (every demo account has the password mufakat-demo) through the
 * login form, and waits until the page it was sent on to (`next`, else the home page) has loaded.
 */
export async function signIn(page: Page, baseUrl: string, { email = 'moderator@mufakat.test', next }: { email?: string; next?: string } = {}): Promise<void> {
	await page.goto(`${baseUrl}/login${next ? `?next=${encodeURIComponent(next)}` : ''}`, { waitUntil: 'networkidle' });
	await page.getByLabel('Email').fill(email);
	await page.getByLabel('Kata sandi').fill('mufakat-demo');
	await page.getByRole('button', { name: 'Masuk' }).click();
	await page.waitForURL((url) => url.pathname === (next ?? '/').split('?')[0], { waitUntil: 'networkidle' });
}

/** A new page in `context` with a seeded staff account signed in, on the home page. */
export async function signedInPage(context: BrowserContext, baseUrl: string, email: string): Promise<Page> {
	const page = await context.newPage();
	await signIn(page, baseUrl, { email });
	return page;
}
