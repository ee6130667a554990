import { request } from 'node:http';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { Client } from '../helpers/http';
import { useTestServer } from '../helpers/lifecycle';
import { DEMO_MODERATOR, DEMO_PASSWORD } from '../helpers/main-pages';

const ctx = useTestServer({ browser: true });

type Raw = { status: number; headers: Record<string, string | string[] | undefined>; body: Buffer };

/** A GET as bytes on the wire: no client that quietly decompresses. */
function rawGet(path: string, headers: Record<string, string> = {}): Promise<Raw> {
	return new Promise((resolve, reject) => {
		const req = request(ctx.server.url + path, { headers }, (res) => {
			const chunks: Buffer[] = [];
			res.on('data', (c: Buffer) => chunks.push(c));
			res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
			res.on('error', reject);
		});
		req.on('error', reject);
		req.end();
	});
}

function decoded(res: Raw): string {
	const encoding = res.headers['content-encoding'];
	const bytes = encoding === 'br' ? brotliDecompressSync(res.body) : encoding === 'gzip' ? gunzipSync(res.body) : res.body;
	return bytes.toString('utf8');
}

/** Each response has its own CSP nonce; everything else must be the same page. */
const withoutNonce = (html: string) => html.replace(/nonce(-|=")[A-Za-z0-9+/=]+/g, 'nonce');

async function moderatorCookie(): Promise<string> {
	const client = new Client(ctx.server.url);
	await client.post('/login', { email: DEMO_MODERATOR, password: DEMO_PASSWORD });
	return client.cookieHeader();
}

describe('pages and page data leave compressed', () => {
	it('answers brotli or gzip as the browser asks, and the page decodes to the same HTML', async () => {
		const plain = await rawGet('/');
		expect(plain.headers['content-encoding']).toBeUndefined();
		expect(plain.headers.vary).toMatch(/accept-encoding/i);
		const br = await rawGet('/', { 'accept-encoding': 'gzip, deflate, br' });
		const gzip = await rawGet('/', { 'accept-encoding': 'gzip, deflate' });
		const notBr = await rawGet('/', { 'accept-encoding': 'br;q=0, gzip' });
		expect(br.headers['content-encoding']).toBe('br');
		expect(gzip.headers['content-encoding']).toBe('gzip');
		expect(notBr.headers['content-encoding']).toBe('gzip');
		for (const res of [br, gzip]) {
			expect(res.headers.vary).toMatch(/accept-encoding/i);
			expect(res.headers['content-length']).toBeUndefined();
			expect(res.body.length).toBeLessThan(plain.body.length / 2);
			expect(withoutNonce(decoded(res))).toBe(withoutNonce(plain.body.toString('utf8')));
		}
	});

	it('the dashboard, the largest staff page, travels in a fraction of its size; its __data.json too', async () => {
		const cookie = await moderatorCookie();
		const plain = await rawGet('/forums/1/dashboard?programme=1', { cookie });
		const br = await rawGet('/forums/1/dashboard?programme=1', { cookie, 'accept-encoding': 'br' });
		expect(plain.status).toBe(200);
		expect(plain.body.length).toBeGreaterThan(50_000);
		expect(br.headers['content-encoding']).toBe('br');
		expect(br.body.length).toBeLessThan(plain.body.length / 4);
		expect(withoutNonce(decoded(br))).toBe(withoutNonce(plain.body.toString('utf8')));

		const data = await rawGet('/forums/1/dashboard/__data.json?programme=1&x-sveltekit-invalidated=011', { cookie, 'accept-encoding': 'gzip' });
		expect(data.status).toBe(200);
		expect(data.headers['content-type']).toMatch(/application\/json/);
		expect(data.headers['content-encoding']).toBe('gzip');
		expect(JSON.parse(decoded(data)).type).toBe('data');
	});

	it('leaves precompressed assets and downloads alone (one encoding, not two)', async () => {
		const html = decoded(await rawGet('/', { 'accept-encoding': 'br' }));
		const script = /["']((?:\.\/|\/)?_app\/immutable\/entry\/[^"']+\.js)["']/.exec(html)![1]!;
		const asset = await rawGet(new URL(script, ctx.server.url + '/').pathname, { 'accept-encoding': 'br' });
		expect(asset.headers['content-encoding']).toBe('br');
		expect(decoded(asset)).toMatch(/import|export|function/);

		const cookie = await moderatorCookie();
		const csv = await rawGet('/workshops/3/attendance.csv', { cookie, 'accept-encoding': 'br, gzip' });
		expect(csv.status).toBe(200);
		expect(csv.headers['content-encoding']).toBeUndefined();
	});
});

describe('the browser gets one language', () => {
	/** Every JavaScript file a page loads in Chromium, as text. */
	async function scriptsOf(path: string, locale: 'id' | 'en'): Promise<string> {
		const context = await ctx.browser.newContext();
		await context.addCookies([{ name: 'mufakat_lang', value: locale, url: ctx.server.url }]);
		const page = await context.newPage();
		const bodies: Promise<string>[] = [];
		page.on('response', (res) => {
			if (res.request().resourceType() === 'script') bodies.push(res.text());
		});
		await page.goto(ctx.server.url + path, { waitUntil: 'networkidle' });
		const text = (await Promise.all(bodies)).join('\n');
		await context.close();
		return text;
	}

	it('an English page loads the English catalogue and not the Indonesian one, and the other way round', async () => {
		const english = await scriptsOf('/login', 'en');
		expect(english).toContain('Skip to main content');
		expect(english).not.toContain('Lewati ke isi utama');
		expect(english).not.toContain('Musyawarah untuk mufakat: lokakarya');

		const indonesian = await scriptsOf('/login', 'id');
		expect(indonesian).toContain('Lewati ke isi utama');
		expect(indonesian).not.toContain('Skip to main content');
	});
});
