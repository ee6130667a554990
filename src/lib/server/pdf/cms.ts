/**
 * CMS SignedData (RFC 5652) for PDF signatures, written and read with pkijs/asn1js: the CAdES
 * signature our seal writes (ETSI EN 319 122-1 baseline B, as PAdES B-B and B-T use it), and the
 * check of any SignedData found in a PDF or inside a time-stamp token.
 *
 * Signatures are made and checked with Node's crypto rather than pkijs' WebCrypto engine: the seal
 * key is a Node KeyObject opened from PKCS#12, and a verifier must tell a changed document (message
 * digest) from a forged signature (signature over the signed attributes), which pkijs folds into one
 * answer.
 */
import { createHash, sign, verify, constants, X509Certificate, type KeyObject } from 'node:crypto';
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';

export const OID = {
	data: '1.2.840.113549.1.7.1',
	signedData: '1.2.840.113549.1.7.2',
	tstInfo: '1.2.840.113549.1.9.16.1.4',
	contentType: '1.2.840.113549.1.9.3',
	messageDigest: '1.2.840.113549.1.9.4',
	signingTime: '1.2.840.113549.1.9.5',
	signingCertificateV2: '1.2.840.113549.1.9.16.2.47',
	signatureTimeStampToken: '1.2.840.113549.1.9.16.2.14',
	sha256: '2.16.840.1.101.3.4.2.1',
	rsaEncryption: '1.2.840.113549.1.1.1',
	rsassaPss: '1.2.840.113549.1.1.10'
} as const;

export class CmsError extends Error {}

const DIGESTS: Record<string, string> = {
	[OID.sha256]: 'sha256',
	'2.16.840.1.101.3.4.2.2': 'sha384',
	'2.16.840.1.101.3.4.2.3': 'sha512',
	'1.3.14.3.2.26': 'sha1'
};

/** A digest algorithm's Node name, or null when we do not know it. */
export const digestName = (oid: string): string | null => DIGESTS[oid] ?? null;

const bytesOf = (view: ArrayBuffer | Uint8Array) => (view instanceof Uint8Array ? view : new Uint8Array(view));
/** A copy in an ArrayBuffer of its own (a Buffer may be a view into a shared pool). */
const arrayBufferOf = (bytes: Uint8Array): ArrayBuffer => new Uint8Array(bytes).buffer as ArrayBuffer;

function attribute(type: string, value: asn1js.AsnType): pkijs.Attribute {
	return new pkijs.Attribute({ type, values: [value] });
}

/** The DER of a signed-attributes SET: what the signature covers (RFC 5652 5.4). */
function signedAttributesDer(attributes: pkijs.Attribute[]): Uint8Array {
	return bytesOf(new asn1js.Set({ value: attributes.map((a) => a.toSchema()) }).toBER());
}

/**
 * DER requires a SET OF to be sorted by the encodings of its elements (X.690 11.6), and verifiers
 * hash the attributes exactly as received, so the order is fixed here once.
 */
function sortedForDer(attributes: pkijs.Attribute[]): pkijs.Attribute[] {
	const encoded = attributes.map((a) => ({ a, der: Buffer.from(a.toSchema().toBER()) }));
	return encoded.sort((x, y) => Buffer.compare(x.der, y.der)).map((x) => x.a);
}

export type CadesSignature = {
	/** The signature value: what a signature time-stamp is made over (ETSI EN 319 122-1 5.3). */
	signatureValue: Uint8Array;
	/**
	 * The ContentInfo DER for the PDF's /Contents; with a time-stamp token (RFC 3161) it goes in the
	 * unsigned attribute signature-time-stamp-token, which makes the signature CAdES-T (PAdES B-T).
	 */
	toDer(timeStampToken?: Uint8Array): Uint8Array;
};

/**
 * A detached CAdES-B signature over a SHA-256 digest: signed attributes content-type (id-data),
 * message-digest and signing-certificate-v2 only. PAdES forbids the signing-time attribute (the
 * time belongs in the signature dictionary's /M), and signing-certificate-v2 binds the certificate
 * so it cannot be swapped for another one with the same key.
 */
