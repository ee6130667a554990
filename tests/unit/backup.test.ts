import Database from 'better-sqlite3';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { restoreBackup, RestoreError, writeBackupFile, type DataPaths } from '../../src/lib/server/backup';
import { openDatabase } from '../../src/lib/server/db/client';

const work = mkdtempSync(join(tmpdir(), 'mufakat-backup-unit-'));
const sha = (bytes: Buffer | string) => createHash('sha256').update(bytes).digest('hex');
const photo = Buffer.from('foto kegiatan posyandu kelurahan taman, triwulan 2');
const logo = Buffer.from('\x89PNG kop surat forpemma');

function pathsIn(dir: string, sealSecretInEnvironment = false): DataPaths {
	return {
		databasePath: join(dir, 'mufakat.db'),
		dataDir: dir,
		evidenceDir: join(dir, 'evidence'),
		logosDir: join(dir, 'logos'),
		sealSecretFile: join(dir, 'seal.secret'),
		sealSecretInEnvironment
	};
}

async function expectRefusal(run: Promise<unknown>, reason: string, message: RegExp) {
	const error = await run.then(
		() => null,
		(e: unknown) => e
	);
	expect(error).toBeInstanceOf(RestoreError);
	expect((error as RestoreError).reason).toBe(reason);
	expect((error as RestoreError).message).toMatch(message);
}

const source = pathsIn(join(work, 'source'));
const archive = join(work, 'backup.tar.gz');

beforeAll(async () => {
	const db = openDatabase(source.databasePath);
	db.$client.prepare("INSERT INTO settings (key, value) VALUES ('marker', 'sebelum dicadangkan')").run();
	mkdirSync(source.evidenceDir);
	writeFileSync(join(source.evidenceDir, sha(photo)), photo);
	// A file still being written by the server (temp name) is not evidence yet.
	writeFileSync(join(source.evidenceDir, `.${sha(photo)}.abc.tmp`), 'half');
	mkdirSync(source.logosDir);
	writeFileSync(join(source.logosDir, 'forpemma.png'), logo);
	writeFileSync(source.sealSecretFile, 'rahasia-segel-forum');
	await writeBackupFile(db.$client, source, archive);
	db.$client.close();
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('a backup archive', () => {
	it('holds the database, the seal secret, evidence and logos, with their hashes in the manifest, and opens with tar', () => {
		const listing = spawnSync('tar', ['-tzf', archive], { encoding: 'utf8' });
		expect(listing.status).toBe(0);
		expect(listing.stdout.trim().split('\n').sort()).toEqual(['evidence/' + sha(photo), 'logos/forpemma.png', 'manifest.json', 'mufakat.db', 'seal.secret'].sort());
		const manifest = JSON.parse(spawnSync('tar', ['-xzOf', archive, 'manifest.json'], { encoding: 'utf8' }).stdout);
		expect(manifest).toMatchObject({ format: 'mufakat-backup', version: 1, sealSecret: 'file', source: { databasePath: source.databasePath } });
		expect(manifest.files.find((f: { path: string }) => f.path === 'seal.secret')).toEqual({ path: 'seal.secret', kind: 'sealSecret', size: 19, sha256: sha('rahasia-segel-forum') });
		expect(manifest.lastMigrationAt).toBeGreaterThan(0);
	});

	it('restores into an empty folder, every file as it was', async () => {
		const target = pathsIn(join(work, 'restored'));
		await restoreBackup(archive, target);
		const db = new Database(target.databasePath, { readonly: true });
		expect(db.prepare("SELECT value FROM settings WHERE key = 'marker'").get()).toEqual({ value: 'sebelum dicadangkan' });
		db.close();
		expect(readFileSync(target.sealSecretFile, 'utf8')).toBe('rahasia-segel-forum');
		expect(readFileSync(join(target.evidenceDir, sha(photo)))).toEqual(photo);
		expect(readFileSync(join(target.logosDir, 'forpemma.png'))).toEqual(logo);
		expect(readdirSync(target.dataDir).filter((n) => n.startsWith('.restore-'))).toEqual([]);
	});

	it('is refused over an existing database, which stays as it was; --force moves it aside', async () => {
		const target = pathsIn(join(work, 'occupied'));
		openDatabase(target.databasePath).$client.close();
		writeFileSync(target.sealSecretFile, 'rahasia-lama');
		const before = sha(readFileSync(target.databasePath));
		await expectRefusal(restoreBackup(archive, target), 'occupied', /already holds a database\. Nothing was changed/);
		expect(sha(readFileSync(target.databasePath))).toBe(before);
		expect(readFileSync(target.sealSecretFile, 'utf8')).toBe('rahasia-lama');
		expect(readdirSync(target.dataDir).sort()).toEqual(['mufakat.db', 'seal.secret']);

		const { movedAside } = await restoreBackup(archive, target, { force: true });
		expect(readFileSync(target.sealSecretFile, 'utf8')).toBe('rahasia-segel-forum');
		expect(sha(readFileSync(join(movedAside!, 'mufakat.db')))).toBe(before);
		expect(readFileSync(join(movedAside!, 'seal.secret'), 'utf8')).toBe('rahasia-lama');
	});

	it('is refused when one byte of a file was changed, or when it was cut short, and leaves nothing behind', async () => {
		const tar = gunzipSync(readFileSync(archive));
		const at = tar.indexOf(photo);
		expect(at).toBeGreaterThan(0);
		tar[at + 5] = tar[at + 5]! ^ 0x01;
		const tampered = join(work, 'tampered.tar.gz');
		writeFileSync(tampered, gzipSync(tar));
		const target = pathsIn(join(work, 'tampered-target'));
		await expectRefusal(restoreBackup(tampered, target), 'damaged', new RegExp(`evidence/${sha(photo)} does not match the manifest`));
		expect(existsSync(target.dataDir)).toBe(false);

		const truncated = join(work, 'truncated.tar.gz');
		const whole = readFileSync(archive);
		writeFileSync(truncated, whole.subarray(0, Math.floor(whole.length / 2)));
		await expectRefusal(restoreBackup(truncated, target), 'unreadable', /cannot be read/);
		expect(existsSync(target.dataDir)).toBe(false);
	});

	it('says so when the seal secret lives in MUFAKAT_SEAL_SECRET, and leaves it out', async () => {
		const envArchive = join(work, 'env.tar.gz');
		const db = new Database(source.databasePath);
		const manifest = await writeBackupFile(db, { ...source, sealSecretInEnvironment: true }, envArchive);
		db.close();
		expect(manifest.sealSecret).toBe('environment');
		expect(manifest.files.map((f) => f.path)).not.toContain('seal.secret');
		expect(manifest.notes.join(' ')).toMatch(/MUFAKAT_SEAL_SECRET is set on this server and is not written to backups/);
		const { notes } = await restoreBackup(envArchive, pathsIn(join(work, 'env-target')));
		expect(notes.join(' ')).toMatch(/set MUFAKAT_SEAL_SECRET to the same value/);
	});
});
