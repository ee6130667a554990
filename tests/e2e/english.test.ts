import type Database from 'better-sqlite3';
import type { BrowserContext, Page, WebSocketRoute } from 'playwright-core';
import * as Y from 'yjs';
import { describe, expect, it } from 'vitest';
import { roots, roomName } from '../../src/lib/collab/matrix-doc';
import { outputPath } from '../helpers/browser';
import { connectClient } from '../helpers/collab';
import { useTestServer } from '../helpers/lifecycle';
import { LIVE_CODE, LIVE_WORKSHOP, mainPages, PARTICIPANT_INSTITUTION, signInAs } from '../helpers/main-pages';

const ctx = useTestServer({ browser: true });

const LAPTOP = { viewport: { width: 1366, height: 800 } };

/**
 * Words of the app's Indonesian interface that have no English homograph: one of them in an
 * English page, outside the data, is a string that missed the catalogue.
 */
const INDONESIAN_UI_WORDS = [
	'dan', 'yang', 'untuk', 'dengan', 'atau', 'dari', 'pada', 'ini', 'itu', 'oleh', 'belum', 'sudah', 'tidak', 'bukan', 'akan',
	'Simpan', 'Keluar', 'Masuk', 'Batal', 'Hapus', 'Ubah', 'Tambah', 'Kirim', 'Unduh', 'Gabung', 'Kembali', 'Lihat', 'Tampilkan',
	'diverifikasi', 'Komitmen', 'Nomor', 'Halaman', 'Daftar', 'hadir', 'Lembaga', 'Peserta', 'Baris', 'Kolom', 'Matriks',
	'Tersambung', 'Terputus', 'Menyambung', 'Berita', 'acara', 'tanda', 'tangan', 'dikunci', 'kunci', 'baru', 'semua', 'selesai',
	'Persetujuan', 'setuju', 'Uraian', 'Kontribusi', 'Jenis', 'Waktu', 'Tanggal', 'Jabatan', 'Nama', 'Sektor', 'Pemerintah',
	'Perguruan', 'Tinggi', 'Swasta', 'moderator', 'Sekretariat', 'Laki-laki', 'Perempuan', 'Kata', 'sandi', 'Tersimpan', 'Bahasa'
].filter((w) => w !== 'moderator');

const WORD = new RegExp(`(?<![\\p{L}\\p{N}’'-])(${INDONESIAN_UI_WORDS.join('|')})(?![\\p{L}\\p{N}’'-])`, 'giu');

/** Tables whose text is the forum's own content (names, places, statements, minutes): data in any language. */
const DATA_TABLES_EXCLUDED = new Set(['areas', 'sessions', 'throttle_buckets', 'collab_updates', 'collab_snapshots', '__drizzle_migrations', 'revoked_tokens', 'seal_certificates', 'settings']);

function collectStrings(value: unknown, into: Set<string>): void {
	if (typeof value === 'string') {
		const text = value.trim();
		if (text.length >= 2) into.add(text);
		if ((text.startsWith('{') || text.startsWith('[')) && text.length > 2) {
			try {
				collectStrings(JSON.parse(text), into);
			} catch {
				// Text that only looks like JSON: kept whole above.
			}
		}
	} else if (Array.isArray(value)) for (const v of value) collectStrings(v, into);
	else if (value && typeof value === 'object') for (const v of Object.values(value)) collectStrings(v, into);
}

/**
 * Everything the demo holds as content: every text in its tables, the places of its forums, and the
 * live matrix. Names of institutions, places, statements, narratives and the berita acara text are
 * data and stay as written; they are taken out of a page's text before looking for Indonesian.
 */
async function demoData(db: Database.Database, moderator: BrowserContext): Promise<string[]> {
	const strings = new Set<string>();
	const tables = db.prepare("select name from sqlite_master where type = 'table'").all() as { name: string }[];
	for (const { name } of tables) {
		if (DATA_TABLES_EXCLUDED.has(name)) continue;
		for (const row of db.prepare(`select * from "${name}"`).all() as Record<string, unknown>[]) collectStrings(Object.values(row), strings);
	}
	// Place names: provinces and regencies, and everything under the demo forums' regencies.
	const regions = db.prepare('select distinct substr(area_code, 1, 5) as code from pilot_sites').all() as { code: string }[];
	for (const { name } of db.prepare('select name from areas where level <= 2').all() as { name: string }[]) strings.add(name);
	for (const { code } of regions) for (const { name } of db.prepare('select name from areas where code like ?').all(`${code}%`) as { name: string }[]) strings.add(name);
	// The live matrix (descriptions typed in the demo live only in the document).
	const cookie = (await moderator.cookies()).map((c) => `${c.name}=${c.value}`).join('; ');
	const client = connectClient(ctx.server.url, roomName(LIVE_WORKSHOP), { cookie });
	try {
		await client.synced;
		const r = roots(client.doc);
		for (const map of Object.values(r)) collectStrings(map.toJSON(), strings);
	} finally {
		client.destroy();
	}
	const uiWords = new Set(INDONESIAN_UI_WORDS.map((w) => w.toLowerCase()));
	return [...strings].filter((s) => !uiWords.has(s.toLowerCase())).sort((a, b) => b.length - a.length);
}