export function signCadesDetached(digest: Uint8Array, privateKey: KeyObject, certificates: Uint8Array[]): CadesSignature {
	const [signerDer] = certificates;
	if (!signerDer) throw new CmsError('no signer certificate');
	const parsed = certificates.map((der) => pkijs.Certificate.fromBER(arrayBufferOf(der)));
	const signer = parsed[0]!;
	const certHash = createHash('sha256').update(signerDer).digest();
	// ESSCertIDv2 with the default hash algorithm (SHA-256) left out and no issuerSerial, which
	// EN 319 122-1 (5.2.2.3) advises against.
	const essCertIdV2 = new asn1js.Sequence({ value: [new asn1js.OctetString({ valueHex: arrayBufferOf(certHash) })] });
	const signingCertificateV2 = new asn1js.Sequence({ value: [new asn1js.Sequence({ value: [essCertIdV2] })] });
	const attributes = sortedForDer([
		attribute(OID.contentType, new asn1js.ObjectIdentifier({ value: OID.data })),
		attribute(OID.messageDigest, new asn1js.OctetString({ valueHex: arrayBufferOf(digest) })),
		attribute(OID.signingCertificateV2, signingCertificateV2)
	]);
	const signatureValue = bytesOf(sign('sha256', signedAttributesDer(attributes), privateKey));
	const sha256 = () => new pkijs.AlgorithmIdentifier({ algorithmId: OID.sha256, algorithmParams: new asn1js.Null() });
	const toDer = (timeStampToken?: Uint8Array) => {
		let unsignedAttrs: pkijs.SignedAndUnsignedAttributes | undefined;
		if (timeStampToken) {
			const token = asn1js.fromBER(arrayBufferOf(timeStampToken));
			if (token.offset === -1) throw new CmsError('the time-stamp token is not DER');
			unsignedAttrs = new pkijs.SignedAndUnsignedAttributes({ type: 1, attributes: [attribute(OID.signatureTimeStampToken, token.result)] });
		}
		const signerInfo = new pkijs.SignerInfo({
			version: 1,
			sid: new pkijs.IssuerAndSerialNumber({ issuer: signer.issuer, serialNumber: signer.serialNumber }),
			digestAlgorithm: sha256(),
			signedAttrs: new pkijs.SignedAndUnsignedAttributes({ type: 0, attributes }),
			signatureAlgorithm: new pkijs.AlgorithmIdentifier({ algorithmId: OID.rsaEncryption, algorithmParams: new asn1js.Null() }),
			signature: new asn1js.OctetString({ valueHex: arrayBufferOf(signatureValue) }),
			...(unsignedAttrs ? { unsignedAttrs } : {})
		});
		const signedData = new pkijs.SignedData({
			version: 1,
			digestAlgorithms: [sha256()],
			encapContentInfo: new pkijs.EncapsulatedContentInfo({ eContentType: OID.data }),
			certificates: parsed,
			signerInfos: [signerInfo]
		});
		const contentInfo = new pkijs.ContentInfo({ contentType: OID.signedData, content: signedData.toSchema(true) });
		return bytesOf(contentInfo.toSchema().toBER());
	};
	return { signatureValue, toDer };
}

/** Parses a ContentInfo holding a SignedData; throws a CmsError saying what is wrong. */
export function readSignedData(der: Uint8Array): pkijs.SignedData {
	try {
		const contentInfo = pkijs.ContentInfo.fromBER(arrayBufferOf(der));
		if (contentInfo.contentType !== OID.signedData) throw new CmsError('not a CMS SignedData');
		return new pkijs.SignedData({ schema: contentInfo.content });
	} catch (error) {
		if (error instanceof CmsError) throw error;
		throw new CmsError(`malformed CMS: ${(error as Error).message}`);
	}
}

