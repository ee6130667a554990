/**
 * The forum's seal: a certificate of its own (generated on first run, or a PKCS#12 imported from
 * a certification authority) and one PAdES signature (ETSI EN 319 142-1 baseline B-B, or B-T with
 * a time-stamping authority) over the whole minutes PDF.
 *
 * node-forge makes and reads certificates and PKCS#12 files (Node's crypto cannot); the CMS is
 * written with pkijs (cms.ts), which keeps the certificate's issuer name byte for byte (node-forge
 * re-encodes non-ASCII names wrongly), and the file is hashed natively rather than in JavaScript.
 */
import { createHash, createPrivateKey, generateKeyPairSync, randomBytes, X509Certificate, type KeyObject } from 'node:crypto';
import forge from 'node-forge';
import { digestOf, signCadesDetached } from './cms';
import { appendSignatureField, pdfTextString } from './incremental-update';
import { requestTimeStampToken } from './time-stamp';

/** Hex characters reserved for the CMS: room for a certificate chain of a few certificates. */
export const SIGNATURE_HEX_LENGTH = 16_384;
/** With a time-stamp token the CMS also carries the authority's signature and certificates. */
export const TIME_STAMPED_SIGNATURE_HEX_LENGTH = 32_768;

export type SealCertificate = {
	p12: Buffer;
	passphrase: string;
	certificatePem: string;
	/** SHA-256 of the certificate, colon-separated upper-case hex (as `openssl x509 -fingerprint -sha256`). */
	fingerprint: string;
	notAfter: Date;
};

export type SealKey = { p12: Buffer; passphrase: string };

export type SealInfo = {
	reason: string;
	location: string;
	/** Who sealed, e.g. "Forpemma - Mufakat"; keep it ASCII (see TOOLCHAIN.md). */
	name: string;
	contactInfo?: string;
};

/**
 * Certificate names stay ASCII: node-forge double-encodes UTF-8 in names it writes, and a
 * signature made with such a certificate fails to verify elsewhere. Accents are dropped and
 * typographic punctuation is replaced by its ASCII look-alike.
 */
export function asciiName(text: string): string {
	return text
		.normalize('NFKD')
		.replace(/[\u0300-\u036f]/g, '')
		.replace(/[\u2018\u2019\u02bb\u02bc\u2032]/g, "'")
		.replace(/[\u201c\u201d]/g, '"')
		.replace(/[\u2012-\u2015]/g, '-')
		.replace(/[^\x20-\x7e]/g, '')
		.replace(/\s+/g, ' ')
		.trim();
}

function derOfForgeCertificate(cert: forge.pki.Certificate): Buffer {
	// A parsed certificate keeps its original TBSCertificate, so this is the original DER.
	return Buffer.from(forge.asn1.toDer(forge.pki.certificateToAsn1(cert)).getBytes(), 'binary');
}

export const fingerprintOf = (certificateDer: Uint8Array) => new X509Certificate(certificateDer).fingerprint256;

/**
 * A self-signed RSA 2048 certificate for the forum's system seal, valid five years, whose name says
 * it is not certified. CA:FALSE and a key usage limited to signing: with CA:TRUE and an extended
 * key usage pdfsig reports an unknown certificate problem.
 */
export function createSealCertificate(commonName: string, options: { notBefore?: Date; validityYears?: number } = {}): SealCertificate {
	// node-forge now and then encodes a number of the key non-minimally, which OpenSSL then refuses to
	// read; such a certificate is never kept: make another (a fresh key each time).
	for (let attempt = 1; ; attempt++) {
		try {
			return createSealCertificateOnce(commonName, options);
		} catch (error) {
			if (attempt >= 5) throw error;
		}
	}
}