/**
 * What a person meets on the page: visible text, and the labels a screen reader says (aria-label,
 * title, placeholder, alt). Left out: elements marked as Indonesian (`lang="id"`: the berita acara
 * as signed, the "ID" language button) and elements marked `data-i18n="data"`.
 */
async function visibleTexts(page: Page): Promise<string[]> {
	return page.evaluate(() => {
		const out: string[] = [document.title];
		const excluded = (el: Element | null) => {
			const marked = el?.closest('[lang="id"], [data-i18n="data"], script, style, noscript, template');
			return !!marked && marked !== document.documentElement;
		};
		const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
		for (let node = walker.nextNode(); node; node = walker.nextNode()) {
			const parent = node.parentElement;
			const text = node.textContent?.trim();
			if (!text || !parent || excluded(parent)) continue;
			if (!parent.checkVisibility({ visibilityProperty: true }) && !parent.closest('.visually-hidden, .sr-only')) continue;
			out.push(text);
		}
		for (const el of document.body.querySelectorAll('[aria-label], [title], [placeholder], img[alt]')) {
			if (excluded(el)) continue;
			for (const attr of ['aria-label', 'title', 'placeholder', 'alt']) {
				const value = el.getAttribute(attr)?.trim();
				if (value) out.push(value);
			}
		}
		return out;
	});
}

/** The Indonesian words left in `texts` once the demo's data is taken out, with their context. */
function indonesianLeft(texts: string[], data: string[]): string[] {
	const found: string[] = [];
	for (const original of texts) {
		let text = original;
		for (const d of data) if (text.includes(d)) text = text.split(d).join(' ▪ ');
		for (const match of text.matchAll(WORD)) found.push(`“${match[0]}” in “${original.slice(0, 160)}”`);
	}
	return [...new Set(found)];
}

const connection = (page: Page) => page.getByTestId('connection-status').getAttribute('data-state');

