import Database from 'better-sqlite3';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client } from '../helpers/http';
import { testPostgresUrl } from '../helpers/db';
import { databaseEnv, removeDir, startServer, type RunningServer } from '../helpers/server';
import { openServerDb } from '../helpers/server-db';

const PDF_PATH = '/workshops/1/minutes/1/berita-acara.pdf';
const work = mkdtempSync(join(tmpdir(), 'mufakat-backup-'));
const sha = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');
const evidence = Buffer.from('%PDF-1.4 SK Lurah Taman tentang Tim Pelaksana (bukti dukung)');

/** The archive copies the SQLite file: on PostgreSQL the backup is pg_dump's, and the app says so. */
const onPostgres = testPostgresUrl() !== null;

/** `npm run backup` / `npm run restore` against one data folder (and database), as an operator types them. */
function npmRun(script: 'backup' | 'restore', args: string[], target: string | RunningServer) {
	const database = typeof target === 'string' ? { DATABASE_PATH: target, DATABASE_URL: undefined } : databaseEnv(target);
	const run = spawnSync('npm', ['run', '--silent', script, '--', ...args], {
		encoding: 'utf8',
		env: { ...process.env, ...database, MUFAKAT_EVIDENCE_DIR: undefined, MUFAKAT_SEAL_SECRET: undefined }
	});
	return { status: run.status, out: `${run.stdout}${run.stderr}` };
}

function pdfsig(bytes: Buffer): string {
	const file = join(work, `check-${Math.random().toString(36).slice(2)}.pdf`);
	writeFileSync(file, bytes);
	const run = spawnSync('pdfsig', [file], { encoding: 'utf8' });
	return run.stdout + run.stderr;
}

async function verdict(server: RunningServer, bytes: Buffer): Promise<string> {
	const body = new FormData();
	body.append('pdf', new Blob([new Uint8Array(bytes)], { type: 'application/pdf' }), 'ba.pdf');
	const res = await fetch(server.url + '/verify', { method: 'POST', body, headers: { origin: server.url, accept: 'text/html' } });
	return /data-verdict="(\w+)"/.exec(await res.text())?.[1] ?? `no verdict (${res.status})`;
}

let original: RunningServer;
let restored: RunningServer | undefined;
let sealedPdf: Buffer;
let sealSecret: Buffer;
const downloaded = join(work, 'downloaded.tar.gz');
const fromCli = join(work, 'cli.tar.gz');
const restoredDir = join(work, 'restored');

beforeAll(async () => {
	original = await startServer();
});
afterAll(async () => {
	await original?.stop();
	await restored?.stop();
	removeDir(original.dir);
	removeDir(work);
});

