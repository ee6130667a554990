/**
 * The letterhead logo of a forum: a PNG or JPEG of at most 1 MB, recognised by its first bytes
 * (never by its name or the type the browser declares) and proven usable by embedding it with
 * pdf-lib, exactly as the berita acara will. Stored under its SHA-256 in
 * `<folder of DATABASE_PATH>/logos/` (or `MUFAKAT_LOGO_DIR`), beside the evidence folder, so a
 * backup of the data folder carries it. Files are never rewritten or deleted: a finalised berita
 * acara names the logo it was finalised with, and may be sealed after the forum changes its logo.
 */
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { PDFDocument } from 'pdf-lib';
import { DEFAULT_DATABASE_PATH } from '../db/client';
import { log } from '../log';
import type { FieldMessage } from '../validation';

/** 1 MB: a crisp letterhead logo is tens of kilobytes; a phone photo of a banner is not a logo. */
export const MAX_LOGO_BYTES = 1024 * 1024;
export const MAX_LOGO_MB = 1;
/** Pixels per side: pdf-lib decodes a whole PNG in memory, so a tiny file of huge dimensions is refused before that. */
export const MAX_LOGO_SIDE = 4000;

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

/** Width and height from the PNG header (IHDR is always the first chunk). */
function pngSize(bytes: Uint8Array): { width: number; height: number } | null {
	if (bytes.length < 24 || String.fromCharCode(...bytes.subarray(12, 16)) !== 'IHDR') return null;
	const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
	return { width: view.getUint32(16), height: view.getUint32(20) };
}

/**
 * Checks an uploaded logo: size first (pass `bytes` null for an oversized file, which is then
 * never read), then its magic bytes, its dimensions, and whether pdf-lib can embed it.
 */
export async function prepareLogo(bytes: Uint8Array | null, size: number): Promise<PreparedLogo | { error: FieldMessage }> {
	if (size > MAX_LOGO_BYTES || !bytes) return { error: { key: 'forum.logoTooLarge', params: { mb: MAX_LOGO_MB } } };
	const mime = sniffLogoType(bytes);
	if (!mime) return { error: { key: 'forum.logoType' } };
	if (mime === 'image/png') {
		const dims = pngSize(bytes);
		if (!dims) return { error: { key: 'forum.logoUnreadable' } };
		if (dims.width > MAX_LOGO_SIDE || dims.height > MAX_LOGO_SIDE) return { error: { key: 'forum.logoDimensions', params: { max: MAX_LOGO_SIDE } } };
	}
	let width: number;
	let height: number;
	try {
		const pdf = await PDFDocument.create();
		const image = mime === 'image/png' ? await pdf.embedPng(bytes) : await pdf.embedJpg(bytes);
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
