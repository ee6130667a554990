import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client } from '../helpers/http';
import { removeDir, startServer, type RunningServer } from '../helpers/server';

const MODERATOR = { email: 'moderator@mufakat.test', password: 'mufakat-demo' };
const LOCKED_ID = 'Terlalu banyak percobaan masuk yang gagal';
const FAILED_ID = 'Email atau kata sandi salah.';

let server: RunningServer;
/** A second instance whose lockout thresholds are out of reach, to measure the cost of many logins. */
let roomy: RunningServer;

beforeAll(async () => {
	[server, roomy] = await Promise.all([
		startServer(),
		startServer({ env: { MUFAKAT_LOGIN_FAILURES_PER_ACCOUNT: '100000', MUFAKAT_LOGIN_FAILURES_PER_ADDRESS: '100000' } })
	]);
});
afterAll(async () => {
	for (const s of [server, roomy]) {
		await s?.stop();
		if (s) removeDir(s.dir);
	}
});

function socket(path: string, headers: Record<string, string>) {
	const ws = new WebSocket(server.url.replace(/^http/, 'ws') + path, { headers });
	const firstMessage = new Promise<void>((resolve) => ws.once('message', () => resolve()));
	const closed = new Promise<{ code: number; reason: string }>((resolve) => ws.on('close', (code, reason) => resolve({ code, reason: reason.toString() })));
	ws.on('error', () => {});
	return { ws, firstMessage, closed };
}

function median(values: number[]): number {
	const sorted = [...values].sort((a, b) => a - b);
	return sorted[Math.floor(sorted.length / 2)]!;
}

async function timedLogin(base: string, email: string): Promise<number> {
	const started = performance.now();
	const res = await new Client(base).post('/login', { email, password: 'not-the-password' });
	await res.text();
	expect(res.status).toBe(400);
	return performance.now() - started;
}

describe('login', () => {
	it('locks an account after ten failures with a message, refusing even the right password', async () => {
		const client = new Client(server.url);
		for (let i = 0; i < 9; i++) {
			const res = await client.post('/login', { email: 'sekretariat@mufakat.test', password: `wrong-${i}` });
			expect(await res.text()).toContain(FAILED_ID);
		}
		const tenth = await client.post('/login', { email: 'sekretariat@mufakat.test', password: 'wrong-again' });
		expect(tenth.status).toBe(429);
		expect(await tenth.text()).toContain(LOCKED_ID);
		const right = await client.post('/login', { email: 'sekretariat@mufakat.test', password: MODERATOR.password });
		expect(right.status).toBe(429);
		expect(await right.text()).toContain(LOCKED_ID);
		// Another account from the same address is not locked by it.
		await client.login(MODERATOR.email, MODERATOR.password);
	});

	it('takes as long for an unknown email as for a known one', async () => {
		await timedLogin(roomy.url, 'warm-up@nowhere.test');
		const known: number[] = [];
		const unknown: number[] = [];
		for (let i = 0; i < 30; i++) {
			known.push(await timedLogin(roomy.url, MODERATOR.email));
			unknown.push(await timedLogin(roomy.url, `nobody-${i}@nowhere.test`));
		}
		const ratio = median(unknown) / median(known);
		expect(ratio).toBeGreaterThan(1 / 1.5);
		expect(ratio).toBeLessThan(1.5);
	});

	it('keeps serving other requests while forty bogus logins are hashed', async () => {
		let answered = 0;
		const statuses: number[] = [];
		const logins = Array.from({ length: 40 }, (_, i) =>
			new Client(roomy.url).post('/login', { email: `flood-${i}@nowhere.test`, password: 'x'.repeat(100) }).then(async (res) => {
				await res.text();
				statuses.push(res.status);
				answered++;
			})
		);
		for (let i = 0; i < 5; i++) {
			const res = await fetch(roomy.url + '/verify');
			expect(res.status).toBe(200);
			await res.text();
		}
		expect(answered).toBeLessThan(40);
		await Promise.all(logins);
		// Wrong password, or "busy, try again" when the queue is full: never a server error.
		expect(statuses.every((s) => s === 400 || s === 503)).toBe(true);
	});
});

describe('redirects stay on this site', () => {
	const hostile = ['/%5Cevil.example', '//evil.example', '/\tevil', '/%09/evil.example', 'https://evil.example', '/\\evil.example'];

	it('after sign-in and for a signed-in visitor of /login', async () => {
		const signedIn = new Client(server.url);
		await signedIn.login(MODERATOR.email, MODERATOR.password);
		for (const next of hostile) {
			const fresh = new Client(server.url);
			const res = await fresh.post(`/login?next=${encodeURIComponent(next)}`, MODERATOR);
			expect(res.headers.get('location'), next).toBe('/');
			const again = await signedIn.get(`/login?next=${encodeURIComponent(next)}`);
			expect(again.headers.get('location'), next).toBe('/');
		}
		const ok = await signedIn.get(`/login?next=${encodeURIComponent('/forums')}`);
		expect(ok.headers.get('location')).toBe('/forums');
	});

	it('after switching the language', async () => {
		const client = new Client(server.url);
		for (const redirectTo of hostile) {
			const res = await client.post('/lang', { locale: 'en', redirectTo });
			expect(res.status).toBe(303);
			expect(res.headers.get('location'), redirectTo).toBe('/');
		}
		expect((await client.post('/lang', { locale: 'id', redirectTo: '/verify' })).headers.get('location')).toBe('/verify');
	});
});

