import { createServer, get, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createBrotliDecompress, createGunzip } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import { compressResponse, preferredEncoding } from '../../src/lib/server/compression';

describe('choosing an encoding from Accept-Encoding', () => {
	it('prefers brotli, honours q-values and refusals, and answers null when nothing fits', () => {
		expect(preferredEncoding('gzip, deflate, br, zstd')).toBe('br');
		expect(preferredEncoding('gzip, deflate')).toBe('gzip');
		expect(preferredEncoding('br;q=0, gzip')).toBe('gzip');
		expect(preferredEncoding('br;q=0.5, gzip;q=0.8')).toBe('gzip');
		expect(preferredEncoding('*')).toBe('br');
		expect(preferredEncoding('identity')).toBeNull();
		expect(preferredEncoding('gzip;q=0')).toBeNull();
		expect(preferredEncoding(undefined)).toBeNull();
	});
});

describe('a page streamed through the compressor', () => {
	let server: Server | null = null;
	afterEach(() => new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve())));

	it('reaches the reader piece by piece, before the response ends', async () => {
		let finish: () => void = () => {};
		server = createServer((req, res) => {
			const finished = new Promise<void>((resolve) => (finish = resolve));
			compressResponse(req, res);
			res.setHeader('content-type', 'text/html; charset=utf-8');
			res.writeHead(200);
			res.write(`<p>first part ${'x'.repeat(4000)}</p>`);
			// The rest only once the reader has decoded the first part: a buffering compressor never gets here.
			void finished.then(() => res.end('<p>second part</p>'));
		});
		await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', () => resolve()));
		const { port } = server.address() as AddressInfo;

		for (const [encoding, decoder] of [
			['br', createBrotliDecompress],
			['gzip', createGunzip]
		] as const) {
			const seen = new Promise<{ text: string; headers: Record<string, unknown> }>((resolve, reject) => {
				get({ host: '127.0.0.1', port, path: '/', headers: { 'accept-encoding': encoding } }, (res) => {
					let text = '';
					const decode = decoder();
					res.pipe(decode);
					decode.on('data', (chunk: Buffer) => {
						text += chunk.toString();
						if (text.includes('first part') && text.includes('</p>')) finish();
					});
					decode.on('end', () => resolve({ text, headers: res.headers }));
					decode.on('error', reject);
				}).on('error', reject);
			});
			const { text, headers } = await seen;
			expect(headers['content-encoding']).toBe(encoding);
			expect(headers.vary).toBe('Accept-Encoding');
			expect(text).toBe(`<p>first part ${'x'.repeat(4000)}</p><p>second part</p>`);
		}
	});

	it('survives a reader who leaves mid-page, and serves the next one', async () => {
		let left: () => void = () => {};
		server = createServer((req, res) => {
			compressResponse(req, res);
			res.writeHead(200, { 'content-type': 'text/html' });
			res.write(`<p>${'x'.repeat(5000)}</p>`);
			if (req.url === '/leave') {
				// The app keeps writing after the socket is gone, as Kit's stream does until it notices.
				res.on('close', () => {
					res.write('<p>after</p>');
					res.end('<p>end</p>');
					left();
				});
			} else res.end();
		});
		await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', () => resolve()));
		const { port } = server.address() as AddressInfo;
		const gone = new Promise<void>((resolve) => (left = resolve));
		const req = get({ host: '127.0.0.1', port, path: '/leave', headers: { 'accept-encoding': 'br' } }, (res) => res.once('data', () => req.destroy()));
		req.on('error', () => {});
		await gone;
		const status = await new Promise<number>((resolve, reject) =>
			get({ host: '127.0.0.1', port, path: '/', headers: { 'accept-encoding': 'gzip' } }, (res) => {
				res.resume();
				res.on('end', () => resolve(res.statusCode ?? 0));
			}).on('error', reject)
		);
		expect(status).toBe(200);
	});

	it('leaves other types, tiny pages and already encoded bodies as they are', async () => {
		server = createServer((req, res) => {
			compressResponse(req, res);
			if (req.url === '/pdf') res.writeHead(200, { 'content-type': 'application/pdf' }).end('%PDF-1.7 '.repeat(500));
			else if (req.url === '/tiny') res.writeHead(200, { 'content-type': 'text/html', 'content-length': '11' }).end('<p>hai</p>\n');
			else res.writeHead(200, { 'content-type': 'text/html', 'content-encoding': 'br' }).end(Buffer.from([1, 2, 3]));
		});
		await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', () => resolve()));
		const { port } = server.address() as AddressInfo;
		const head = (path: string) =>
			new Promise<Record<string, unknown>>((resolve, reject) =>
				get({ host: '127.0.0.1', port, path, headers: { 'accept-encoding': 'gzip, br' } }, (res) => {
					res.resume();
					res.on('end', () => resolve(res.headers));
				}).on('error', reject)
			);
		expect((await head('/pdf'))['content-encoding']).toBeUndefined();
		const tiny = await head('/tiny');
		expect(tiny['content-encoding']).toBeUndefined();
		expect(tiny.vary).toBe('Accept-Encoding');
		expect((await head('/encoded'))['content-encoding']).toBe('br');
	});
});
