import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lanAddresses } from '../../src/lib/server/network';
import { Client } from '../helpers/http';
import { removeDir, startServer, type RunningServer } from '../helpers/server';

const LIVE_WORKSHOP = 3;
const CODE = 'TAMAN8';
const WARNING_ID = 'Ponsel peserta tidak bisa membuka alamat ini: sambungkan laptop ke jaringan aula atau atur PUBLIC_URL';
const WARNING_EN = 'Participants’ phones cannot open this address: connect the laptop to the hall’s network or set PUBLIC_URL';

/** A server with its moderator signed in through the loopback address, as on the laptop at the front. */
function serverWith(env: Record<string, string | undefined>) {
	const ctx = {} as { server: RunningServer; moderator: Client };
	beforeAll(async () => {
		ctx.server = await startServer({ env });
		ctx.moderator = new Client(ctx.server.url);
		await ctx.moderator.login('moderator@mufakat.test', 'mufakat-demo');
	});
	afterAll(async () => {
		await ctx.server?.stop();
		if (ctx.server) removeDir(ctx.server.dir);
	});
	return ctx;
}

const page = async (client: Client, path: string) => {
	const res = await client.get(path);
	expect(res.status, path).toBe(200);
	return res.text();
};
const joinUrlOn = (html: string) => new RegExp(`(https?://[^"<\\s]+)/join/${CODE}`).exec(html)?.[1] ?? null;

describe('listening on every interface (HOST=0.0.0.0, no ORIGIN), opened through 127.0.0.1', () => {
	const ctx = serverWith({ HOST: '0.0.0.0', ORIGIN: undefined });
	const lan = lanAddresses();

	it('prints the Local address and one Network line per LAN address', async () => {
		const { port } = ctx.server;
		await expect.poll(() => ctx.server.output()).toContain(`  Local:   http://localhost:${port}/`);
		const out = ctx.server.output();
		expect(out).toContain(`Mufakat listening on http://localhost:${port}`);
		for (const address of lan) expect(out).toContain(`  Network: http://${address}:${port}/`);
		if (lan.length === 0) expect(out).toContain('  Network: none');
	});

	it('puts the LAN address in the join link and QR (or warns when there is none), and phones can open it', async () => {
		const html = await page(ctx.moderator, `/workshops/${LIVE_WORKSHOP}`);
		const projector = await page(ctx.moderator, `/workshops/${LIVE_WORKSHOP}/projector`);
		if (lan.length === 0) {
			expect(html).toContain(WARNING_ID);
			expect(projector).toContain(WARNING_ID);
			return;
		}
		const base = `http://${lan[0]}:${ctx.server.port}`;
		expect(joinUrlOn(html)).toBe(base);
		expect(joinUrlOn(projector)).toBe(base);
		expect(html).not.toContain('data-testid="network-warning"');
		const fromPhone = await fetch(`${base}/join/${CODE}`);
		expect(fromPhone.status).toBe(200);
		expect(await fromPhone.text()).toContain('Isi daftar hadir');
	});
});

describe('listening on loopback only (HOST=127.0.0.1, no ORIGIN)', () => {
	const ctx = serverWith({ ORIGIN: undefined });

	it('says at start-up that phones cannot connect', async () => {
		await expect.poll(() => ctx.server.output()).toContain('  Network: none (HOST=127.0.0.1');
		expect(ctx.server.output()).toContain(`  Local:   http://127.0.0.1:${ctx.server.port}/`);
	});

	it('warns the moderator on the workshop page, the attendance projector view and the projector, in both languages', async () => {
		for (const path of ['', '/attendance', '/projector']) {
			const html = await page(ctx.moderator, `/workshops/${LIVE_WORKSHOP}${path}`);
			expect(html, path).toContain(WARNING_ID);
			expect(html, path).toContain('HOST=0.0.0.0');
		}
		const english = new Client(ctx.server.url);
		await english.post('/lang', { locale: 'en', redirectTo: '/' });
		await english.login('moderator@mufakat.test', 'mufakat-demo');
		expect(await page(english, `/workshops/${LIVE_WORKSHOP}`)).toContain(WARNING_EN);
	});

	it('tells the secretariat before sealing that the verify address opens only on this network', async () => {
		const html = await page(ctx.moderator, `/workshops/${LIVE_WORKSHOP}/minutes`);
		expect(html).toContain(`Alamat verifikasi di PDF hanya bisa dibuka di jaringan ini: http://127.0.0.1:${ctx.server.port}/verify`);
		// Workshop 1 is sealed already: nothing left to warn about.
		expect(await page(ctx.moderator, '/workshops/1/minutes')).not.toContain('data-testid="verify-local-only"');
	});
});

describe('with PUBLIC_URL set', () => {
	const PUBLIC = 'https://mufakat.example.go.id';
	const ctx = serverWith({ PUBLIC_URL: PUBLIC });
	const work = mkdtempSync(join(tmpdir(), 'mufakat-network-'));
	afterAll(() => removeDir(work));

	it('prints it, uses it in the join link, and warns about nothing', async () => {
		await expect.poll(() => ctx.server.output()).toContain(`  Public:  ${PUBLIC}/`);
		const html = await page(ctx.moderator, `/workshops/${LIVE_WORKSHOP}`);
		expect(joinUrlOn(html)).toBe(PUBLIC);
		expect(html).not.toContain('data-testid="network-warning"');
		expect(await page(ctx.moderator, `/workshops/${LIVE_WORKSHOP}/minutes`)).not.toContain('data-testid="verify-local-only"');
	});

	it('prints it as the verify address in the sealed minutes', async () => {
		const res = await ctx.moderator.get('/workshops/1/minutes/1/berita-acara.pdf');
		expect(res.status).toBe(200);
		const file = join(work, 'ba.pdf');
		writeFileSync(file, Buffer.from(await res.arrayBuffer()));
		expect(execFileSync('pdftotext', [file, '-'], { encoding: 'utf8' })).toContain(`${PUBLIC}/verify`);
	});
});
