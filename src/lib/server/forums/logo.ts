/**
 * The letterhead logo of a forum: a PNG or JPEG of at most 1 MB, recognised by its first bytes
 * (never by its name or the type the browser declares), walked completely (a broken PNG would hang
 * pdf-lib's decoder), and proven usable by embedding it with pdf-lib, exactly as the berita acara
 * will. Stored under its SHA-256 in
 * `<folder of DATABASE_PATH>/logos/` (or `MUFAKAT_LOGO_DIR`), beside the evidence folder, so a
 * backup of the data folder carries it. Files are never rewritten or deleted: a finalised berita
 * acara names the logo it was finalised with, and may be sealed after the forum changes its logo.
 */
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { crc32, inflateSync } from 'node:zlib';
import { dirname, join, resolve } from 'node:path';
import { PDFDocument } from 'pdf-lib';
import { DEFAULT_DATABASE_PATH } from '../db/client';
import { log } from '../log';
import type { FieldMessage } from '../validation';

/** 1 MB: a crisp letterhead logo is tens of kilobytes; a phone photo of a banner is not a logo. */
export const MAX_LOGO_BYTES = 1024 * 1024;
export const MAX_LOGO_MB = 1;
/** Pixels per side: pdf-lib decodes a whole PNG in memory, so a tiny file of huge dimensions is refused before that. */
export const MAX_LOGO_SIDE = 2500;

export const LOGO_TYPES = ['image/png', 'image/jpeg'] as const;
export type LogoMime = (typeof LOGO_TYPES)[number];

export type PreparedLogo = { mime: LogoMime; sha256: string; bytes: Uint8Array; width: number; height: number };

export function logoDir(): string {
	if (process.env.MUFAKAT_LOGO_DIR) return resolve(process.env.MUFAKAT_LOGO_DIR);
	const dbPath = process.env.DATABASE_PATH ?? DEFAULT_DATABASE_PATH;
	// An in-memory database (tests) has no folder of its own; never write beside the source tree.
	if (dbPath === ':memory:') return join(tmpdir(), `mufakat-logos-${process.pid}`);
	return join(dirname(resolve(dbPath)), 'logos');
}

const startsWith = (bytes: Uint8Array, prefix: number[]) => prefix.every((b, i) => bytes[i] === b);

