/**
 * Compresses pages and page data (text/html, JSON such as `__data.json`) on the way out, by the
 * browser's Accept-Encoding: brotli, else gzip. Static assets are precompressed at build time
 * (adapter-node's `precompress`) and served with their own Content-Encoding, so they pass through;
 * so do downloads (PDF, CSV, XLSX, archives), which are already compressed or are files to keep.
 *
 * It wraps the Node response the way expressjs/compression does (node:zlib, no dependency):
 * the decision is made when the status line goes out, every write is flushed through the
 * compressor at once so a streamed page (Kit's deferred data) still arrives piece by piece, and
 * backpressure from the socket pauses the compressor. WebSocket upgrades never reach it.
 */
import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';
import { constants, createBrotliCompress, createGzip, type BrotliCompress, type Gzip } from 'node:zlib';
import { log } from './log';

export type Encoding = 'br' | 'gzip';

const COMPRESSIBLE = /^\s*(text\/html|application\/json)\b/i;
/** Below this the headers weigh more than what compression saves. */
const MIN_BYTES = 1024;
/**
 * Brotli quality 5: a per-request compressor on two shared cores; measured on the dashboard page
 * it is within a few per cent of quality 11's size at a small fraction of the CPU.
 */
const BROTLI_QUALITY = 5;

/** The encoding to answer with, honouring q-values ("br;q=0" refuses brotli); null for none. */
export function preferredEncoding(acceptEncoding: string | string[] | undefined): Encoding | null {
	const header = Array.isArray(acceptEncoding) ? acceptEncoding.join(',') : (acceptEncoding ?? '');
	const weights = new Map<string, number>();
	for (const part of header.split(',')) {
		const [name, ...params] = part.trim().toLowerCase().split(';');
		if (!name) continue;
		const q = params.map((p) => /^\s*q=([\d.]+)\s*$/.exec(p)?.[1]).find((v) => v !== undefined);
		weights.set(name, q === undefined ? 1 : Number(q));
	}
	const weight = (name: Encoding) => weights.get(name) ?? weights.get('*') ?? 0;
	if (weight('br') > 0 && weight('br') >= weight('gzip')) return 'br';
	if (weight('gzip') > 0) return 'gzip';
	return null;
}

type WriteCallback = (error?: Error | null) => void;

function compressible(res: ServerResponse, status: number): boolean {
	if (status < 200 || status === 204 || status === 304) return false;
	if (res.getHeader('content-encoding')) return false;
	if (/\bno-transform\b/i.test(String(res.getHeader('cache-control') ?? ''))) return false;
	const length = Number(res.getHeader('content-length') ?? Number.NaN);
	if (!Number.isNaN(length) && length < MIN_BYTES) return false;
	return COMPRESSIBLE.test(String(res.getHeader('content-type') ?? ''));
}

function addVary(res: ServerResponse): void {
	const vary = String(res.getHeader('vary') ?? '');
	if (/(^|,)\s*(accept-encoding|\*)\s*(,|$)/i.test(vary)) return;
	res.setHeader('vary', vary ? `${vary}, Accept-Encoding` : 'Accept-Encoding');
}

/**
 * Makes `res` compress its body when the response turns out to be a page or JSON and the request
 * accepts br or gzip. Call before handing `res` to the app.
 */
export function compressResponse(req: IncomingMessage, res: ServerResponse): void {
	const encoding = req.method === 'HEAD' ? null : preferredEncoding(req.headers['accept-encoding']);
	const original = { writeHead: res.writeHead, write: res.write, end: res.end };
	let decided = false;
	let stream: BrotliCompress | Gzip | null = null;

	const decide = (status: number) => {
		if (decided) return;
		decided = true;
		if (!compressible(res, status)) {
			// A page or JSON too small to compress still varies with the header.
			if (COMPRESSIBLE.test(String(res.getHeader('content-type') ?? ''))) addVary(res);
			return;
		}
		addVary(res);
		if (!encoding) return;
		res.setHeader('content-encoding', encoding);
		res.removeHeader('content-length');
		stream =
			encoding === 'br'
				? createBrotliCompress({ params: { [constants.BROTLI_PARAM_QUALITY]: BROTLI_QUALITY } })
				: createGzip();
		const compressor = stream;
		compressor.on('data', (chunk: Buffer) => {
			if (!(original.write as (c: Buffer) => boolean).call(res, chunk)) compressor.pause();
		});
		res.on('drain', () => compressor.resume());
		// The app waits for 'drain' on the response when a write returns false; when it was the
		// compressor that was full, the socket will not say so.
		compressor.on('drain', () => res.emit('drain'));
		// A reader who leaves mid-page: stop compressing; later writes from the app are dropped.
		res.on('close', () => compressor.destroy());
		compressor.on('error', (error) => {
			log('info', 'response.compression.aborted', { reason: error.message });
			res.destroy();
		});
	};

	res.writeHead = function (this: ServerResponse, status: number, ...rest: unknown[]) {
		// writeHead(status, [message], [headers]): fold header objects in so the decision sees them.
		const args = [...rest];
		const headers = args.find((a) => a && typeof a === 'object') as OutgoingHttpHeaders | unknown[] | undefined;
		if (headers && !Array.isArray(headers)) {
			for (const [name, value] of Object.entries(headers)) if (value !== undefined) res.setHeader(name, value);
			args.splice(args.indexOf(headers), 1);
		}
		if (!Array.isArray(headers)) decide(status);
		else decided = true;
		return (original.writeHead as (...a: unknown[]) => ServerResponse).call(this, status, ...args);
	} as ServerResponse['writeHead'];

	res.write = function (this: ServerResponse, chunk: unknown, ...rest: unknown[]) {
		decide(res.statusCode);
		if (!stream) return (original.write as (...a: unknown[]) => boolean).call(this, chunk, ...rest);
		if (stream.destroyed) return false;
		const callback = rest.find((a) => typeof a === 'function') as WriteCallback | undefined;
		const encodingArg = rest.find((a) => typeof a === 'string') as BufferEncoding | undefined;
		const ok = stream.write(typeof chunk === 'string' ? Buffer.from(chunk, encodingArg ?? 'utf8') : (chunk as Uint8Array), callback);
		// Flush at once: a streamed page must reach the browser as it is written, not at the end.
		stream.flush(encoding === 'br' ? constants.BROTLI_OPERATION_FLUSH : constants.Z_SYNC_FLUSH);
		return ok;
	} as ServerResponse['write'];

	res.end = function (this: ServerResponse, ...args: unknown[]) {
		decide(res.statusCode);
		if (!stream) return (original.end as (...a: unknown[]) => ServerResponse).call(this, ...args);
		if (stream.destroyed) return this;
		const callback = args.find((a) => typeof a === 'function') as (() => void) | undefined;
		const chunk = args[0] !== undefined && typeof args[0] !== 'function' ? args[0] : undefined;
		const encodingArg = typeof args[1] === 'string' ? (args[1] as BufferEncoding) : 'utf8';
		const compressor = stream;
		compressor.once('end', () => (original.end as (cb?: () => void) => ServerResponse).call(res, callback));
		if (chunk !== undefined) compressor.end(typeof chunk === 'string' ? Buffer.from(chunk, encodingArg) : (chunk as Uint8Array));
		else compressor.end();
		return this;
	} as ServerResponse['end'];
}