describe('the app in English', () => {
	let data: string[] = [];

	it('switches to English from the language buttons and stays English across pages', async () => {
		const context = await ctx.browser.newContext(LAPTOP);
		const page = await context.newPage();
		await page.goto(ctx.server.url + '/', { waitUntil: 'networkidle' });
		expect(await page.locator('html').getAttribute('lang')).toBe('id');
		await page.getByRole('button', { name: /^EN/ }).click();
		await expect.poll(() => page.locator('html').getAttribute('lang')).toBe('en');
		await page.goto(ctx.server.url + '/login', { waitUntil: 'networkidle' });
		expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Sign in');
		await context.close();
	});

	it('shows no Indonesian interface text on any main page, only the forum’s own content', async () => {
		const moderator = await ctx.browser.newContext(LAPTOP);
		await signInAs(moderator, 'moderator', ctx.server, ctx.db);
		data = await demoData(ctx.db, moderator);
		await moderator.close();

		const problems: string[] = [];
		for (const target of mainPages(ctx.db)) {
			const context = await ctx.browser.newContext(LAPTOP);
			await context.addCookies([{ name: 'mufakat_lang', value: 'en', url: ctx.server.url }]);
			await signInAs(context, target.viewer, ctx.server, ctx.db);
			const page = await context.newPage();
			const response = await page.goto(ctx.server.url + target.path, { waitUntil: 'networkidle' });
			expect(response?.status(), target.path).toBe(200);
			expect(await page.locator('html').getAttribute('lang'), target.path).toBe('en');
			if (/matrix|projector/.test(target.path)) await expect.poll(() => connection(page), { timeout: 15_000 }).toBe('live');
			// Server-made lines: the follow-up review of the commitments, the daftar hadir's gender.
			if (target.name === 'workshop') expect(await page.getByTestId('commitment-review').textContent()).toMatch(/→[^→]*— not yet verified/);
			if (target.name === 'attendance') expect(await page.locator('td', { hasText: /^(M|F)$/ }).count()).toBeGreaterThan(0);
			for (const word of indonesianLeft(await visibleTexts(page), data)) problems.push(`${target.name} (${target.path}): ${word}`);
			await page.screenshot({ path: outputPath(`english-${target.name.replace(/\W+/g, '-')}.png`), fullPage: true });
			await context.close();
		}
		expect(problems).toEqual([]);
	});

	it('would notice: the same check finds the Indonesian interface on the Indonesian pages', async () => {
		for (const target of mainPages(ctx.db).filter((p) => ['home', 'moderator matrix', 'attendance'].includes(p.name))) {
			const context = await ctx.browser.newContext(LAPTOP);
			await signInAs(context, target.viewer, ctx.server, ctx.db);
			const page = await context.newPage();
			await page.goto(ctx.server.url + target.path, { waitUntil: 'networkidle' });
			expect(indonesianLeft(await visibleTexts(page), data).length, target.path).toBeGreaterThan(10);
			await context.close();
		}
	});

	it('explains a refused edit in English, naming the institution, with no Indonesian and no ids', async () => {
		const laptop = await ctx.browser.newContext(LAPTOP);
		await laptop.addCookies([{ name: 'mufakat_lang', value: 'en', url: ctx.server.url }]);
		await signInAs(laptop, 'participant', ctx.server, ctx.db);
		const moderator = await ctx.browser.newContext(LAPTOP);
		await signInAs(moderator, 'moderator', ctx.server, ctx.db);

		// The participant types while cut off; meanwhile the moderator locks the row, so the words
		// arrive at a locked row and the server refuses them (see unsaved-edits.test.ts).
		let offline = false;
		const sockets: WebSocketRoute[] = [];
		await laptop.routeWebSocket(/\/collab/, (ws) => {
			if (offline) return void ws.close();
			sockets.push(ws);
			ws.connectToServer();
		});
		const page = await laptop.newPage();
		await page.goto(`${ctx.server.url}/w/${LIVE_CODE}/matrix`, { waitUntil: 'networkidle' });
		await expect.poll(() => connection(page), { timeout: 15_000 }).toBe('live');
		const key = (await page.locator('tr.own td[data-cell]').first().getAttribute('data-cell'))!;
		const institutionId = key.split(':')[0]!;

		await laptop.setOffline(true);
		offline = true;
		for (const ws of sockets.splice(0)) await ws.close();
		await expect.poll(() => connection(page)).toBe('offline');
		const description = page.locator(`td[data-cell="${key}"]`).getByRole('textbox', { name: /^Role and contribution/ });
		await description.click();
		await description.pressSequentially('Kader Pokmas mendampingi warga', { delay: 10 });

		const cookie = (await moderator.cookies()).map((c) => `${c.name}=${c.value}`).join('; ');
		const lock = connectClient(ctx.server.url, roomName(LIVE_WORKSHOP), { cookie });
		try {
			await lock.synced;
			roots(lock.doc).rows.get(institutionId)!.set('locked', true);
			await expect.poll(() => (roots(lock.doc).rows.get(institutionId) as Y.Map<unknown>).get('locked')).toBe(true);

			offline = false;
			await laptop.setOffline(false);
			const denied = page.getByRole('alert').filter({ hasText: 'The server refused the last change' });
			await expect.poll(() => denied.count(), { timeout: 20_000 }).toBe(1);
			const deniedText = (await denied.textContent())!;
			expect(deniedText).toContain(`the moderator locked the row of ${PARTICIPANT_INSTITUTION}`);
			const notice = page.getByTestId('unsaved-edit');
			await expect.poll(() => notice.count(), { timeout: 20_000 }).toBe(1);
			const noticeText = (await notice.textContent())!;
			expect(noticeText).toContain(PARTICIPANT_INSTITUTION);
			for (const text of [deniedText, noticeText]) {
				expect(text).not.toMatch(/\b(row|cell) \d+\b|\d+:\d+|belongs to another/);
				expect(indonesianLeft([text], data)).toEqual([]);
			}
			await page.screenshot({ path: outputPath('english-refusal.png') });
		} finally {
			roots(lock.doc).rows.get(institutionId)!.set('locked', false);
			lock.destroy();
			await Promise.all([laptop.close(), moderator.close()]);
		}
	});
});