export function sniffLogoType(bytes: Uint8Array): LogoMime | null {
	if (startsWith(bytes, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return 'image/png';
	if (startsWith(bytes, [0xff, 0xd8, 0xff])) return 'image/jpeg';
	return null;
}

const PNG_DEPTHS: Record<number, { channels: number; depths: number[] }> = {
	0: { channels: 1, depths: [1, 2, 4, 8, 16] },
	2: { channels: 3, depths: [8, 16] },
	3: { channels: 1, depths: [1, 2, 4, 8] },
	4: { channels: 2, depths: [8, 16] },
	6: { channels: 4, depths: [8, 16] }
};
/** Adam7 passes: x start, y start, x step, y step. */
const ADAM7 = [
	[0, 0, 8, 8],
	[4, 0, 8, 8],
	[0, 4, 4, 8],
	[2, 0, 4, 4],
	[0, 2, 2, 4],
	[1, 0, 2, 2],
	[0, 1, 1, 2]
] as const;

/**
 * Walks a PNG completely before pdf-lib sees it: chunk lengths and CRCs, a sane IHDR, and image
 * data that inflates (with Node's zlib, bounded) to exactly the rows the header promises, each
 * with a valid filter byte. pdf-lib's own PNG decoder loops forever on a truncated file, so
 * nothing that fails here may reach it.
 */
function pngProblem(bytes: Uint8Array): 'forum.logoUnreadable' | 'forum.logoDimensions' | null {
	const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
	const ascii = (from: number) => String.fromCharCode(...bytes.subarray(from, from + 4));
	let header: { width: number; height: number; depth: number; colour: number; interlace: number } | null = null;
	let palette = false;
	let ended = false;
	const data: Uint8Array[] = [];
	for (let pos = 8; pos + 12 <= bytes.length; ) {
		const length = view.getUint32(pos);
		const type = ascii(pos + 4);
		if (pos + 12 + length > bytes.length) return 'forum.logoUnreadable';
		if (crc32(bytes.subarray(pos + 4, pos + 8 + length)) !== view.getUint32(pos + 8 + length)) return 'forum.logoUnreadable';
		const body = bytes.subarray(pos + 8, pos + 8 + length);
		if (!header && type !== 'IHDR') return 'forum.logoUnreadable';
		if (type === 'IHDR') {
			if (header || length !== 13) return 'forum.logoUnreadable';
			const b = new DataView(body.buffer, body.byteOffset, 13);
			if (b.getUint8(10) !== 0 || b.getUint8(11) !== 0) return 'forum.logoUnreadable';
			header = { width: b.getUint32(0), height: b.getUint32(4), depth: b.getUint8(8), colour: b.getUint8(9), interlace: b.getUint8(12) };
		} else if (type === 'PLTE') palette = true;
		else if (type === 'IDAT') data.push(body);
		else if (type === 'IEND') {
			ended = true;
			break;
		}
		pos += 12 + length;
	}
	if (!header || !ended || data.length === 0) return 'forum.logoUnreadable';
	const { width, height, depth, colour, interlace } = header;
	if (width < 1 || height < 1) return 'forum.logoUnreadable';
	if (width > MAX_LOGO_SIDE || height > MAX_LOGO_SIDE) return 'forum.logoDimensions';
	const kind = PNG_DEPTHS[colour];
	if (!kind || !kind.depths.includes(depth) || interlace > 1 || (colour === 3 && !palette)) return 'forum.logoUnreadable';
	const rows: number[] = [];
	const passes = interlace === 1 ? ADAM7 : ([[0, 0, 1, 1]] as const);
	for (const [x0, y0, dx, dy] of passes) {
		const w = Math.ceil((width - x0) / dx);
		const h = Math.ceil((height - y0) / dy);
		if (w > 0 && h > 0) for (let i = 0; i < h; i++) rows.push(1 + Math.ceil((w * kind.channels * depth) / 8));
	}
	const expected = rows.reduce((a, b) => a + b, 0);
	let raw: Buffer;
	try {
		raw = inflateSync(Buffer.concat(data), { maxOutputLength: expected });
	} catch (e) {
		log('info', 'forum.logo.inflate', { error: e });
		return 'forum.logoUnreadable';
	}
	if (raw.length !== expected) return 'forum.logoUnreadable';
	let at = 0;
	for (const row of rows) {
		if (raw[at]! > 4) return 'forum.logoUnreadable';
		at += row;
	}
	return null;
}

/** Walks JPEG segments to the frame header: sane lengths and a frame of known size and colour. */
function jpegProblem(bytes: Uint8Array): 'forum.logoUnreadable' | 'forum.logoDimensions' | null {
	const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
	for (let pos = 2; pos + 4 <= bytes.length; ) {
		if (bytes[pos] !== 0xff) return 'forum.logoUnreadable';
		const marker = bytes[pos + 1]!;
		if (marker === 0xff) {
			pos++;
			continue;
		}
		const length = view.getUint16(pos + 2);
		if (length < 2 || pos + 2 + length > bytes.length) return 'forum.logoUnreadable';
		// SOF0–SOF15 except DHT (C4), JPG (C8) and DAC (CC).
		if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
			if (length < 8) return 'forum.logoUnreadable';
			const height = view.getUint16(pos + 5);
			const width = view.getUint16(pos + 7);
			const components = bytes[pos + 9]!;
			if (width < 1 || height < 1 || ![1, 3, 4].includes(components)) return 'forum.logoUnreadable';
			if (width > MAX_LOGO_SIDE || height > MAX_LOGO_SIDE) return 'forum.logoDimensions';
			return null;
		}
		if (marker === 0xda || marker === 0xd9) return 'forum.logoUnreadable';
		pos += 2 + length;
	}
	return 'forum.logoUnreadable';
}

/**
 * Checks an uploaded logo: size first (pass `bytes` null for an oversized file, which is then
 * never read), then its magic bytes, its dimensions, and whether pdf-lib can embed it.
 */
export async function prepareLogo(bytes: Uint8Array | null, size: number): Promise<PreparedLogo | { error: FieldMessage }> {
	if (size > MAX_LOGO_BYTES || !bytes) return { error: { key: 'forum.logoTooLarge', params: { mb: MAX_LOGO_MB } } };
	const mime = sniffLogoType(bytes);
	if (!mime) return { error: { key: 'forum.logoType' } };
	const problem = mime === 'image/png' ? pngProblem(bytes) : jpegProblem(bytes);
	if (problem === 'forum.logoDimensions') return { error: { key: problem, params: { max: MAX_LOGO_SIDE } } };
	if (problem) return { error: { key: problem } };
	let width: number;
	let height: number;
	try {
		const pdf = await PDFDocument.create();
		// pdf-lib reads the underlying buffer from offset 0: give it bytes of their own.
		const own = new Uint8Array(bytes);
		const image = mime === 'image/png' ? await pdf.embedPng(own) : await pdf.embedJpg(own);
		({ width, height } = image);
	} catch (e) {
		log('info', 'forum.logo.refused', { mime, bytes: bytes.length, error: e });
		return { error: { key: 'forum.logoUnreadable' } };
	}
	if (width < 1 || height < 1) return { error: { key: 'forum.logoUnreadable' } };
	if (width > MAX_LOGO_SIDE || height > MAX_LOGO_SIDE) return { error: { key: 'forum.logoDimensions', params: { max: MAX_LOGO_SIDE } } };
	return { mime, sha256: createHash('sha256').update(bytes).digest('hex'), bytes, width, height };
}

const isHash = (s: string) => /^[0-9a-f]{64}$/.test(s);

/** Writes a logo under its hash (temp file, then rename), unless that file is already there. */
export function writeLogo(dir: string, logo: PreparedLogo): void {
	mkdirSync(dir, { recursive: true });
	const path = join(dir, logo.sha256);
	if (existsSync(path)) return;
	const temp = join(dir, `.${logo.sha256}.${randomBytes(6).toString('hex')}.tmp`);
	writeFileSync(temp, logo.bytes);
	renameSync(temp, path);
}

export function readLogo(dir: string, sha256: string): Buffer | null {
	if (!isHash(sha256)) return null;
	try {
		return readFileSync(join(dir, sha256));
	} catch (e) {
		log('warn', 'forum.logo.missing', { sha256, error: e });
		return null;
	}
}
