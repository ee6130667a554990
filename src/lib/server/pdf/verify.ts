/**
 * What a PDF's signatures say, each of them: who signed (certificate subject), which bytes the
 * signature covers, whether it is cryptographically valid (message digest over the byte range,
 * signature over the signed attributes), whether it is one of our seals, and whether anything was
 * appended after the last one. Everything is checked here; no trust is placed in the file's claims.
 *
 * Signatures are found by their /ByteRange rather than through the xref: a later signer's tool may
 * write cross-reference streams our incremental writer does not read, and a verifier must still
 * judge every signature in such a file.
 */
import * as asn1js from 'asn1js';
import { sha256Hex } from '../hashing';
import { checkSigner, checkTimeStampToken, commonNameOf, digestOf, organizationOf, readSignedData, signatureTimeStampToken, type TimeStampCheck } from './cms';

export { sha256Hex };

export class SignatureContentsError extends Error {}

/**
 * The DER inside a signature's /Contents hex string (without its angle brackets), read strictly:
 * hex digits only (no whitespace or other characters), an even count, one DER object, and after it
 * nothing but the zeros of the space the signer reserved.
 */
export function parseSignatureContents(hex: string): Uint8Array {
	if (hex.length === 0) throw new SignatureContentsError('the signature value is empty');
	if (!/^[0-9A-Fa-f]*$/.test(hex)) throw new SignatureContentsError('the signature value holds characters other than hex digits');
	if (hex.length % 2 !== 0) throw new SignatureContentsError('the signature value has an odd number of hex digits');
	const bytes = Buffer.from(hex, 'hex');
	const parsed = asn1js.fromBER(new Uint8Array(bytes).buffer);
	if (parsed.offset === -1 || bytes[0] !== 0x30) throw new SignatureContentsError('the signature value is not a DER object');
	const end = parsed.offset;
	if (parsed.result.lenBlock.isIndefiniteForm) throw new SignatureContentsError('the signature value is not DER (indefinite length)');
	for (let i = end; i < bytes.length; i++)
		if (bytes[i] !== 0) throw new SignatureContentsError('the signature value has data other than zero padding after the DER');
	return new Uint8Array(bytes.subarray(0, end));
}

export type SignatureCheck = {
	/** 1 for the first signature in the file. */
	index: number;
	byteRange: [number, number, number, number];
	/** The last byte the signature covers, plus one. */
	coveredEnd: number;
	subFilter: string | null;
	signerCommonName: string | null;
	signerOrganization: string | null;
	/** SHA-256 fingerprint of the signer certificate, colon-separated upper-case hex. */
	certificateFingerprint: string | null;
	/** The signer certificate is one of the trusted (our own) seal certificates. */
	ours: boolean;
	/** The signed ranges hash to the signed message digest. */
	digestMatches: boolean;
	/** The signature over the signed attributes verifies with the signer certificate. */
	signatureValid: boolean;
	/** Both: the bytes it covers are the bytes that were signed. */
	valid: boolean;
	/** The time the signer claims: the dictionary's /M, else a signing-time attribute. */
	claimedTime: Date | null;
	/** A signature time-stamp (RFC 3161) in the CMS, checked against this signature value. */
	timeStamp: TimeStampCheck | null;
	/** Plain-English reasons for every check that failed, for logs and the verify page's details. */
	problems: string[];
};

export type PdfSignatures = {
	fileSha256: string;
	fileLength: number;
	/** In file order, oldest first. */
	signatures: SignatureCheck[];
	/** Bytes after the end of what the last signature covers (0: nothing was appended). */
	appendedAfterLast: number;
};

const normaliseFingerprint = (fingerprint: string) => fingerprint.replace(/[^0-9a-f]/gi, '').toLowerCase();

