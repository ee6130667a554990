/**
 * Real outside parties for signature tests: an RFC 3161 time-stamping authority (OpenSSL's
 * `openssl ts -reply` behind a small HTTP handler on a loopback port) and an official who signs a
 * sealed PDF later with a key of their own (`openssl cms -sign`), as an incremental update.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { appendSignatureField } from '../../src/lib/server/pdf/incremental-update';

function openssl(args: string[], cwd: string): string {
	const result = spawnSync('openssl', args, { cwd, encoding: 'latin1' });
	if (result.status !== 0) throw new Error(`openssl ${args.join(' ')}: ${result.stderr}`);
	return result.stdout;
}

/** A self-signed key pair for `subject` ("/CN=…/O=…"), with extra extensions (`-addext` values). */
export function makeCertificate(dir: string, name: string, subject: string, extensions: string[]): { key: string; cert: string } {
	const key = join(dir, `${name}.key`);
	const cert = join(dir, `${name}.crt`);
	openssl(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '2', '-subj', subject, ...extensions.flatMap((e) => ['-addext', e])], dir);
	return { key, cert };
}

export type LocalTsa = { url: string; dir: string; certificate: string; requests: () => number; close: () => Promise<void> };

/** An RFC 3161 authority answering POSTs with `openssl ts -reply`, one request at a time. */
export async function startLocalTsa(): Promise<LocalTsa> {
	const dir = mkdtempSync(join(tmpdir(), 'mufakat-tsa-'));
	const { key, cert } = makeCertificate(dir, 'tsa', '/CN=Mufakat Test TSA/O=Uji Cap Waktu', [
		'basicConstraints=critical,CA:FALSE',
		'keyUsage=critical,digitalSignature,nonRepudiation',
		'extendedKeyUsage=critical,timeStamping'
	]);
	writeFileSync(join(dir, 'serial'), '01\n');
	writeFileSync(
		join(dir, 'tsa.cnf'),
		[
			'[ tsa ]',
			'default_tsa = local',
			'[ local ]',
			`serial = ${join(dir, 'serial')}`,
			'crypto_device = builtin',
			`signer_cert = ${cert}`,
			`certs = ${cert}`,
			`signer_key = ${key}`,
			'signer_digest = sha256',
			'default_policy = 1.3.6.1.4.1.99999.1',
			'digests = sha256, sha384, sha512',
			'accuracy = secs:1',
			'ordering = yes',
			'tsa_name = yes',
			'ess_cert_id_chain = no',
			'ess_cert_id_alg = sha256',
			''
		].join('\n')
	);
	let count = 0;
	let queue = Promise.resolve();
	const server: Server = createServer((req, res) => {
		const chunks: Buffer[] = [];
		req.on('data', (c: Buffer) => chunks.push(c));
		req.on('end', () => {
			queue = queue.then(() => {
				count++;
				const query = join(dir, `q${count}.tsq`);
				const reply = join(dir, `r${count}.tsr`);
				writeFileSync(query, Buffer.concat(chunks));
				const result = spawnSync('openssl', ['ts', '-reply', '-config', join(dir, 'tsa.cnf'), '-queryfile', query, '-out', reply], { cwd: dir, encoding: 'latin1' });
				if (result.status !== 0) {
					res.writeHead(500).end(result.stderr);
					return;
				}
				res.writeHead(200, { 'content-type': 'application/timestamp-reply' }).end(readFileSync(reply));
			});
		});
	});
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	const address = server.address();
	const port = typeof address === 'object' && address ? address.port : 0;
	return {
		url: `http://127.0.0.1:${port}/tsa`,
		dir,
		certificate: cert,
		requests: () => count,
		close: () =>
			new Promise<void>((resolve) =>
				server.close(() => {
					rmSync(dir, { recursive: true, force: true });
					resolve();
				})
			)
	};
}

export type Official = { dir: string; key: string; cert: string };

/** An official with a certificate of their own (not ours): "Kepala Bappelitbangda", say. */
export function makeOfficial(commonName = 'Kepala Bappelitbangda Kota Madiun', organization = 'Pemerintah Kota Madiun'): Official {
	const dir = mkdtempSync(join(tmpdir(), 'mufakat-official-'));
	const { key, cert } = makeCertificate(dir, 'official', `/CN=${commonName}/O=${organization}`, [
		'basicConstraints=critical,CA:FALSE',
		'keyUsage=critical,digitalSignature,nonRepudiation'
	]);
	return { dir, key, cert };
}

/**
 * The official signs `pdf` later: a new signature field and /Sig dictionary with a /ByteRange
 * placeholder are appended after %%EOF as an incremental update, and the byte ranges are signed
 * with `openssl cms -sign -binary` (adbe.pkcs7.detached, as many signing tools still write).
 */
export function appendOfficialSignature(pdf: Uint8Array, official: Official): Uint8Array {
	const entries = ['/Filter /Adobe.PPKLite', '/SubFilter /adbe.pkcs7.detached', '/Reason (Mengetahui)', '/M (D:20261201090000+07\'00\')'].join('\n');
	const { bytes, byteRange } = appendSignatureField(pdf, entries, 16_384, 'Tanda tangan pejabat');
	const [, a, b, c] = byteRange;
	const content = join(official.dir, 'content.bin');
	const signature = join(official.dir, 'signature.der');
	writeFileSync(content, Buffer.concat([bytes.subarray(0, a), bytes.subarray(b, b + c)]));
	execFileSync('openssl', ['cms', '-sign', '-binary', '-in', content, '-signer', official.cert, '-inkey', official.key, '-md', 'sha256', '-outform', 'DER', '-out', signature, '-nosmimecap']);
	const hex = readFileSync(signature).toString('hex');
	bytes.set(Buffer.from(hex, 'latin1'), a + 1);
	return bytes;
}

/** Flips one byte at `at` (a letter's case): a change nobody could see but every signature must. */
export function flipByte(pdf: Uint8Array, at: number): Uint8Array {
	const copy = Uint8Array.from(pdf);
	copy[at] = copy[at]! ^ 0x20;
	return copy;
}