describe('backup, wipe, restore', () => {
	it('the administrator downloads a backup at /admin/backup (on PostgreSQL: is told to use pg_dump); other staff cannot', async () => {
		const secretariat = new Client(original.url);
		await secretariat.login('sekretariat@mufakat.test', 'mufakat-demo');
		expect((await secretariat.get('/admin/backup')).status).toBe(403);
		expect((await secretariat.get('/admin/backup/mufakat-backup.tar.gz')).status).toBe(403);
		// A stranger is sent to sign in, and gets no archive.
		const stranger = await new Client(original.url).get('/admin/backup/mufakat-backup.tar.gz');
		expect(stranger.status).toBe(303);
		expect(stranger.headers.get('location')).toMatch(/^\/login\?next=/);

		const db = await openServerDb(original);
		await db.run("UPDATE users SET is_admin = 1 WHERE email = 'moderator@mufakat.test'");
		await db.close();
		const admin = new Client(original.url);
		await admin.login('moderator@mufakat.test', 'mufakat-demo');
		if (onPostgres) {
			expect(await (await admin.get('/admin/backup')).text()).toContain('cadangannya dibuat dengan pg_dump');
			const download = await admin.get('/admin/backup/mufakat-backup.tar.gz');
			expect(download.status).toBe(303);
			expect(download.headers.get('location')).toBe('/admin/backup');
			return;
		}
		expect(await (await admin.get('/admin/backup')).text()).toContain('Unduh cadangan');
		const res = await admin.get('/admin/backup/mufakat-backup.tar.gz');
		expect(res.status).toBe(200);
		expect(res.headers.get('content-type')).toBe('application/gzip');
		expect(res.headers.get('content-disposition')).toMatch(/attachment; filename="mufakat-backup-\d{8}-\d{4}\.tar\.gz"/);
		writeFileSync(downloaded, Buffer.from(await res.arrayBuffer()));
		const listing = spawnSync('tar', ['-tzf', downloaded], { encoding: 'utf8' }).stdout.split('\n');
		expect(listing).toEqual(expect.arrayContaining(['mufakat.db', 'seal.secret', 'manifest.json']));

		const pdf = await admin.get(PDF_PATH);
		expect(pdf.status).toBe(200);
		sealedPdf = Buffer.from(await pdf.arrayBuffer());
	});

	it.runIf(onPostgres)('npm run backup says that PostgreSQL is backed up with pg_dump, and writes nothing', () => {
		const backup = npmRun('backup', ['--out', fromCli], original);
		expect(backup.out).toContain('cadangannya dibuat dengan pg_dump');
		expect(backup.out).toContain('pg_dump --format=custom');
		expect(backup.status).toBe(1);
		expect(existsSync(fromCli)).toBe(false);
		expect(npmRun('backup', ['--out', fromCli, '--lang', 'en'], original).out).toContain('back it up with pg_dump');
	});

	it.skipIf(onPostgres)('npm run backup copies the running server’s data, evidence included', () => {
		mkdirSync(join(original.dir, 'evidence'), { recursive: true });
		writeFileSync(join(original.dir, 'evidence', sha(evidence)), evidence);
		sealSecret = readFileSync(join(original.dir, 'seal.secret'));
		const backup = npmRun('backup', ['--out', fromCli], original);
		expect(backup.out).toContain(`backup: wrote ${fromCli}`);
		expect(backup.out).toContain('1 evidence file(s)');
		expect(backup.status).toBe(0);
	});

	it.skipIf(onPostgres)('restored into an empty folder after the data is wiped, the server signs the demo moderator in and its sealed minutes still verify', async () => {
		await original.stop();
		removeDir(original.dir);
		const restore = npmRun('restore', [fromCli], join(restoredDir, 'mufakat.db'));
		expect(restore.out).toContain('restore: restored the backup of');
		expect(restore.status).toBe(0);
		expect(readFileSync(join(restoredDir, 'seal.secret'))).toEqual(sealSecret);
		expect(readFileSync(join(restoredDir, 'evidence', sha(evidence)))).toEqual(evidence);

		restored = await startServer({ dir: restoredDir });
		const moderator = new Client(restored.url);
		await moderator.login('moderator@mufakat.test', 'mufakat-demo');
		const res = await moderator.get(PDF_PATH);
		expect(res.status).toBe(200);
		const pdf = Buffer.from(await res.arrayBuffer());
		expect(sha(pdf)).toBe(sha(sealedPdf));
		const sig = pdfsig(pdf);
		expect(sig).toContain('Signature is Valid');
		expect(sig).toContain('Total document signed');
		expect(await verdict(restored, pdf)).toBe('genuine');
	});

	it.skipIf(onPostgres)('a restore into a folder that already has a database is refused and changes nothing', async () => {
		await restored!.stop();
		const before = readdirSync(restoredDir)
			.sort()
			.map((name) => (name === 'evidence' ? name : `${name}:${sha(readFileSync(join(restoredDir, name)))}`));
		const again = npmRun('restore', [downloaded], join(restoredDir, 'mufakat.db'));
		expect(again.status).toBe(1);
		expect(again.out).toContain('already holds a database. Nothing was changed');
		const after = readdirSync(restoredDir)
			.sort()
			.map((name) => (name === 'evidence' ? name : `${name}:${sha(readFileSync(join(restoredDir, name)))}`));
		expect(after).toEqual(before);
	});

	it.skipIf(onPostgres)('the downloaded archive restores too; with one byte changed it is refused', () => {
		const fromDownload = join(work, 'from-download');
		expect(npmRun('restore', [downloaded], join(fromDownload, 'mufakat.db')).status).toBe(0);
		const db = new Database(join(fromDownload, 'mufakat.db'), { readonly: true });
		expect((db.prepare('SELECT count(*) AS n FROM sealed_minutes').get() as { n: number }).n).toBeGreaterThan(0);
		db.close();

		const tar = gunzipSync(readFileSync(downloaded));
		const at = tar.indexOf(sealSecret);
		expect(at).toBeGreaterThan(0);
		tar[at] = tar[at] === 0x41 ? 0x42 : 0x41;
		const tampered = join(work, 'tampered.tar.gz');
		writeFileSync(tampered, gzipSync(tar));
		const target = join(work, 'from-tampered');
		const refused = npmRun('restore', [tampered], join(target, 'mufakat.db'));
		expect(refused.status).toBe(1);
		expect(refused.out).toMatch(/seal\.secret does not match the manifest/);
		expect(existsSync(target)).toBe(false);
	});
});
