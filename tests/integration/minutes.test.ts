import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client } from '../helpers/http';
import { databaseEnv, removeDir, startServer, type RunningServer } from '../helpers/server';

let server: RunningServer;
let moderator: Client;
let sealed: Buffer;
const work = mkdtempSync(join(tmpdir(), 'mufakat-minutes-'));

beforeAll(async () => {
	server = await startServer();
	moderator = new Client(server.url);
	await moderator.login('moderator@mufakat.test', 'mufakat-demo');
	const res = await moderator.get('/workshops/1/minutes/1/berita-acara.pdf');
	expect(res.status).toBe(200);
	sealed = Buffer.from(await res.arrayBuffer());
});
afterAll(async () => {
	await server?.stop();
	removeDir(server.dir);
	removeDir(work);
});

function pdfsig(bytes: Buffer): string {
	const file = join(work, `check-${Math.random().toString(36).slice(2)}.pdf`);
	writeFileSync(file, bytes);
	const run = spawnSync('pdfsig', [file], { encoding: 'utf8' });
	return run.stdout + run.stderr;
}

async function verify(bytes: Buffer): Promise<string> {
	const body = new FormData();
	body.append('pdf', new Blob([new Uint8Array(bytes)], { type: 'application/pdf' }), 'ba.pdf');
	const res = await fetch(server.url + '/verify', { method: 'POST', body, headers: { origin: server.url, accept: 'text/html' } });
	const html = await res.text();
	return /data-verdict="(\w+)"/.exec(html)?.[1] ?? `no verdict (${res.status})`;
}

describe('the sealed demo minutes', () => {
	it('pass pdfsig and qpdf, and carry the title, every party and the agreed points', () => {
		const sig = pdfsig(sealed);
		expect(sig).toContain('Signature is Valid');
		expect(sig).toContain('Total document signed');
		const file = join(work, 'demo.pdf');
		writeFileSync(file, sealed);
		expect(spawnSync('qpdf', ['--check', file], { encoding: 'utf8' }).status).toBe(0);
		const text = execFileSync('pdftotext', ['-layout', file, '-'], { encoding: 'utf8' });
		expect(text).toContain('BERITA ACARA');
		expect(text).toContain('Lokakarya Penyepakatan Program Kolaborasi Parapihak');
		for (const name of ['Ahmad Syafiʼi', 'Ma’ruf Hidayat', 'Pdt. José Manuputty', 'Sri Wahyuni', 'Fajar Nugroho']) expect(text).toContain(name);
		expect(text).toMatch(/Menyepakati matriks peran dan kontribusi parapihak/);
		expect(text).toMatch(/Menyepakati\s+lokasi\s+piloting/);
	});

	it('are recognised by the verify page, and a changed byte or appended bytes are caught', async () => {
		expect(await verify(sealed)).toBe('genuine');

		const changed = Buffer.from(sealed);
		const at = changed.indexOf('Lokakarya Penyepakatan') > 0 ? changed.indexOf('/Producer') : 2000;
		changed[at + 2] = changed[at + 2] === 0x41 ? 0x42 : 0x41;
		expect(pdfsig(changed)).toMatch(/Signature is Invalid|Digest Mismatch/i);
		expect(await verify(changed)).toBe('tampered');

		const appended = Buffer.concat([sealed, Buffer.from('\n% tambahan setelah segel\n')]);
		expect(pdfsig(appended)).toContain('Not total document signed');
		expect(await verify(appended)).toBe('appended');

		expect(await verify(Buffer.from('%PDF-1.7\nbukan berita acara\n%%EOF\n'))).toBe('unknown');
	});

	it('answer a hash lookup, publicly', async () => {
		const { createHash } = await import('node:crypto');
		const hash = createHash('sha256').update(sealed).digest('hex');
		const res = await new Client(server.url).post('/verify', { hash });
		expect(await res.text()).toContain('data-verdict="genuine"');
		const bad = await new Client(server.url).post('/verify', { hash: 'xyz' });
		expect(bad.status).toBe(400);
		expect(await bad.text()).toContain('Hash harus 64 karakter heksadesimal.');
	});

	it('come out of the command line too, with clear errors for unknown or unsigned workshops', () => {
		const out = join(work, 'cli.pdf');
		const env = { ...process.env, ...databaseEnv(server) };
		const ok = spawnSync('npm', ['run', '--silent', 'minutes', '--', '--workshop', '1', '--out', out], { encoding: 'utf8', env });
		expect(ok.status, ok.stderr).toBe(0);
		expect(readFileSync(out).equals(sealed)).toBe(true);
		const unknown = spawnSync('npm', ['run', '--silent', 'minutes', '--', '--workshop', '999', '--out', out], { encoding: 'utf8', env });
		expect(unknown.status).not.toBe(0);
		expect(unknown.stderr).toContain('no workshop with id 999');
		const unsigned = spawnSync('npm', ['run', '--silent', 'minutes', '--', '--workshop', '2', '--out', out], { encoding: 'utf8', env });
		expect(unsigned.status).not.toBe(0);
		expect(unsigned.stderr).toContain('has no finalised minutes yet');
	});
});