/** The certificate the first SignerInfo names (by issuer and serial, or by subject key identifier). */
function signerCertificate(signedData: pkijs.SignedData, signerInfo: pkijs.SignerInfo): pkijs.Certificate {
	const certificates = (signedData.certificates ?? []).filter((c): c is pkijs.Certificate => c instanceof pkijs.Certificate);
	const sid = signerInfo.sid as unknown;
	if (sid instanceof pkijs.IssuerAndSerialNumber) {
		const found = certificates.find((c) => c.issuer.isEqual(sid.issuer) && c.serialNumber.isEqual(sid.serialNumber));
		if (found) return found;
	} else if (sid instanceof asn1js.Constructed || sid instanceof asn1js.Primitive) {
		// [0] SubjectKeyIdentifier, as parsed by pkijs: the octets directly or inside an OCTET STRING.
		const inner = sid instanceof asn1js.Constructed ? sid.valueBlock.value[0] : sid;
		const wanted = inner instanceof asn1js.Primitive ? Buffer.from(inner.valueBlock.valueHexView) : null;
		const found = wanted
			? certificates.find((c) => {
					const ski = c.extensions?.find((e) => e.extnID === '2.5.29.14')?.parsedValue;
					return ski instanceof asn1js.OctetString && Buffer.from(ski.valueBlock.valueHexView).equals(wanted);
				})
			: undefined;
		if (found) return found;
	}
	throw new CmsError('the signer certificate is not in the signature');
}

function attributeValue(attributes: pkijs.SignedAndUnsignedAttributes | undefined, type: string): asn1js.AsnType | null {
	return attributes?.attributes.find((a) => a.type === type)?.values[0] ?? null;
}

/** Verifies a signature value with the certificate's key, for the algorithms CMS signers use. */
function verifySignatureValue(signerInfo: pkijs.SignerInfo, hash: string, data: Uint8Array, publicKey: KeyObject): boolean {
	const signature = bytesOf(signerInfo.signature.valueBlock.valueHexView);
	if (signerInfo.signatureAlgorithm.algorithmId === OID.rsassaPss) {
		const params = new pkijs.RSASSAPSSParams({ schema: signerInfo.signatureAlgorithm.algorithmParams });
		const pssHash = digestName(params.hashAlgorithm.algorithmId) ?? 'sha1';
		return verify(pssHash, data, { key: publicKey, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: params.saltLength }, signature);
	}
	// rsaEncryption, shaNWithRSAEncryption and ecdsa-with-SHAn all verify with the digest's name.
	return verify(hash, data, publicKey, signature);
}

export type SignerCheck = {
	certificate: X509Certificate;
	/** The digest over the signed content equals the signed message-digest attribute. */
	digestMatches: boolean;
	/** The signature over the signed attributes verifies with the signer certificate's key. */
	signatureValid: boolean;
	/** A signing-time attribute, when the signer put one (our PAdES seal does not). */
	signingTime: Date | null;
	signedData: pkijs.SignedData;
	signerInfo: pkijs.SignerInfo;
	problems: string[];
};

/**
 * Checks the first signer of a SignedData against the content it signs, given as the digest
 * function's input parts (a PDF's two byte ranges, or a time-stamp token's TSTInfo).
 */
export function checkSigner(signedData: pkijs.SignedData, content: (hash: string) => Uint8Array): SignerCheck {
	const signerInfo = signedData.signerInfos[0];
	if (!signerInfo) throw new CmsError('SignedData without a signer');
	const certificate = new X509Certificate(bytesOf(signerCertificate(signedData, signerInfo).toSchema().toBER()));
	const hash = digestName(signerInfo.digestAlgorithm.algorithmId);
	if (!hash) throw new CmsError(`unsupported digest algorithm ${signerInfo.digestAlgorithm.algorithmId}`);
	const digest = content(hash);
	const problems: string[] = [];
	if (!signerInfo.signedAttrs) {
		// Without signed attributes the signature is made over the content itself.
		throw new CmsError('a signature without signed attributes is not supported');
	}
	const messageDigest = attributeValue(signerInfo.signedAttrs, OID.messageDigest);
	const digestMatches = messageDigest instanceof asn1js.OctetString && Buffer.from(messageDigest.valueBlock.valueHexView).equals(Buffer.from(digest));
	if (!digestMatches) problems.push('the signed content was changed after signing (digest mismatch)');
	// pkijs keeps the attributes' bytes as received, already re-tagged from [0] IMPLICIT to SET.
	const signedBytes = bytesOf(signerInfo.signedAttrs.encodedValue);
	let signatureValid = false;
	try {
		signatureValid = verifySignatureValue(signerInfo, hash, signedBytes, certificate.publicKey);
	} catch (error) {
		problems.push(`the signature cannot be checked: ${(error as Error).message}`);
	}
	if (!signatureValid) problems.push('the signature over the signed attributes does not verify');
	const signingTimeValue = attributeValue(signerInfo.signedAttrs, OID.signingTime);
	const signingTime = signingTimeValue instanceof asn1js.UTCTime || signingTimeValue instanceof asn1js.GeneralizedTime ? signingTimeValue.toDate() : null;
	return { certificate, digestMatches, signatureValid, signingTime, signedData, signerInfo, problems };
}

