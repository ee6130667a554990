/**
 * The signed minutes PDF as an outsider sees it: poppler's pdfsig, pdftotext and pdffonts, and
 * qpdf read the real file; our own verifier is checked against the same tampering.
 */
import { generateKeyPairSync, X509Certificate } from 'node:crypto';
import { mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import forge from 'node-forge';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MinutesDocument } from '../../src/lib/server/pdf/minutes-document';
import { renderMinutesPdf } from '../../src/lib/server/pdf/render-minutes';
import { asciiName, createSealCertificate, inspectP12, P12Error, sealPdf, type SealCertificate } from '../../src/lib/server/pdf/seal';
import { inspectPdfSignatures, sha256Hex } from '../../src/lib/server/pdf/verify';
import { madiunMinutes } from './fixtures/minutes';
import { runTool, writeTemp, flatText } from '../helpers/pdf-tools';

const EXTRA_MATRIX_ROWS = 30;
const SEAL_INFO = { reason: 'Segel berita acara Forpemma', location: 'Kota Madiun', name: 'Forpemma - Mufakat' };

let dir: string;
let doc: MinutesDocument;
let unsealed: Uint8Array;
let sealed: Uint8Array;
let seal: SealCertificate;
let pages: string[];

const run = runTool;

const file = (name: string, bytes: Uint8Array) => writeTemp(dir, name, bytes);

const flat = flatText;

function expectError(action: () => unknown, reason: P12Error['reason']) {
	try {
		action();
	} catch (error) {
		expect(error).toBeInstanceOf(P12Error);
		expect((error as P12Error).reason).toBe(reason);
		return;
	}
	throw new Error(`expected a P12Error (${reason})`);
}

