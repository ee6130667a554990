/**
 * What the public verify page says about an uploaded PDF: is it sealed, by one of our seal
 * certificates, does the seal cover every byte, and does the signature match the content.
 * Everything is checked here with Node's crypto; no trust is placed in the file's own claims.
 */
import { createHash, verify, X509Certificate } from 'node:crypto';
import { sha256Hex } from '../hashing';
import { child, children, content, context, DerError, OID, readNode, readOid, readTime, TAG, whole, type DerNode } from './der';

export type SealInspection = {
	sealed: boolean;
	/** The signer certificate is one of the trusted (our own) seal certificates. */
	byUs: boolean;
	/** The signed byte ranges reach the end of the file: nothing was appended after the seal. */
	coversWholeFile: boolean;
	/** The signed ranges hash to the signed message digest, and the signature over it verifies. */
	digestValid: boolean;
	signerCommonName?: string;
	signingTime?: Date;
	fileSha256: string;
	byteRange?: number[];
	/** Plain-English reasons for every check that failed, for logs and the verify page's details. */
	problems: string[];
};

export { sha256Hex };

const normaliseFingerprint = (fingerprint: string) => fingerprint.replace(/[^0-9a-f]/gi, '').toLowerCase();

/** The last /ByteRange in the file: the most recent signature. */
function lastByteRange(text: string): number[] | null {
	const pattern = /\/ByteRange\s*\[\s*(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s*\]/g;
	let last: RegExpExecArray | null = null;
	for (let match = pattern.exec(text); match; match = pattern.exec(text)) last = match;
	return last ? last.slice(1, 5).map(Number) : null;
}

type SignerInfo = {
	certificate: X509Certificate;
	certificateDer: Uint8Array;
	digestAlgorithm: string;
	signedAttributes: DerNode | null;
	signature: Uint8Array;
};

const DIGESTS: Record<string, string> = {
	[OID.sha256]: 'sha256',
	'2.16.840.1.101.3.4.2.2': 'sha384',
	'2.16.840.1.101.3.4.2.3': 'sha512',
	'1.3.14.3.2.26': 'sha1'
};

/** Reads the one SignerInfo of a CMS SignedData and finds its certificate by issuer and serial. */
function readSignedData(der: Uint8Array): SignerInfo {
	const contentInfo = readNode(der);
	if (readOid(child(contentInfo, 0, 'contentType')) !== OID.signedData) throw new DerError('not a CMS SignedData');
	const signedData = child(child(contentInfo, 1, 'SignedData wrapper'), 0, 'SignedData');
	const parts = children(signedData);
	const certificateSet = parts.find((p) => p.tag === context(0));
	const signerInfos = parts[parts.length - 1];
	if (!certificateSet || !signerInfos || signerInfos.tag !== TAG.set) throw new DerError('SignedData without certificates or signer infos');
	const signerInfo = child(signerInfos, 0, 'SignerInfo');
	const fields = children(signerInfo);
	const sid = fields[1];
	if (!sid || sid.tag !== TAG.sequence) throw new DerError('SignerInfo is not identified by issuer and serial number');
	const [sidIssuer, sidSerial] = children(sid);
	if (!sidIssuer || !sidSerial) throw new DerError('malformed IssuerAndSerialNumber');
	const digestAlgorithmNode = fields[2];
	if (!digestAlgorithmNode) throw new DerError('SignerInfo without a digest algorithm');
	const digestAlgorithm = readOid(child(digestAlgorithmNode, 0, 'digestAlgorithm'));
	const signedAttributes = fields[3]?.tag === context(0) ? fields[3] : null;
	const signature = fields.find((f, i) => i > 3 && f.tag === TAG.octetString);
	if (!signature) throw new DerError('SignerInfo without a signature');

	const same = (a: Uint8Array, b: Uint8Array) => Buffer.from(a).equals(Buffer.from(b));
	for (const cert of children(certificateSet)) {
		const tbs = child(cert, 0, 'TBSCertificate');
		const tbsFields = children(tbs);
		const offset = tbsFields[0]?.tag === context(0) ? 1 : 0;
		const serial = tbsFields[offset];
		const issuer = tbsFields[offset + 2];
		if (serial && issuer && same(whole(serial), whole(sidSerial)) && same(whole(issuer), whole(sidIssuer))) {
			const certificateDer = whole(cert);
			return { certificate: new X509Certificate(certificateDer), certificateDer, digestAlgorithm, signedAttributes, signature: content(signature) };
		}
	}
	throw new DerError('the signer certificate is not in the signature');
}

function attributeValue(attributes: DerNode, type: string): DerNode | null {
	for (const attr of children(attributes)) {
		if (readOid(child(attr, 0, 'attribute type')) === type) return child(child(attr, 1, 'attribute values'), 0, 'attribute value');
	}
	return null;
}

function commonNameOf(certificate: X509Certificate): string | undefined {
	return /^CN=(.*)$/m.exec(certificate.subject)?.[1];
}

/**
 * Inspects the most recent signature of a PDF. `trusted` lists our seal certificates (current and
 * former) by SHA-256 fingerprint, in any hex notation.
 */
export function inspectSealedPdf(bytes: Uint8Array, trusted: { fingerprint: string }[]): SealInspection {
	const fileSha256 = sha256Hex(bytes);
	const result: SealInspection = { sealed: false, byUs: false, coversWholeFile: false, digestValid: false, fileSha256, problems: [] };
	const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');
	const byteRange = lastByteRange(text);
	if (!byteRange) {
		result.problems.push('the file has no signature');
		return result;
	}
	result.byteRange = byteRange;
	const [start, firstLength, secondStart, secondLength] = byteRange as [number, number, number, number];
	const gapOk = start === 0 && firstLength < secondStart && secondStart + secondLength <= bytes.length;
	if (!gapOk || bytes[firstLength] !== 0x3c || bytes[secondStart - 1] !== 0x3e) {
		result.problems.push('the byte range does not frame the signature value');
		return result;
	}
	result.sealed = true;
	result.coversWholeFile = secondStart + secondLength === bytes.length;
	if (!result.coversWholeFile)
		result.problems.push(`${bytes.length - (secondStart + secondLength)} bytes were added after the signature and are not covered by it`);

	const hex = text.slice(firstLength + 1, secondStart - 1).replace(/\s+/g, '');
	let signer: SignerInfo;
	try {
		// The reserved space is padded with zeros after the DER: readNode reads only its own length.
		const padded = Buffer.from(hex.length % 2 ? hex + '0' : hex, 'hex');
		signer = readSignedData(padded.subarray(0, readNode(padded).end));
	} catch (error) {
		result.problems.push(`the signature value cannot be read: ${(error as Error).message}`);
		return result;
	}

	result.signerCommonName = commonNameOf(signer.certificate);
	const fingerprint = normaliseFingerprint(signer.certificate.fingerprint256);
	result.byUs = trusted.some((t) => normaliseFingerprint(t.fingerprint) === fingerprint);
	if (!result.byUs) result.problems.push('the signer certificate is not one of this server’s seal certificates');

	const digestName = DIGESTS[signer.digestAlgorithm];
	if (!digestName) {
		result.problems.push(`unsupported digest algorithm ${signer.digestAlgorithm}`);
		return result;
	}
	const digest = createHash(digestName)
		.update(bytes.subarray(0, firstLength))
		.update(bytes.subarray(secondStart, secondStart + secondLength))
		.digest();

	try {
		if (!signer.signedAttributes) {
			// Without signed attributes the signature is made over the content digest directly.
			result.digestValid = verify(digestName, Buffer.concat([bytes.subarray(0, firstLength), bytes.subarray(secondStart, secondStart + secondLength)]), signer.certificate.publicKey, signer.signature);
			if (!result.digestValid) result.problems.push('the signature does not match the document');
			return result;
		}
		const messageDigest = attributeValue(signer.signedAttributes, OID.messageDigest);
		const signingTime = attributeValue(signer.signedAttributes, OID.signingTime);
		if (signingTime) result.signingTime = readTime(signingTime);
		const digestMatches = messageDigest !== null && Buffer.from(content(messageDigest)).equals(digest);
		if (!digestMatches) result.problems.push('the document was changed after it was sealed (digest mismatch)');
		// The signature covers the DER of the attributes re-tagged from [0] IMPLICIT to SET.
		const signedSet = Buffer.from(whole(signer.signedAttributes));
		signedSet[0] = TAG.set;
		const signatureValid = verify(digestName, signedSet, signer.certificate.publicKey, signer.signature);
		if (!signatureValid) result.problems.push('the signature over the signed attributes does not verify');
		result.digestValid = digestMatches && signatureValid;
	} catch (error) {
		result.problems.push(`the signature cannot be checked: ${(error as Error).message}`);
	}
	return result;
}