/** The digest of data given in parts, with a Node hash name. */
export function digestOf(hash: string, parts: Uint8Array[]): Uint8Array {
	const h = createHash(hash);
	for (const part of parts) h.update(part);
	return h.digest();
}

export type TimeStampCheck = {
	/** The time the authority certified (TSTInfo genTime). */
	time: Date;
	/** The authority's certificate subject common name (or whole subject when it has none). */
	authority: string;
	/** The token is signed correctly and its imprint is the hash of this signature's value. */
	valid: boolean;
	problems: string[];
};

/** Reads the TSTInfo of a time-stamp token (a SignedData whose content is id-ct-TSTInfo). */
export function readTimeStampToken(token: Uint8Array): { signedData: pkijs.SignedData; tstInfo: pkijs.TSTInfo; tstInfoDer: Uint8Array } {
	const signedData = readSignedData(token);
	const encap = signedData.encapContentInfo;
	if (encap.eContentType !== OID.tstInfo || !encap.eContent) throw new CmsError('the time-stamp token holds no TSTInfo');
	const tstInfoDer = bytesOf(encap.eContent.getValue());
	return { signedData, tstInfo: pkijs.TSTInfo.fromBER(arrayBufferOf(tstInfoDer)), tstInfoDer };
}

/** Checks a signature time-stamp token against the signature value it claims to stamp. */
export function checkTimeStampToken(token: Uint8Array, signatureValue: Uint8Array): TimeStampCheck {
	const { signedData, tstInfo, tstInfoDer } = readTimeStampToken(token);
	const signer = checkSigner(signedData, (hash) => digestOf(hash, [tstInfoDer]));
	const problems = [...signer.problems];
	const imprintHash = digestName(tstInfo.messageImprint.hashAlgorithm.algorithmId);
	const imprintMatches =
		imprintHash !== null &&
		Buffer.from(tstInfo.messageImprint.hashedMessage.valueBlock.valueHexView).equals(Buffer.from(digestOf(imprintHash, [signatureValue])));
	if (!imprintMatches) problems.push('the time-stamp was made over another signature value');
	return {
		time: tstInfo.genTime,
		authority: commonNameOf(signer.certificate) ?? signer.certificate.subject.replaceAll('\n', ', '),
		valid: signer.digestMatches && signer.signatureValid && imprintMatches,
		problems
	};
}

/** The signature time-stamp token in a SignerInfo's unsigned attributes, if any. */
export function signatureTimeStampToken(signerInfo: pkijs.SignerInfo): Uint8Array | null {
	const value = attributeValue(signerInfo.unsignedAttrs, OID.signatureTimeStampToken);
	return value ? bytesOf(value.toBER()) : null;
}

/** A field of a certificate subject as Node prints it ("CN=…\nO=…"). */
function subjectField(certificate: X509Certificate, field: string): string | null {
	const line = certificate.subject.split('\n').find((l) => l.startsWith(`${field}=`));
	return line ? line.slice(field.length + 1) : null;
}

export const commonNameOf = (certificate: X509Certificate) => subjectField(certificate, 'CN');
export const organizationOf = (certificate: X509Certificate) => subjectField(certificate, 'O');
