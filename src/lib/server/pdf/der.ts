/**
 * Just enough DER to write and read a CMS SignedData. We keep the exact bytes of what we read
 * (the signed attributes must be hashed byte for byte, and the issuer name is copied from the
 * certificate unchanged): node-forge re-encodes names and double-encodes UTF-8 in them.
 */

export const TAG = {
	integer: 0x02,
	octetString: 0x04,
	null: 0x05,
	oid: 0x06,
	utf8String: 0x0c,
	printableString: 0x13,
	utcTime: 0x17,
	generalizedTime: 0x18,
	sequence: 0x30,
	set: 0x31
} as const;

/** Context-specific constructed tag [n]. */
export const context = (n: number) => 0xa0 | n;

function lengthBytes(length: number): number[] {
	if (length < 0x80) return [length];
	const out: number[] = [];
	for (let rest = length; rest > 0; rest = Math.floor(rest / 256)) out.unshift(rest & 0xff);
	return [0x80 | out.length, ...out];
}

export function tlv(tag: number, content: Uint8Array): Uint8Array {
	const head = [tag, ...lengthBytes(content.length)];
	const out = new Uint8Array(head.length + content.length);
	out.set(head, 0);
	out.set(content, head.length);
	return out;
}

export function concat(parts: Uint8Array[]): Uint8Array {
	const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
	let at = 0;
	for (const p of parts) {
		out.set(p, at);
		at += p.length;
	}
	return out;
}

export const sequence = (...items: Uint8Array[]) => tlv(TAG.sequence, concat(items));

/** A DER SET OF sorts its elements by their encodings (X.690 11.6); signed attributes rely on it. */
export function setOf(...items: Uint8Array[]): Uint8Array {
	const sorted = [...items].sort((a, b) => {
		for (let i = 0; i < Math.min(a.length, b.length); i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
		return a.length - b.length;
	});
	return tlv(TAG.set, concat(sorted));
}

export const octetString = (bytes: Uint8Array) => tlv(TAG.octetString, bytes);
export const derNull = () => new Uint8Array([TAG.null, 0]);
export const smallInteger = (n: number) => tlv(TAG.integer, new Uint8Array([n]));

export function oid(dotted: string): Uint8Array {
	const parts = dotted.split('.').map(Number);
	const bytes = [40 * parts[0]! + parts[1]!];
	for (const part of parts.slice(2)) {
		const chunk: number[] = [part & 0x7f];
		for (let rest = Math.floor(part / 128); rest > 0; rest = Math.floor(rest / 128)) chunk.unshift(0x80 | (rest & 0x7f));
		bytes.push(...chunk);
	}
	return tlv(TAG.oid, new Uint8Array(bytes));
}

/** UTCTime for 1950–2049, GeneralizedTime outside it, as RFC 5280 asks. */
export function time(date: Date): Uint8Array {
	const iso = date.toISOString();
	const digits = iso.slice(0, 19).replace(/[-T:]/g, '');
	const year = date.getUTCFullYear();
	if (year >= 1950 && year < 2050) return tlv(TAG.utcTime, new TextEncoder().encode(digits.slice(2) + 'Z'));
	return tlv(TAG.generalizedTime, new TextEncoder().encode(digits + 'Z'));
}

export const OID = {
	data: '1.2.840.113549.1.7.1',
	signedData: '1.2.840.113549.1.7.2',
	sha256: '2.16.840.1.101.3.4.2.1',
	rsaEncryption: '1.2.840.113549.1.1.1',
	contentType: '1.2.840.113549.1.9.3',
	messageDigest: '1.2.840.113549.1.9.4',
	signingTime: '1.2.840.113549.1.9.5',
	signingCertificateV2: '1.2.840.113549.1.9.16.2.47',
	commonName: '2.5.4.3'
} as const;

/** A node read from DER, with the offsets of its header and content in the source bytes. */
export type DerNode = {
	tag: number;
	/** Offset of the tag byte. */
	start: number;
	/** Offset of the first content byte. */
	contentStart: number;
	/** Offset just past the content. */
	end: number;
	bytes: Uint8Array;
};

export class DerError extends Error {}

export function readNode(bytes: Uint8Array, at = 0): DerNode {
	if (at + 2 > bytes.length) throw new DerError('truncated DER');
	const tag = bytes[at]!;
	if ((tag & 0x1f) === 0x1f) throw new DerError('multi-byte DER tags are not used in CMS');
	let length = bytes[at + 1]!;
	let contentStart = at + 2;
	if (length & 0x80) {
		const count = length & 0x7f;
		if (count === 0 || count > 4) throw new DerError('unsupported DER length');
		length = 0;
		for (let i = 0; i < count; i++) length = length * 256 + bytes[contentStart + i]!;
		contentStart += count;
	}
	const end = contentStart + length;
	if (end > bytes.length) throw new DerError('DER length runs past the data');
	return { tag, start: at, contentStart, end, bytes };
}

export function children(node: DerNode): DerNode[] {
	const out: DerNode[] = [];
	for (let at = node.contentStart; at < node.end; ) {
		const child = readNode(node.bytes, at);
		out.push(child);
		at = child.end;
	}
	return out;
}

export const content = (node: DerNode) => node.bytes.subarray(node.contentStart, node.end);
export const whole = (node: DerNode) => node.bytes.subarray(node.start, node.end);

export function readOid(node: DerNode): string {
	if (node.tag !== TAG.oid) throw new DerError('expected an OBJECT IDENTIFIER');
	const b = content(node);
	const parts = [Math.floor(b[0]! / 40), b[0]! % 40];
	let value = 0;
	for (let i = 1; i < b.length; i++) {
		value = value * 128 + (b[i]! & 0x7f);
		if (!(b[i]! & 0x80)) {
			parts.push(value);
			value = 0;
		}
	}
	return parts.join('.');
}

export function readTime(node: DerNode): Date {
	if (node.tag !== TAG.utcTime && node.tag !== TAG.generalizedTime) throw new DerError('unsupported time encoding');
	const text = new TextDecoder().decode(content(node));
	const yearDigits = node.tag === TAG.utcTime ? 2 : 4;
	const m = new RegExp(`^(\\d{${yearDigits}})(\\d{2})(\\d{2})(\\d{2})(\\d{2})(\\d{2})?Z$`).exec(text);
	if (!m) throw new DerError('unsupported time encoding');
	let year = Number(m[1]);
	if (node.tag === TAG.utcTime) year += year < 50 ? 2000 : 1900;
	return new Date(Date.UTC(year, Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6] ?? 0)));
}

/** The child at `index`, or an error naming what was expected: malformed input must not crash with a TypeError. */
export function child(node: DerNode, index: number, what: string): DerNode {
	const found = children(node)[index];
	if (!found) throw new DerError(`missing ${what}`);
	return found;
}
