/**
 * Small real images for logo tests, made here rather than committed: a PNG (RGB, zlib), a
 * baseline JPEG (greyscale, one flat tone per 8×8 block), and a GIF, each a drawn "F" on a disc.
 */
import { deflateSync } from 'node:zlib';

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
	let c = n;
	for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
	return c >>> 0;
});

function crc32(bytes: Uint8Array): number {
	let c = 0xffffffff;
	for (const b of bytes) c = CRC_TABLE[(c ^ b) & 0xff]! ^ (c >>> 8);
	return (c ^ 0xffffffff) >>> 0;
}

/** 1 inside the mark (a disc with an "F" cut out of it), 0 outside; coordinates in a unit square. */
function mark(x: number, y: number): number {
	const inDisc = (x - 0.5) ** 2 + (y - 0.5) ** 2 < 0.2;
	const inF = (x > 0.35 && x < 0.45 && y > 0.25 && y < 0.75) || (x > 0.35 && x < 0.68 && y > 0.25 && y < 0.35) || (x > 0.35 && x < 0.6 && y > 0.45 && y < 0.53);
	return inDisc && !inF ? 1 : 0;
}

function chunk(type: string, data: Uint8Array): Buffer {
	const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
	const out = Buffer.alloc(body.length + 8);
	out.writeUInt32BE(data.length, 0);
	body.copy(out, 4);
	out.writeUInt32BE(crc32(body), body.length + 4);
	return out;
}

function png(width: number, height: number, raw: Buffer): Uint8Array {
	const ihdr = Buffer.alloc(13);
	ihdr.writeUInt32BE(width, 0);
	ihdr.writeUInt32BE(height, 4);
	ihdr[8] = 8; // bit depth
	ihdr[9] = 2; // truecolour
	return new Uint8Array(
		Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', ihdr), chunk('IDAT', deflateSync(raw)), chunk('IEND', new Uint8Array())])
	);
}

export function pngLogo(width = 96, height = 96): Uint8Array {
	const raw = Buffer.alloc((width * 3 + 1) * height);
	for (let y = 0; y < height; y++) {
		raw[y * (width * 3 + 1)] = 0;
		for (let x = 0; x < width; x++) {
			const on = mark(x / width, y / height);
			const at = y * (width * 3 + 1) + 1 + x * 3;
			raw[at] = on ? 11 : 255;
			raw[at + 1] = on ? 93 : 255;
			raw[at + 2] = on ? 75 : 255;
		}
	}
	return png(width, height, raw);
}

/** A well-formed PNG whose header claims 50,000 × 50,000 pixels: a few bytes that would decode to gigabytes. */
export function hugePngHeader(): Uint8Array {
	return png(50_000, 50_000, Buffer.alloc(64));
}

/**
 * A baseline JPEG: greyscale, one flat tone per 8×8 block, so every block is a DC coefficient and
 * an end-of-block. Huffman tables are minimal but valid (any decoder reads them).
 */
export function jpegLogo(blocks = 12): Uint8Array {
	const size = blocks * 8;
	const bytes: number[] = [0xff, 0xd8];
	const segment = (marker: number, body: number[]) => bytes.push(0xff, marker, (body.length + 2) >> 8, (body.length + 2) & 0xff, ...body);
	segment(0xe0, [0x4a, 0x46, 0x49, 0x46, 0x00, 1, 1, 0, 0, 1, 0, 1, 0, 0]); // JFIF
	segment(0xdb, [0x00, ...new Array<number>(64).fill(8)]); // quantisation: 8 everywhere
	segment(0xc0, [8, size >> 8, size & 0xff, size >> 8, size & 0xff, 1, 1, 0x11, 0]); // SOF0, 1 component
	// DC table: categories 0–11, each a 4-bit code (0000 … 1011).
	const dcBits = new Array<number>(16).fill(0);
	dcBits[3] = 12;
	segment(0xc4, [0x00, ...dcBits, ...Array.from({ length: 12 }, (_, i) => i)]);
	// AC table: only end-of-block, code "0".
	const acBits = new Array<number>(16).fill(0);
	acBits[0] = 1;
	segment(0xc4, [0x10, ...acBits, 0x00]);
	segment(0xda, [1, 1, 0x00, 0, 63, 0]);

	let acc = 0;
	let count = 0;
	const put = (value: number, length: number) => {
		for (let i = length - 1; i >= 0; i--) {
			acc = (acc << 1) | ((value >> i) & 1);
			if (++count === 8) {
				bytes.push(acc);
				if (acc === 0xff) bytes.push(0x00);
				acc = 0;
				count = 0;
			}
		}
	};
	let previous = 0;
	for (let by = 0; by < blocks; by++)
		for (let bx = 0; bx < blocks; bx++) {
			const grey = mark((bx + 0.5) / blocks, (by + 0.5) / blocks) ? 70 : 235;
			// DC of a flat block: 8 × (value − 128), quantised by 8.
			const dc = grey - 128;
			const diff = dc - previous;
			previous = dc;
			const category = diff === 0 ? 0 : Math.floor(Math.log2(Math.abs(diff))) + 1;
			put(category, 4);
			if (category > 0) put(diff > 0 ? diff : diff + (1 << category) - 1, category);
			put(0, 1); // end of block
		}
	if (count > 0) put((1 << (8 - count)) - 1, 8 - count);
	bytes.push(0xff, 0xd9);
	return new Uint8Array(bytes);
}

/** The classic 1×1 GIF: a real image, but not a type a letterhead accepts. */
export function gifImage(): Uint8Array {
	return new Uint8Array([
		0x47, 0x49, 0x46, 0x38, 0x39, 0x61, 0x01, 0x00, 0x01, 0x00, 0x80, 0x00, 0x00, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00, 0x21, 0xf9, 0x04, 0x01, 0x00, 0x00, 0x00, 0x00, 0x2c,
		0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00, 0x02, 0x02, 0x44, 0x01, 0x00, 0x3b
	]);
}
