/**
 * The sealed berita acara as outside tools and the public verify page judge it: PAdES B-B without
 * a time-stamping authority, B-T with a real RFC 3161 authority (OpenSSL) on a loopback port, B-B
 * again when the configured authority cannot be reached, and an official's later signature by
 * another key, with one changed byte in each signed range and bytes appended after the last one.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readSignedData, signatureTimeStampToken } from '../../src/lib/server/pdf/cms';
import { inspectPdfSignatures, parseSignatureContents } from '../../src/lib/server/pdf/verify';
import { Client } from '../helpers/http';
import { appendOfficialSignature, flipByte, makeOfficial, startLocalTsa, type LocalTsa, type Official } from '../helpers/pdf-signatures';
import { databaseEnv, freePort, removeDir, startServer, type RunningServer } from '../helpers/server';
import { runTool, writeTemp } from '../helpers/pdf-tools';

const PDF_PATH = '/workshops/1/minutes/1/berita-acara.pdf';
let work: string;

const run = runTool;

const file = (name: string, bytes: Uint8Array) => writeTemp(work, name, bytes);

async function sealedDemo(server: RunningServer): Promise<Uint8Array> {
	const moderator = new Client(server.url);
	await moderator.login('moderator@mufakat.test', 'mufakat-demo');
	const res = await moderator.get(PDF_PATH);
	expect(res.status).toBe(200);
	return new Uint8Array(await res.arrayBuffer());
}

/** The verify page's answer: the verdict and its text as a reader sees it. */
async function verifyPage(server: RunningServer, bytes: Uint8Array): Promise<{ verdict: string | undefined; text: string; html: string }> {
	const body = new FormData();
	body.append('pdf', new Blob([new Uint8Array(bytes)], { type: 'application/pdf' }), 'ba.pdf');
	const res = await fetch(server.url + '/verify', { method: 'POST', body, headers: { origin: server.url, accept: 'text/html' } });
	const html = await res.text();
	const section = /<section[^>]*data-testid="verify-result"[\s\S]*?<\/section>/.exec(html)?.[0] ?? '';
	const text = section
		.replace(/<[^>]+>/g, ' ')
		.replace(/&#39;|&apos;/g, "'")
		.replace(/&amp;/g, '&')
		.replace(/\s+/g, ' ')
		.trim();
	return { verdict: /data-verdict="(\w+)"/.exec(html)?.[1], text, html };
}

/** What pdftotext reads on the audit page, with all whitespace removed (wrapped URLs compare whole). */
function auditPage(pdfPath: string): string {
	const pages = run('pdftotext', ['-enc', 'UTF-8', pdfPath, '-']).out.split('\f');
	return pages.slice(pages.findIndex((p) => p.includes('Jejak Audit'))).join(' ').replace(/\s+/g, '');
}

function expectPadesValid(path: string) {
	const sig = run('pdfsig', [path]).out;
	expect(sig).toContain('Signature Type: ETSI.CAdES.detached');
	expect(sig).toContain('Signature Validation: Signature is Valid.');
	expect(sig).toContain('- Total document signed');
	const mutool = run('mutool', ['sign', '-v', path]).out;
	expect(mutool).toContain('The document is unchanged since signing.');
	const qpdf = run('qpdf', ['--check', path]);
	expect(qpdf.status).toBe(0);
	expect(qpdf.out).toContain('No syntax or stream encoding errors found');
}

beforeAll(() => {
	work = mkdtempSync(join(tmpdir(), 'mufakat-pades-'));
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('without a time-stamping authority', () => {
	let server: RunningServer;
	let sealed: Uint8Array;
	let official: Official;
	let twice: Uint8Array;

	beforeAll(async () => {
		server = await startServer({ env: { MUFAKAT_TSA_URL: undefined } });
		sealed = await sealedDemo(server);
		official = makeOfficial();
		twice = appendOfficialSignature(sealed, official);
	});
	afterAll(async () => {
		await server?.stop();
		if (server) removeDir(server.dir);
		if (official) rmSync(official.dir, { recursive: true, force: true });
	});

	it('seals PAdES B-B: pdfsig and mutool find it valid over the whole file, qpdf finds it clean', () => {
		const path = file('b-b.pdf', sealed);
		expectPadesValid(path);
		expect(auditPage(path)).toContain('Jamserverinisendiri;waktusegeltidakdicapolehotoritascapwaktu(TSA)pihakketiga.');
		const [seal] = inspectPdfSignatures(sealed, []).signatures;
		expect(seal?.timeStamp).toBeNull();
	});

	it('stays genuine when an official signs it later with another key, and the page names them', async () => {
		const path = file('twice.pdf', twice);
		const sig = run('pdfsig', [path]).out;
		const [first, second] = sig.split(/Signature #2:/);
		expect(first).toContain('Signature is Valid.');
		expect(second).toContain('Signature is Valid.');
		expect(second).toContain('Signer Certificate Common Name: Kepala Bappelitbangda Kota Madiun');
		expect(second).toContain('- Total document signed');
		expect(run('qpdf', ['--check', path]).status).toBe(0);

		const page = await verifyPage(server, twice);
		expect(page.verdict).toBe('genuine');
		expect(page.text).toContain('Disegel oleh Mufakat; ditandatangani kemudian oleh Kepala Bappelitbangda Kota Madiun, Pemerintah Kota Madiun.');
		expect(page.text).toMatch(/Tanda tangan 1: .+ \(segel Mufakat \(server ini\)\) valid: isi yang dicakup sama dengan yang ditandatangani · mencakup bita 0–(\d+) dari (\d+)/);
		expect(page.text).toContain(`mencakup bita 0–${sealed.length - 1} dari ${twice.length}`);
		expect(page.text).toMatch(/Tanda tangan 2: Kepala Bappelitbangda Kota Madiun, Pemerintah Kota Madiun \(penanda tangan lain\) valid/);
		expect(page.text).toContain(`mencakup bita 0–${twice.length - 1} dari ${twice.length}`);
		expect(page.text).toContain('Tidak ada data yang ditambahkan setelah tanda tangan terakhir.');
	});

	it('detects one changed byte in each signed range of either signature', async () => {
		const [seal, later] = inspectPdfSignatures(twice, []).signatures;
		const raw = Buffer.from(twice).toString('latin1');
		const sealEnd = seal!.coveredEnd;
		const [, a1, b1] = seal!.byteRange;
		const [, a2, b2] = later!.byteRange;
		const flips = [
			{ range: 'seal, first range', at: raw.indexOf('/Producer') + 1, sealBroken: true },
			{ range: 'seal, second range', at: raw.indexOf('/Reason (', b1) + '/Reason ('.length, sealBroken: true },
			{ range: 'later signature, first range', at: raw.indexOf('/T (Tanda', sealEnd) + '/T ('.length, sealBroken: false },
			{ range: 'later signature, second range', at: raw.indexOf('/Reason (Mengetahui', b2) + '/Reason ('.length, sealBroken: false }
		];
		for (const flip of flips) {
			// Each byte sits where the range says: the check below would be void otherwise.
			const inFirst = flip.sealBroken ? flip.at < a1 || (flip.at >= b1 && flip.at < sealEnd) : (flip.at >= sealEnd && flip.at < a2) || flip.at >= b2;
			expect(inFirst, flip.range).toBe(true);
			const changed = flipByte(twice, flip.at);
			const page = await verifyPage(server, changed);
			expect(page.verdict, flip.range).toBe('tampered');
			expect(page.text, flip.range).not.toContain('ditandatangani kemudian oleh');
			expect(page.text, flip.range).toContain('tidak valid: diubah setelah ditandatangani');
			if (!flip.sealBroken) expect(page.text, flip.range).toContain('Dokumen diubah setelah ditandatangani: tanda tangan ke-2 tidak cocok dengan isinya.');
		}
	});

	it('is judged the same way by `npm run verify`, signature by signature', async () => {
		// Asynchronously: a blocked event loop would let the server drop the keep-alive socket unseen.
		const cli = (path: string) =>
			new Promise<{ status: number | null; stdout: string }>((resolve, reject) => {
				const child = spawn(process.execPath, ['node_modules/tsx/dist/cli.mjs', 'scripts/verify.ts', path], { env: { ...process.env, ...databaseEnv(server) } });
				let stdout = '';
				child.stdout.on('data', (d) => (stdout += d));
				child.on('error', reject);
				child.on('close', (status) => resolve({ status, stdout }));
			});
		const good = await cli(file('cli-twice.pdf', twice));
		expect(good.status).toBe(0);
		expect(good.stdout).toContain(': genuine (berita acara');
		expect(good.stdout).toMatch(/#1 our seal: .+; ETSI\.CAdES\.detached; bytes 0-\d+ of \d+; valid/);
		expect(good.stdout).toMatch(/#2 other signer: Kepala Bappelitbangda Kota Madiun, Pemerintah Kota Madiun; adbe\.pkcs7\.detached; .+; valid/);
		expect(good.stdout).toContain('nothing appended after the last signature');
		const changedAt = Buffer.from(twice).indexOf('/Producer') + 1;
		const bad = await cli(file('cli-changed.pdf', flipByte(twice, changedAt)));
		expect(bad.status).toBe(2);
		expect(bad.stdout).toContain(': tampered');
		expect(bad.stdout).toMatch(/#1 our seal: .+; NOT valid/);
		expect(bad.stdout).toContain('digest mismatch');
	});

	it('detects bytes appended after the last signature', async () => {
		const appended = Buffer.concat([twice, Buffer.from('\n% ditambahkan kemudian\n')]);
		const page = await verifyPage(server, appended);
		expect(page.verdict).toBe('appended');
		expect(page.text).toContain('24 bita ditambahkan setelah tanda tangan terakhir');
		expect(run('pdfsig', [file('appended.pdf', appended)]).out).toContain('Not total document signed');
	});
});

describe('with an RFC 3161 time-stamping authority', () => {
	let tsa: LocalTsa;
	let server: RunningServer;
	let sealed: Uint8Array;

	beforeAll(async () => {
		tsa = await startLocalTsa();
		server = await startServer({ env: { MUFAKAT_TSA_URL: tsa.url } });
		sealed = await sealedDemo(server);
	});
	afterAll(async () => {
		await server?.stop();
		if (server) removeDir(server.dir);
		await tsa?.close();
	});

	it('seals PAdES B-T: a signature time-stamp token over the signature value, valid for OpenSSL', () => {
		const path = file('b-t.pdf', sealed);
		expectPadesValid(path);
		expect(tsa.requests()).toBeGreaterThanOrEqual(1);
		expect(auditPage(path)).toContain(`DicapolehotoritascapwaktuRFC3161(TSA):${tsa.url}`);

		const [seal] = inspectPdfSignatures(sealed, []).signatures;
		expect(seal?.timeStamp).toMatchObject({ authority: 'Mufakat Test TSA', valid: true });
		expect(Math.abs(seal!.timeStamp!.time.getTime() - Date.now())).toBeLessThan(10 * 60_000);
		// OpenSSL, not our code, checks the token: signed by the TSA, over this signature value.
		const raw = Buffer.from(sealed).toString('latin1');
		const [, a, b] = seal!.byteRange;
		const signerInfo = readSignedData(parseSignatureContents(raw.slice(a + 1, b - 1))).signerInfos[0]!;
		const token = signatureTimeStampToken(signerInfo)!;
		const imprint = createHash('sha256').update(new Uint8Array(signerInfo.signature.valueBlock.valueHexView)).digest('hex');
		const tokenPath = file('token.der', token);
		const verified = run('openssl', ['ts', '-verify', '-token_in', '-in', tokenPath, '-digest', imprint, '-CAfile', tsa.certificate]);
		expect(verified.out).toContain('Verification: OK');
		const wrong = run('openssl', ['ts', '-verify', '-token_in', '-in', tokenPath, '-digest', '00'.repeat(32), '-CAfile', tsa.certificate]);
		expect(wrong.out).not.toContain('Verification: OK');
	});

	it('shows the time-stamp on the verify page', async () => {
		const page = await verifyPage(server, sealed);
		expect(page.verdict).toBe('genuine');
		expect(page.text).toContain('cap waktu RFC 3161 dari Mufakat Test TSA:');
	});
});

describe('with a time-stamping authority that cannot be reached', () => {
	let server: RunningServer;
	let sealed: Uint8Array;

	beforeAll(async () => {
		// A port nobody listens on: the connection is refused at once.
		server = await startServer({ env: { MUFAKAT_TSA_URL: `http://127.0.0.1:${await freePort()}/tsa` } });
		sealed = await sealedDemo(server);
	});
	afterAll(async () => {
		await server?.stop();
		if (server) removeDir(server.dir);
	});

	it('still seals (PAdES B-B), says on the audit page that the time is the server’s, and logs a warning', () => {
		const path = file('unreachable.pdf', sealed);
		expectPadesValid(path);
		expect(auditPage(path)).toContain('Jamserverinisendiri;waktusegeltidakdicapolehotoritascapwaktu(TSA)pihakketiga.');
		expect(inspectPdfSignatures(sealed, []).signatures[0]?.timeStamp).toBeNull();
		expect(server.output()).toContain('minutes.seal.timeStampUnavailable');
	});
});