beforeAll(async () => {
	dir = mkdtempSync(join(tmpdir(), 'mufakat-pdf-'));
	doc = madiunMinutes({ extraMatrixRows: EXTRA_MATRIX_ROWS });
	unsealed = await renderMinutesPdf(doc);
	// An em dash in the requested name: the certificate must still come out ASCII and verify.
	seal = createSealCertificate('Forpemma — segel sistem Mufakat (tidak tersertifikasi)');
	sealed = await sealPdf(unsealed, seal, SEAL_INFO);
	const text = run('pdftotext', ['-enc', 'UTF-8', file('sealed.pdf', sealed), '-']).out;
	pages = text.split('\f').slice(0, -1);

	// Renderings for people to look at: first page, matrix, where the signatures start, audit.
	const out = join('test-output', 'pdf');
	mkdirSync(out, { recursive: true });
	const pageWith = (text: string) => pages.findIndex((p) => p.includes(text)) + 1;
	for (const [page, name] of [
		[1, 'minutes-first-page'],
		[pageWith('Lembaga/Instansi (Unsur)'), 'minutes-matrix'],
		[pageWith('Para Pihak,'), 'minutes-signatures'],
		[pageWith('Jejak Audit'), 'minutes-audit']
	] as const) {
		run('pdftoppm', ['-png', '-r', '60', '-f', String(page), '-l', String(page), '-singlefile', join(dir, 'sealed.pdf'), join(dir, name)]);
		renameSync(join(dir, `${name}.png`), join(out, `${name}.png`));
	}
	writeFileSync(join(out, 'minutes-sealed.pdf'), sealed);
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('minutes PDF', () => {
	it('is sealed with a signature pdfsig finds valid and covering the whole document', () => {
		const { out } = run('pdfsig', [join(dir, 'sealed.pdf')]);
		expect(out).toContain('Signature Validation: Signature is Valid.');
		expect(out).toContain('- Total document signed');
		expect(out).not.toContain('Not total document signed');
		expect(out).toContain('Signature Type: ETSI.CAdES.detached');
		expect(out).toContain('Signing Hash Algorithm: SHA-256');
		expect(out).toContain('Signer Certificate Common Name: Forpemma - segel sistem Mufakat (tidak tersertifikasi)');
	});

	it('passes qpdf --check and keeps a classic xref table', () => {
		const { status, out } = run('qpdf', ['--check', join(dir, 'sealed.pdf')]);
		expect(status).toBe(0);
		expect(out).toContain('No syntax or stream encoding errors found');
		const raw = Buffer.from(sealed).toString('latin1');
		expect(raw).not.toMatch(/\/Type\s*\/(XRef|ObjStm)\b/);
		expect(raw.match(/\nxref\n/g)).toHaveLength(2);
	});

	it('embeds DejaVu Sans as a subset', () => {
		const { out } = run('pdffonts', [join(dir, 'sealed.pdf')]);
		const fonts = out.split('\n').filter((line) => /DejaVuSans/.test(line));
		expect(fonts.length).toBe(2);
		// name, type, encoding, then emb, sub, uni: embedded, subset (ABCDEF+ prefix), with a ToUnicode map.
		for (const line of fonts) expect(line).toMatch(/^[A-Z]{6}\+DejaVuSans(-Bold)?\s+CID TrueType\s+Identity-H\s+yes\s+yes\s+yes/);
	});

	it('reads back the title, every party by name (with ’, ʼ and é) and every agreed point', () => {
		const all = flat(pages.join(' '));
		expect(pages[0]).toContain('BERITA ACARA');
		expect(all).toContain(`Nomor: ${doc.nomor}`);
		for (const party of doc.parties) expect(all).toContain(flat(party.name));
		// The real glyphs round-trip: U+2019 in Ma’ruf, U+02BC in Syafiʼi, a precomposed é.
		expect(all).toContain('Ma\u2019ruf Hidayat');
		expect(all).toContain('Ahmad Syafi\u02bci');
		expect(all).toContain('Pdt. Jos\u00e9 Manuputty');
		for (const point of doc.agreedPoints) expect(all).toContain(flat(point));
		expect(all).toContain(flat(doc.closingFormula));
		expect(all).toContain('Halaman 1 dari');
		expect(flat(pages.at(-1)!)).toContain(`Halaman ${pages.length} dari ${pages.length}`);
	});

	it('runs the matrix over landscape pages with the header row on each and no row cut in two', () => {
		const sizes = run('pdfinfo', ['-f', '1', '-l', String(pages.length), join(dir, 'sealed.pdf')]).out;
		const landscape = new Set([...sizes.matchAll(/Page\s+(\d+) size:\s+841\.89 x 595\.28/g)].map((m) => Number(m[1]) - 1));
		const matrixPages = pages.map((text, i) => ({ text: flat(text), i })).filter((p) => p.text.includes('Lembaga/Instansi (Unsur)'));
		expect(matrixPages.length).toBeGreaterThanOrEqual(3);
		for (const page of matrixPages) {
			expect(landscape.has(page.i)).toBe(true);
			for (const component of doc.matrix!.components) expect(page.text).toContain(component);
		}
		for (const page of matrixPages.slice(1)) expect(page.text).toContain('Matriks Peran dan Kontribusi Parapihak (lanjutan)');
		for (let n = 1; n <= EXTRA_MATRIX_ROWS; n++) {
			const holding = matrixPages.filter((p) => p.text.includes(`Kelurahan Replikasi ${n} `));
			expect(holding, `row ${n}`).toHaveLength(1);
			expect(holding[0]!.text).toContain(`ke-${n};`);
		}
	});

	it('shows signatures, the daftar hadir annex and an audit page with hashes and the verify link', () => {
		const signaturePages = flat(pages.filter((p) => /Para Pihak,|Saksi,|Mengetahui,/.test(p)).join(' '));
		for (const s of doc.signatures) expect(signaturePages).toContain(flat(s.name));
		const annex = pages.filter((p) => p.includes('Lampiran: Daftar Hadir')).map(flat).join(' ');
		expect(annex).toContain('Tanda tangan');
		for (const a of doc.attendance) expect(annex).toContain(a.time);
		const audit = pages.slice(pages.findIndex((p) => p.includes('Jejak Audit'))).join(' ');
		const compact = audit.replace(/\s+/g, '');
		expect(compact).toContain(doc.audit.textHash);
		expect(compact).toContain(doc.audit.matrixHash!);
		expect(flat(audit)).toContain(doc.audit.verifyUrl);
		expect(flat(audit)).toContain('tanda tangan elektronik tidak tersertifikasi');
		expect(flat(audit)).toContain('Senin, 8 November 2021 pukul 14.00 WIB');
	});

	it('is PAdES B-B: mutool agrees, and the CMS has no signing-time but a signing-certificate-v2', () => {
		const { out } = run('mutool', ['sign', '-v', join(dir, 'sealed.pdf')]);
		expect(out).toContain('The document is unchanged since signing.');
		expect(out).toContain('cn=Forpemma - segel sistem Mufakat (tidak tersertifikasi)');
		const [signature] = inspectPdfSignatures(sealed, [seal]).signatures;
		const raw = Buffer.from(sealed).toString('latin1');
		const [, a, b] = signature!.byteRange;
		writeFileSync(join(dir, 'cms.der'), Buffer.from(raw.slice(a + 1, b - 1).replace(/(00)+$/, ''), 'hex'));
		const printed = run('openssl', ['cms', '-cmsout', '-print', '-inform', 'DER', '-in', join(dir, 'cms.der')]).out;
		expect(printed).toContain('id-smime-aa-signingCertificateV2');
		expect(printed).toContain('messageDigest');
		expect(printed).not.toContain('signingTime');
		expect(raw).toMatch(/\/SubFilter \/ETSI\.CAdES\.detached\n\/M \(D:\d{14}Z\)/);
	});

	it('is recognised by our verifier as sealed by us, untouched, over the whole file', () => {
		const inspection = inspectPdfSignatures(sealed, [{ fingerprint: seal.fingerprint }]);
		expect(inspection.signatures).toHaveLength(1);
		expect(inspection.appendedAfterLast).toBe(0);
		expect(inspection.fileSha256).toBe(sha256Hex(sealed));
		const [signature] = inspection.signatures;
		expect(signature).toMatchObject({ ours: true, valid: true, digestMatches: true, signatureValid: true, subFilter: 'ETSI.CAdES.detached', coveredEnd: sealed.length, timeStamp: null, problems: [] });
		expect(signature!.signerCommonName).toBe('Forpemma - segel sistem Mufakat (tidak tersertifikasi)');
		expect(signature!.signerOrganization).toBe('Mufakat');
		expect(Math.abs(signature!.claimedTime!.getTime() - Date.now())).toBeLessThan(10 * 60_000);
		expect(signature!.byteRange[0]).toBe(0);

		const [stranger] = inspectPdfSignatures(sealed, [{ fingerprint: 'AA:'.repeat(31) + 'AA' }]).signatures;
		expect(stranger).toMatchObject({ ours: false, valid: true });
		expect(inspectPdfSignatures(unsealed, [seal]).signatures).toHaveLength(0);
	});

	it('reports a changed byte inside the signed range as a digest mismatch', () => {
		const tampered = Uint8Array.from(sealed);
		// Page text is compressed; change a readable byte instead: a key of the document information.
		const at = Buffer.from(tampered).indexOf('/Producer');
		tampered[at + 1] = 'p'.charCodeAt(0);
		expect(run('pdfsig', [file('tampered.pdf', tampered)]).out).toMatch(/Signature is Invalid|Digest Mismatch/);
		const [signature] = inspectPdfSignatures(tampered, [seal]).signatures;
		expect(signature).toMatchObject({ ours: true, valid: false, digestMatches: false, signatureValid: true });
		expect(signature!.problems.join(' ')).toContain('digest mismatch');
	});

	it('reports bytes appended after the seal: the seal no longer covers the whole file', () => {
		const appended = Buffer.concat([sealed, Buffer.from('\n% appended after sealing\n')]);
		const { out } = run('pdfsig', [file('appended.pdf', appended)]);
		expect(out).toContain('Not total document signed');
		const inspection = inspectPdfSignatures(appended, [seal]);
		expect(inspection.appendedAfterLast).toBe(26);
		expect(inspection.signatures[0]).toMatchObject({ valid: true, coveredEnd: sealed.length });
	});

	it('leaves the seal valid when an official adds a signature later by incremental update', async () => {
		const official = createSealCertificate('Kepala Bappelitbangda Kota Madiun (test)');
		const twice = await sealPdf(sealed, official, { reason: 'Mengetahui', location: 'Kota Madiun', name: 'Kepala Bappelitbangda' });
		expect(Buffer.from(twice.subarray(0, sealed.length)).equals(Buffer.from(sealed))).toBe(true);
		const { out } = run('pdfsig', [file('twice.pdf', twice)]);
		const [first, second] = out.split(/Signature #2:/);
		expect(first).toContain('Signature is Valid.');
		expect(first).toContain('Not total document signed');
		expect(second).toContain('Signature is Valid.');
		expect(second).toContain('- Total document signed');
		expect(run('qpdf', ['--check', join(dir, 'twice.pdf')]).status).toBe(0);
		const inspection = inspectPdfSignatures(twice, [seal]);
		expect(inspection.signatures.map((s) => [s.ours, s.valid, s.signerCommonName])).toEqual([
			[true, true, 'Forpemma - segel sistem Mufakat (tidak tersertifikasi)'],
			[false, true, 'Kepala Bappelitbangda Kota Madiun (test)']
		]);
		expect(inspection.signatures[0]!.coveredEnd).toBe(sealed.length);
		expect(inspection.appendedAfterLast).toBe(0);
	});

	it('renders minutes without a matrix, notes or changes', async () => {
		const bare: MinutesDocument = { ...madiunMinutes({ signers: 3 }), matrix: null, notes: '', changesSinceLastMeeting: [], commitments: [] };
		bare.audit = { ...bare.audit, matrixHash: null };
		const text = flat(run('pdftotext', ['-enc', 'UTF-8', file('bare.pdf', await renderMinutesPdf(bare)), '-']).out);
		expect(text).toContain('BERITA ACARA');
		expect(text).not.toContain('Lembaga/Instansi (Unsur)');
		expect(text).not.toContain('Catatan:');
		expect(text).not.toContain('Komitmen Bersama');
	});

	it('embeds signatures as images on the PNG route (benchmark only)', async () => {
		const small = madiunMinutes({ signers: 3 });
		const path = file('png.pdf', await renderMinutesPdf(small, { signatureStyle: 'png' }));
		// Each signature appears twice (block and annex) but is stored once: 3 image objects, 600 px wide.
		const images = run('pdfimages', ['-list', path])
			.out.split('\n')
			.map((line) => line.trim().split(/\s+/))
			.filter((cols) => cols[2] === 'image');
		expect(images).toHaveLength(6);
		expect(new Set(images.map((cols) => cols[10])).size).toBe(3);
		for (const cols of images) expect(cols[3]).toBe('600');
		expect(run('qpdf', ['--check', path]).status).toBe(0);
	});
});

describe('seal certificate', () => {
	it('says it is not certified, is no CA, and may only sign', () => {
		const x509 = new X509Certificate(seal.certificatePem);
		expect(x509.ca).toBe(false);
		expect(x509.subject).toMatch(/not certified/);
		expect(x509.fingerprint256).toBe(seal.fingerprint);
		expect(seal.notAfter.getUTCFullYear() - new Date().getUTCFullYear()).toBe(5);
		const cert = forge.pki.certificateFromPem(seal.certificatePem);
		expect(cert.getExtension('keyUsage')).toMatchObject({ critical: true, digitalSignature: true, nonRepudiation: true, keyEncipherment: false });
		expect(cert.getExtension('basicConstraints')).toMatchObject({ critical: true, cA: false });
		expect(asciiName('Forpemma — segel “sistem” Ma’ruf Syafiʼi José')).toBe('Forpemma - segel "sistem" Ma\'ruf Syafi\'i Jose');
	});

	it('inspectP12 accepts a good file and names each reason to refuse one', async () => {
		const info = inspectP12(seal.p12, seal.passphrase);
		expect(info.fingerprint).toBe(seal.fingerprint);
		expect(info.commonName).toBe('Forpemma - segel sistem Mufakat (tidak tersertifikasi)');

		expectError(() => inspectP12(seal.p12, 'wrong passphrase'), 'badPassphrase');
		expectError(() => inspectP12(Buffer.from('not a pkcs12 file'), 'x'), 'badPassphrase');

		const sixYearsAgo = new Date(Date.now() - 6 * 365 * 86_400_000);
		const expired = createSealCertificate('Expired seal', { notBefore: sixYearsAgo });
		expectError(() => inspectP12(expired.p12, expired.passphrase), 'expired');
		await expect(sealPdf(unsealed, expired, SEAL_INFO)).rejects.toMatchObject({ reason: 'expired' });
		expectError(() => inspectP12(seal.p12, seal.passphrase, new Date(Date.now() - 86_400_000)), 'notYetValid');

		// Files a certification authority or a careless export might produce.
		const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
		const key = forge.pki.privateKeyFromPem(privateKey.export({ type: 'pkcs1', format: 'pem' }).toString()) as forge.pki.rsa.PrivateKey;
		const cert = forge.pki.createCertificate();
		cert.publicKey = forge.pki.setRsaPublicKey(key.n, key.e);
		cert.serialNumber = '01';
		cert.validity.notBefore = new Date(Date.now() - 86_400_000);
		cert.validity.notAfter = new Date(Date.now() + 86_400_000);
		cert.setSubject([{ name: 'commonName', value: 'Encryption only' }]);
		cert.setIssuer([{ name: 'commonName', value: 'Encryption only' }]);
		cert.setExtensions([{ name: 'keyUsage', critical: true, keyEncipherment: true, dataEncipherment: true }]);
		cert.sign(key, forge.md.sha256.create());
		const p12 = (k: forge.pki.rsa.PrivateKey | null) => Buffer.from(forge.asn1.toDer(forge.pkcs12.toPkcs12Asn1(k, [cert], 'pw', { algorithm: '3des' })).getBytes(), 'binary');
		expectError(() => inspectP12(p12(key), 'pw'), 'keyUsage');
		expectError(() => inspectP12(p12(null), 'pw'), 'noKey');
	});
});