function createSealCertificateOnce(commonName: string, options: { notBefore?: Date; validityYears?: number }): SealCertificate {
	const { privateKey: nodeKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
	const privateKey = forge.pki.privateKeyFromPem(nodeKey.export({ type: 'pkcs1', format: 'pem' }).toString()) as forge.pki.rsa.PrivateKey;
	const cert = forge.pki.createCertificate();
	cert.publicKey = forge.pki.setRsaPublicKey(privateKey.n, privateKey.e);
	// A positive, minimally encoded serial: the first byte between 0x01 and 0x7f, so the DER INTEGER
	// needs no sign byte and has no leading zero (OpenSSL refuses either as "illegal padding").
	const serial = randomBytes(16);
	serial[0] = (serial[0]! & 0x7f) | 0x01;
	cert.serialNumber = serial.toString('hex');
	const notBefore = options.notBefore ?? new Date();
	const notAfter = new Date(notBefore);
	notAfter.setUTCFullYear(notAfter.getUTCFullYear() + (options.validityYears ?? 5));
	cert.validity.notBefore = notBefore;
	cert.validity.notAfter = notAfter;
	const name = [
		{ name: 'commonName', value: asciiName(commonName) || 'Mufakat system seal (not certified)' },
		{ name: 'organizationName', value: 'Mufakat' },
		{ shortName: 'OU', value: 'System seal - not certified (PP 71/2019)' }
	];
	cert.setSubject(name);
	cert.setIssuer(name);
	cert.setExtensions([
		{ name: 'basicConstraints', cA: false, critical: true },
		{ name: 'keyUsage', critical: true, digitalSignature: true, nonRepudiation: true },
		{ name: 'subjectKeyIdentifier' }
	]);
	cert.sign(privateKey, forge.md.sha256.create());

	const passphrase = randomBytes(24).toString('base64url');
	const p12Asn1 = forge.pkcs12.toPkcs12Asn1(privateKey, [cert], passphrase, {
		algorithm: 'aes256',
		friendlyName: 'Mufakat seal',
		generateLocalKeyId: true
	});
	const p12 = Buffer.from(forge.asn1.toDer(p12Asn1).getBytes(), 'binary');
	return {
		p12,
		passphrase,
		certificatePem: forge.pki.certificateToPem(cert),
		fingerprint: fingerprintOf(derOfForgeCertificate(cert)),
		notAfter
	};
}

/** Reasons an imported PKCS#12 is refused; they match the `minutes.p12.*` messages. */
export type P12Problem = 'badPassphrase' | 'noKey' | 'expired' | 'notYetValid' | 'keyUsage';

export class P12Error extends Error {
	constructor(
		readonly reason: P12Problem,
		message: string
	) {
		super(message);
		this.name = 'P12Error';
	}
}

export type SealCertificateInfo = {
	subject: string;
	commonName: string;
	fingerprint: string;
	notBefore: Date;
	notAfter: Date;
	certificatePem: string;
};

type OpenedP12 = {
	info: SealCertificateInfo;
	privateKey: KeyObject;
	/** Signer first, then the rest of the chain as found in the file. */
	certificates: Buffer[];
};

function bagsOf(p12: forge.pkcs12.Pkcs12Pfx, bagType: string): forge.pkcs12.Bag[] {
	return p12.getBags({ bagType })[bagType] ?? [];
}

function openP12(p12Bytes: Buffer, passphrase: string, now: Date): OpenedP12 {
	let p12: forge.pkcs12.Pkcs12Pfx;
	try {
		const asn1 = forge.asn1.fromDer(forge.util.createBuffer(p12Bytes.toString('binary')));
		p12 = forge.pkcs12.pkcs12FromAsn1(asn1, passphrase);
	} catch (error) {
		throw new P12Error('badPassphrase', `cannot open the PKCS#12 file (wrong passphrase or not PKCS#12): ${(error as Error).message}`);
	}
	const keys = [...bagsOf(p12, forge.pki.oids.pkcs8ShroudedKeyBag!), ...bagsOf(p12, forge.pki.oids.keyBag!)];
	const key = keys.find((bag) => bag.key)?.key as forge.pki.rsa.PrivateKey | undefined;
	if (!key) {
		const unsupported = keys.some((bag) => !bag.key);
		throw new P12Error('noKey', unsupported ? 'the private key is not an RSA key' : 'the file holds no private key');
	}
	const certs = bagsOf(p12, forge.pki.oids.certBag!);
	const signer = certs.find((bag) => {
		const publicKey = bag.cert?.publicKey as forge.pki.rsa.PublicKey | undefined;
		return publicKey?.n?.equals(key.n) && publicKey.e.equals(key.e);
	})?.cert;
	if (!signer) throw new P12Error('noKey', 'no certificate in the file matches its private key');
	const signerDer = derOfForgeCertificate(signer);
	const chain = certs
		.filter((bag) => bag.cert !== signer)
		.map((bag) => (bag.cert ? derOfForgeCertificate(bag.cert) : bag.asn1 ? Buffer.from(forge.asn1.toDer(bag.asn1).getBytes(), 'binary') : null))
		.filter((der): der is Buffer => der !== null);

	const { notBefore, notAfter } = signer.validity;
	if (now < notBefore) throw new P12Error('notYetValid', `the certificate is valid from ${notBefore.toISOString()}`);
	if (now > notAfter) throw new P12Error('expired', `the certificate expired on ${notAfter.toISOString()}`);
	const usage = signer.getExtension('keyUsage') as { digitalSignature?: boolean; nonRepudiation?: boolean } | undefined;
	if (usage && !usage.digitalSignature && !usage.nonRepudiation)
		throw new P12Error('keyUsage', 'the certificate key usage allows neither digitalSignature nor nonRepudiation');

	const x509 = new X509Certificate(signerDer);
	return {
		info: {
			subject: x509.subject.replaceAll('\n', ', '),
			commonName: String(signer.subject.getField('CN')?.value ?? ''),
			fingerprint: x509.fingerprint256,
			notBefore,
			notAfter,
			certificatePem: x509.toString()
		},
		privateKey: createPrivateKey(forge.pki.privateKeyToPem(key)),
		certificates: [signerDer, ...chain]
	};
}

/** Checks an imported PKCS#12 before it becomes the forum's seal; throws a P12Error saying why not. */
export function inspectP12(p12: Buffer, passphrase: string, now = new Date()): SealCertificateInfo {
	return openP12(p12, passphrase, now).info;
}

/**
 * Opening a PKCS#12 runs its key derivation in JavaScript (tens of milliseconds), and the same seal
 * signs every document, so the opened key is kept for the few seals a server has. The validity
 * check is repeated on each use.
 */
const openedSeals = new Map<string, OpenedP12>();

function openSeal(seal: SealKey, now: Date): OpenedP12 {
	const id = createHash('sha256').update(seal.p12).update('\0').update(seal.passphrase).digest('hex');
	let opened = openedSeals.get(id);
	if (!opened) {
		opened = openP12(seal.p12, seal.passphrase, now);
		if (openedSeals.size >= 8) openedSeals.delete(openedSeals.keys().next().value!);
		openedSeals.set(id, opened);
	}
	if (now < opened.info.notBefore) throw new P12Error('notYetValid', 'the seal certificate is not valid yet');
	if (now > opened.info.notAfter) throw new P12Error('expired', 'the seal certificate has expired');
	return opened;
}

/** D:YYYYMMDDHHmmSSZ, the PDF date format, in UTC. */
function pdfDate(date: Date): string {
	return `D:${date.toISOString().slice(0, 19).replace(/[-T:]/g, '')}Z`;
}

export type SealOptions = {
	/** When the seal is made; written to the signature dictionary's /M (PAdES keeps it out of the CMS). */
	signingTime?: Date;
	/**
	 * An RFC 3161 time-stamping authority: the signature value is time-stamped there (PAdES B-T).
	 * When it cannot be reached sealPdf throws a TimeStampError; the caller decides what then.
	 */
	timeStampAuthority?: string | null;
};

/**
 * Seals a PDF: appends a signature field as an incremental update and fills it with a detached
 * CAdES signature (SubFilter ETSI.CAdES.detached) over every byte of the result except the
 * signature itself. Earlier bytes are never rewritten and the xref stays a classic table, so an
 * existing signature stays valid and a later one (an official's certified signature) can be added
 * the same way.
 */
export async function sealPdf(pdf: Uint8Array, seal: SealKey, info: SealInfo, options: SealOptions = {}): Promise<Uint8Array> {
	const signingTime = options.signingTime ?? new Date();
	const authority = options.timeStampAuthority ?? null;
	const opened = openSeal(seal, signingTime);
	const entries = [
		'/Filter /Adobe.PPKLite',
		'/SubFilter /ETSI.CAdES.detached',
		`/M ${pdfTextString(pdfDate(signingTime))}`,
		`/Name ${pdfTextString(asciiName(info.name))}`,
		`/Reason ${pdfTextString(info.reason)}`,
		`/Location ${pdfTextString(info.location)}`,
		...(info.contactInfo ? [`/ContactInfo ${pdfTextString(info.contactInfo)}`] : []),
		'/Prop_Build << /App << /Name /Mufakat >> >>'
	].join('\n');
	const reserved = authority ? TIME_STAMPED_SIGNATURE_HEX_LENGTH : SIGNATURE_HEX_LENGTH;
	const { bytes, byteRange } = appendSignatureField(pdf, entries, reserved, 'Segel Mufakat');
	const [, firstLength, secondStart, secondLength] = byteRange;
	const digest = digestOf('sha256', [bytes.subarray(0, firstLength), bytes.subarray(secondStart, secondStart + secondLength)]);
	const signature = signCadesDetached(digest, opened.privateKey, opened.certificates);
	const token = authority ? await requestTimeStampToken(authority, signature.signatureValue) : undefined;
	const cms = Buffer.from(signature.toDer(token)).toString('hex');
	if (cms.length > reserved) throw new Error(`signature needs ${cms.length} hex characters, ${reserved} reserved`);
	// Hex digits are ASCII: written in place over the zeros, after the '<'.
	bytes.set(Buffer.from(cms, 'latin1'), firstLength + 1);
	return bytes;
}