/** Every distinct /ByteRange in the file, ordered by where its signature ends. */
function byteRanges(text: string): [number, number, number, number][] {
	const seen = new Map<string, [number, number, number, number]>();
	for (const match of text.matchAll(/\/ByteRange\s*\[\s*(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s*\]/g)) {
		const range = match.slice(1, 5).map(Number) as [number, number, number, number];
		seen.set(range.join(' '), range);
	}
	return [...seen.values()].sort((a, b) => a[2] + a[3] - (b[2] + b[3]) || a[1] - b[1]);
}

/** /SubFilter and /M of the signature dictionary holding the /Contents at `contentsStart`. */
function dictionaryEntries(text: string, contentsStart: number, contentsEnd: number): { subFilter: string | null; claimedTime: Date | null } {
	const objectStart = text.lastIndexOf(' obj', contentsStart);
	const objectEnd = text.indexOf('endobj', contentsEnd);
	const dictionary = text.slice(Math.max(0, objectStart), contentsStart) + text.slice(contentsEnd, objectEnd < 0 ? contentsEnd + 4096 : objectEnd);
	const subFilter = /\/SubFilter\s*\/([^\s/<>[\]()]+)/.exec(dictionary)?.[1] ?? null;
	const m = /\/M\s*\(D:(\d{4})(\d{2})?(\d{2})?(\d{2})?(\d{2})?(\d{2})?([Z+-])?(\d{2})?'?(\d{2})?'?\)/.exec(dictionary);
	let claimedTime: Date | null = null;
	if (m) {
		const [, y, mo = '01', d = '01', h = '00', mi = '00', s = '00', zone, zh = '00', zm = '00'] = m;
		const offset = zone === '+' || zone === '-' ? (zone === '+' ? 1 : -1) * (Number(zh) * 60 + Number(zm)) : 0;
		claimedTime = new Date(Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s)) - offset * 60_000);
	}
	return { subFilter, claimedTime };
}

function checkSignature(bytes: Uint8Array, text: string, range: [number, number, number, number], index: number, trusted: Set<string>): SignatureCheck {
	const [start, firstLength, secondStart, secondLength] = range;
	const check: SignatureCheck = {
		index,
		byteRange: range,
		coveredEnd: secondStart + secondLength,
		subFilter: null,
		signerCommonName: null,
		signerOrganization: null,
		certificateFingerprint: null,
		ours: false,
		digestMatches: false,
		signatureValid: false,
		valid: false,
		claimedTime: null,
		timeStamp: null,
		problems: []
	};
	if (start !== 0 || firstLength >= secondStart || secondStart + secondLength > bytes.length || bytes[firstLength] !== 0x3c || bytes[secondStart - 1] !== 0x3e) {
		check.problems.push('the byte range does not frame the signature value');
		return check;
	}
	Object.assign(check, dictionaryEntries(text, firstLength, secondStart));
	let der: Uint8Array;
	try {
		der = parseSignatureContents(text.slice(firstLength + 1, secondStart - 1));
	} catch (error) {
		check.problems.push((error as Error).message);
		return check;
	}
	try {
		const signer = checkSigner(readSignedData(der), (hash) =>
			digestOf(hash, [bytes.subarray(0, firstLength), bytes.subarray(secondStart, secondStart + secondLength)])
		);
		check.signerCommonName = commonNameOf(signer.certificate);
		check.signerOrganization = organizationOf(signer.certificate);
		check.certificateFingerprint = signer.certificate.fingerprint256;
		check.ours = trusted.has(normaliseFingerprint(signer.certificate.fingerprint256));
		check.digestMatches = signer.digestMatches;
		check.signatureValid = signer.signatureValid;
		check.valid = signer.digestMatches && signer.signatureValid;
		check.claimedTime ??= signer.signingTime;
		check.problems.push(...signer.problems);
		const token = signatureTimeStampToken(signer.signerInfo);
		if (token) {
			try {
				check.timeStamp = checkTimeStampToken(token, new Uint8Array(signer.signerInfo.signature.valueBlock.valueHexView));
				check.problems.push(...check.timeStamp.problems.map((p) => `time-stamp: ${p}`));
			} catch (error) {
				check.problems.push(`the time-stamp cannot be read: ${(error as Error).message}`);
			}
		}
	} catch (error) {
		check.problems.push(`the signature value cannot be read: ${(error as Error).message}`);
	}
	return check;
}

/**
 * Judges every signature of a PDF. `trusted` lists our seal certificates (current and former) by
 * SHA-256 fingerprint, in any hex notation.
 */
export function inspectPdfSignatures(bytes: Uint8Array, trusted: { fingerprint: string }[]): PdfSignatures {
	const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');
	const ours = new Set(trusted.map((t) => normaliseFingerprint(t.fingerprint)));
	const signatures = byteRanges(text).map((range, i) => checkSignature(bytes, text, range, i + 1, ours));
	const last = signatures.at(-1);
	return {
		fileSha256: sha256Hex(bytes),
		fileLength: bytes.length,
		signatures,
		appendedAfterLast: last ? Math.max(0, bytes.length - last.coveredEnd) : 0
	};
}