describe('malformed and oversized requests', () => {
	it('answers 400, not 500, to a cut multipart body and to JSON sent to a form endpoint', async () => {
		const cut = await fetch(server.url + '/verify', {
			method: 'POST',
			redirect: 'manual',
			headers: { origin: server.url, accept: 'text/html', 'content-type': 'multipart/form-data; boundary=----x' },
			body: '------x\r\nContent-Disposition: form-data; name="pdf"; filename="a.pdf"\r\n\r\n%PDF-1.7 and then noth'
		});
		expect(cut.status).toBe(400);
		expect(await cut.text()).toContain('tidak dapat dibaca sebagai formulir');
		const json = await fetch(server.url + '/lang', {
			method: 'POST',
			redirect: 'manual',
			headers: { origin: server.url, 'content-type': 'application/json' },
			body: JSON.stringify({ locale: 'en', redirectTo: '/' })
		});
		expect(json.status).toBe(400);
		await json.text();
		expect(server.output()).not.toMatch(/at .*\.js:\d+:\d+/);
	});

	it('answers 400 with a message in the user’s language to JSON or no body type sent to a form action', async () => {
		const send = (path: string, headers: Record<string, string>, body: string | Uint8Array<ArrayBuffer>) =>
			fetch(server.url + path, { method: 'POST', redirect: 'manual', headers: { origin: server.url, ...headers }, body });
		const page = await send('/login', { accept: 'text/html', 'content-type': 'application/json' }, JSON.stringify({ email: 'a@b.test', password: 'x' }));
		expect(page.status).toBe(400);
		expect(await page.text()).toContain('tidak dapat dibaca sebagai formulir');
		// What a `use:enhance` form's fetch would get back: an error result, in English for an English reader.
		const enhanced = await send('/verify', { accept: 'application/json', 'x-sveltekit-action': 'true', 'content-type': 'text/plain', cookie: 'mufakat_lang=en' }, 'hash=abc');
		expect(enhanced.status).toBe(400);
		expect(await enhanced.text()).toContain('could not be read as a form');
		// Bytes, unlike a string, make fetch send no content type at all.
		const untyped = await send('/join/TAMAN8', { accept: 'text/html' }, new TextEncoder().encode('name=x'));
		expect(untyped.status).toBe(400);
		await untyped.text();
	});

	it('refuses a 60 MB field to a public action with 413 and echoes none of it', async () => {
		const body = new URLSearchParams({ email: 'a@b.test', password: 'x', reason: 'A'.repeat(60 * 1024 * 1024) });
		const res = await fetch(server.url + '/login', {
			method: 'POST',
			redirect: 'manual',
			headers: { origin: server.url, accept: 'text/html', 'content-type': 'application/x-www-form-urlencoded' },
			body
		});
		expect(res.status).toBe(413);
		const text = await res.text();
		expect(text.length).toBeLessThan(20_000);
		expect(text).not.toContain('AAAAAAAAAA');
		expect(text).toContain('terlalu panjang');
	});
});

describe('live sockets and tokens', () => {
	it('closes the moderator’s socket when they sign out', async () => {
		const moderator = new Client(server.url);
		await moderator.login(MODERATOR.email, MODERATOR.password);
		const headers = { cookie: moderator.cookieHeader(), origin: server.url };
		const live = socket('/collab/workshop-3', headers);
		await live.firstMessage;
		await moderator.post('/logout', {});
		expect((await live.closed).code).toBe(4000);
		const after = socket('/collab/workshop-3', headers);
		expect((await after.closed).code).toBe(4401);
	});

	it('refuses a revoked token and closes the sockets that use it', async () => {
		const moderator = new Client(server.url);
		await moderator.login(MODERATOR.email, MODERATOR.password);
		const minted = await moderator.post('/workshops/3/collab-token', { role: 'viewer', name: 'Layar kedua' });
		expect(minted.status).toBe(200);
		const { token } = (await minted.json()) as { token: string };
		const live = socket(`/collab/workshop-3?token=${encodeURIComponent(token)}`, {});
		await live.firstMessage;
		const revoked = await fetch(server.url + '/workshops/3/collab-token', {
			method: 'DELETE',
			headers: { cookie: moderator.cookieHeader(), origin: server.url, 'content-type': 'application/x-www-form-urlencoded' },
			body: new URLSearchParams({ token })
		});
		expect(revoked.status).toBe(200);
		expect((await live.closed).code).toBe(4401);
		const again = socket(`/collab/workshop-3?token=${encodeURIComponent(token)}`, {});
		expect(await again.closed).toEqual({ code: 4401, reason: 'token revoked' });
	});
});
