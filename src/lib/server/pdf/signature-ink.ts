/**
 * Drawn signatures in the PDF. The normal route writes each signature's strokes once as a vector
 * Form XObject (a few hundred path operators, sharp at any zoom) and places it wherever the
 * signature appears. The PNG route rasterises the same strokes and embeds them as images; it exists
 * only so the benchmark can show what embedding stored PNGs would cost.
 */
import { deflateSync, crc32 } from 'node:zlib';
import type { SignatureStrokes } from './minutes-document';

/** Dark blue ink, as a pen on paper: tells a signature from printed text at a glance. */
export const INK = { r: 0.08, g: 0.14, b: 0.45 } as const;

/** Pen width as a share of the pad width, so a phone pad and a tablet pad look alike. */
const PEN_WIDTH_SHARE = 0.008;

export type InkBox = { minX: number; minY: number; maxX: number; maxY: number };

export const penWidth = (strokes: SignatureStrokes) => Math.max(1, strokes.width * PEN_WIDTH_SHARE);

/** The box around the ink (pad coordinates) grown by the pen; null when nothing was drawn. */
export function inkBox(strokes: SignatureStrokes): InkBox | null {
	let minX = Infinity;
	let minY = Infinity;
	let maxX = -Infinity;
	let maxY = -Infinity;
	for (const stroke of strokes.strokes)
		for (const [x, y] of stroke) {
			if (!Number.isFinite(x) || !Number.isFinite(y)) continue;
			if (x < minX) minX = x;
			if (x > maxX) maxX = x;
			if (y < minY) minY = y;
			if (y > maxY) maxY = y;
		}
	if (minX === Infinity) return null;
	const pad = penWidth(strokes);
	return { minX: minX - pad, minY: minY - pad, maxX: maxX + pad, maxY: maxY + pad };
}

const num = (n: number) => String(Math.round(n * 10) / 10);

/**
 * Content stream in pad coordinates (y down; the XObject's /Matrix flips it): round caps and joins
 * so that a tap becomes a dot and corners do not spike.
 */
export function strokesContent(strokes: SignatureStrokes): string {
	const parts = [`q ${INK.r} ${INK.g} ${INK.b} RG ${num(penWidth(strokes))} w 1 J 1 j`];
	for (const stroke of strokes.strokes) {
		const points = stroke.filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y));
		const [first, ...rest] = points;
		if (!first) continue;
		let path = `${num(first[0])} ${num(first[1])} m`;
		// A single point still needs a segment for the round cap to paint a dot.
		for (const [x, y] of rest.length ? rest : [first]) path += ` ${num(x)} ${num(y)} l`;
		parts.push(path + ' S');
	}
	parts.push('Q');
	return parts.join('\n');
}

/**
 * Rasterises the ink box at `widthPx` wide into an RGBA PNG with transparent background, the way
 * a browser canvas export looks: anti-aliased round pen, coverage into alpha.
 */
export function signaturePng(strokes: SignatureStrokes, widthPx = 600): Uint8Array {
	const box = inkBox(strokes) ?? { minX: 0, minY: 0, maxX: strokes.width, maxY: strokes.height };
	const scale = widthPx / Math.max(1, box.maxX - box.minX);
	const width = widthPx;
	const height = Math.max(1, Math.round((box.maxY - box.minY) * scale));
	const alpha = new Uint8Array(width * height);
	const radius = (penWidth(strokes) * scale) / 2;
	const toPx = ([x, y]: [number, number]): [number, number] => [(x - box.minX) * scale, (y - box.minY) * scale];

	const segment = (ax: number, ay: number, bx: number, by: number) => {
		const x0 = Math.max(0, Math.floor(Math.min(ax, bx) - radius - 1));
		const x1 = Math.min(width - 1, Math.ceil(Math.max(ax, bx) + radius + 1));
		const y0 = Math.max(0, Math.floor(Math.min(ay, by) - radius - 1));
		const y1 = Math.min(height - 1, Math.ceil(Math.max(ay, by) + radius + 1));
		const dx = bx - ax;
		const dy = by - ay;
		const lengthSq = dx * dx + dy * dy;
		for (let py = y0; py <= y1; py++)
			for (let px = x0; px <= x1; px++) {
				const cx = px + 0.5;
				const cy = py + 0.5;
				const t = lengthSq === 0 ? 0 : Math.max(0, Math.min(1, ((cx - ax) * dx + (cy - ay) * dy) / lengthSq));
				const distance = Math.hypot(cx - (ax + t * dx), cy - (ay + t * dy));
				const coverage = Math.max(0, Math.min(1, radius + 0.5 - distance));
				const i = py * width + px;
				const value = Math.round(coverage * 255);
				if (value > alpha[i]!) alpha[i] = value;
			}
	};
	for (const stroke of strokes.strokes) {
		const points = stroke.filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y)).map(toPx);
		if (points.length === 1) segment(...points[0]!, ...points[0]!);
		for (let i = 1; i < points.length; i++) segment(...points[i - 1]!, ...points[i]!);
	}

	const ink = [INK.r, INK.g, INK.b].map((c) => Math.round(c * 255));
	const rowLength = 1 + width * 4;
	const raw = Buffer.alloc(rowLength * height);
	for (let y = 0; y < height; y++) {
		const row = y * rowLength;
		raw[row] = 0; // filter: none
		for (let x = 0; x < width; x++) {
			const o = row + 1 + x * 4;
			raw[o] = ink[0]!;
			raw[o + 1] = ink[1]!;
			raw[o + 2] = ink[2]!;
			raw[o + 3] = alpha[y * width + x]!;
		}
	}
	return encodePng(width, height, raw);
}

function pngChunk(type: string, data: Uint8Array): Buffer {
	const head = Buffer.alloc(8);
	head.writeUInt32BE(data.length, 0);
	head.write(type, 4, 'latin1');
	const crc = Buffer.alloc(4);
	crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])) >>> 0, 0);
	return Buffer.concat([head, data, crc]);
}

/** 8-bit RGBA, non-interlaced; `filtered` already carries each row's filter byte. */
function encodePng(width: number, height: number, filtered: Buffer): Uint8Array {
	const header = Buffer.alloc(13);
	header.writeUInt32BE(width, 0);
	header.writeUInt32BE(height, 4);
	header[8] = 8; // bit depth
	header[9] = 6; // colour type: RGBA
	return Buffer.concat([
		Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
		pngChunk('IHDR', header),
		pngChunk('IDAT', deflateSync(filtered)),
		pngChunk('IEND', new Uint8Array(0))
	]);
}
