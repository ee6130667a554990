/**
 * Restores a backup into a data folder that holds no database yet. Everything is unpacked into a
 * staging folder inside the data folder and checked against the manifest (every file present, its
 * size and SHA-256, nothing extra, the database passes SQLite's quick_check) before anything is
 * moved into place; a refused archive leaves the data folder as it was.
 */
import Database from 'better-sqlite3';
import { createHash } from 'node:crypto';
import { chmodSync, copyFileSync, createReadStream, createWriteStream, existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, unlinkSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { log } from '../log';
import { BACKUP_FORMAT, BACKUP_VERSION, DATABASE_NAME, isEvidenceName, isLogoName, MANIFEST_NAME, SEAL_SECRET_NAME, type Manifest } from './create';
import type { DataPaths } from './paths';
import { readTar, TarFormatError } from './tar';

export type RestoreRefusal = 'occupied' | 'unreadable' | 'notBackup' | 'damaged' | 'newer';

export class RestoreError extends Error {
	constructor(
		readonly reason: RestoreRefusal,
		message: string
	) {
		super(message);
	}
}

export type RestoreOptions = {
	/** Restore over an existing database: the files it would replace are moved aside first. */
	force?: boolean;
	/** drizzle's migration journal of this code, to refuse a backup made by a newer version. */
	migrationsFolder?: string;
};

export type RestoreResult = {
	manifest: Manifest;
	/** Where replaced files were moved, when there were any. */
	movedAside: string | null;
	notes: string[];
};

const MAX_MANIFEST_BYTES = 16 * 1024 * 1024;

/** Where an archive entry goes, relative to the staging folder; null for a name a backup never holds. */
function stagedName(name: string): string | null {
	if (name === MANIFEST_NAME || name === DATABASE_NAME || name === SEAL_SECRET_NAME) return name;
	const [folder, file, ...rest] = name.split('/');
	if (rest.length > 0 || !file) return null;
	if (folder === 'evidence' && isEvidenceName(file)) return name;
	if (folder === 'logos' && isLogoName(file)) return name;
	return null;
}

type Unpacked = { manifest: Buffer | null; files: Map<string, { size: number; sha256: string }> };

async function unpack(archive: Readable, staging: string): Promise<Unpacked> {
	const files = new Map<string, { size: number; sha256: string }>();
	let manifest: Buffer | null = null;
	const gunzip = createGunzip();
	const feeding = pipeline(archive, gunzip);
	// Its failure (a gzip error) also reaches readTar through gunzip; it is awaited below.
	feeding.catch(() => undefined);
	try {
		await readTar(gunzip, async (header, content) => {
			if (header.type === 'directory' && ['evidence/', 'logos/', 'evidence', 'logos'].includes(header.name)) return;
			const name = header.type === 'file' ? stagedName(header.name) : null;
			if (!name) throw new RestoreError('notBackup', `the archive holds ${JSON.stringify(header.name)}, which no Mufakat backup contains`);
			if (files.has(name) || (name === MANIFEST_NAME && manifest)) throw new RestoreError('damaged', `the archive holds ${name} twice`);
			if (name === MANIFEST_NAME) {
				if (header.size > MAX_MANIFEST_BYTES) throw new RestoreError('notBackup', 'manifest.json is too large');
				const parts: Buffer[] = [];
				for await (const piece of content) parts.push(piece);
				manifest = Buffer.concat(parts);
				return;
			}
			const target = join(staging, name);
			mkdirSync(dirname(target), { recursive: true });
			const hash = createHash('sha256');
			let size = 0;
			const out = createWriteStream(target, { mode: 0o600 });
			await pipeline(
				(async function* () {
					for await (const piece of content) {
						hash.update(piece);
						size += piece.length;
						yield piece;
					}
				})(),
				out
			);
			files.set(name, { size, sha256: hash.digest('hex') });
		});
		await feeding;
	} catch (e) {
		archive.destroy();
		await feeding.catch(() => undefined);
		if (e instanceof RestoreError) throw e;
		const why = e instanceof TarFormatError ? e.message : (e as Error).message;
		throw new RestoreError('unreadable', `the archive cannot be read (${why}): it is damaged, cut short, or not a Mufakat backup`);
	}
	return { manifest, files };
}

function parseManifest(bytes: Buffer | null): Manifest {
	if (!bytes) throw new RestoreError('notBackup', 'the archive has no manifest.json: it is not a Mufakat backup, or it was cut short');
	let manifest: Manifest;
	try {
		manifest = JSON.parse(bytes.toString('utf8')) as Manifest;
	} catch {
		throw new RestoreError('damaged', 'manifest.json is not valid JSON');
	}
	if (manifest?.format !== BACKUP_FORMAT || !Array.isArray(manifest.files)) throw new RestoreError('notBackup', 'manifest.json does not describe a Mufakat backup');
	if (manifest.version > BACKUP_VERSION) throw new RestoreError('newer', `the backup has format version ${manifest.version}; this Mufakat reads version ${BACKUP_VERSION} and older`);
	return manifest;
}

/** Every file the manifest lists is present with its size and SHA-256, and nothing else is. */
function checkAgainstManifest(manifest: Manifest, files: Unpacked['files']): void {
	const listed = new Set<string>();
	for (const entry of manifest.files) {
		const found = files.get(entry.path);
		if (!found) throw new RestoreError('damaged', `${entry.path} is listed in the manifest but missing from the archive`);
		if (found.size !== entry.size || found.sha256 !== entry.sha256) {
			throw new RestoreError('damaged', `${entry.path} does not match the manifest (SHA-256 ${found.sha256}, expected ${entry.sha256}): the archive was damaged or altered`);
		}
		listed.add(entry.path);
	}
	for (const name of files.keys()) if (!listed.has(name)) throw new RestoreError('damaged', `${name} is in the archive but not in the manifest`);
	if (!listed.has(DATABASE_NAME)) throw new RestoreError('notBackup', 'the archive holds no database');
}

/** The newest migration this code knows (drizzle's journal), or null when the journal is not there. */
function newestKnownMigration(folder: string): number | null {
	try {
		const journal = JSON.parse(readFileSync(join(folder, 'meta', '_journal.json'), 'utf8')) as { entries: { when: number }[] };
		return Math.max(...journal.entries.map((e) => e.when));
	} catch {
		return null;
	}
}

function checkDatabase(path: string): void {
	const db = new Database(path, { fileMustExist: true });
	try {
		const check = db.pragma('quick_check', { simple: true });
		if (check !== 'ok') throw new RestoreError('damaged', `the database in the archive fails SQLite's quick_check: ${String(check)}`);
	} finally {
		db.close();
	}
}

/** rename, or copy and delete when the target is on another file system (MUFAKAT_EVIDENCE_DIR). */
function move(from: string, to: string): void {
	try {
		renameSync(from, to);
	} catch (e) {
		if ((e as NodeJS.ErrnoException).code !== 'EXDEV') throw e;
		copyFileSync(from, to);
		unlinkSync(from);
	}
}

const sameContent = (a: string, b: string) => createHash('sha256').update(readFileSync(a)).digest('hex') === createHash('sha256').update(readFileSync(b)).digest('hex');

/**
 * Restores `archivePath` into the data folder of `paths`. Refuses (RestoreError, nothing changed)
 * when the folder already holds a database and `force` is not set, or when the archive does not
 * check out.
 */
export async function restoreBackup(archivePath: string, paths: DataPaths, options: RestoreOptions = {}): Promise<RestoreResult> {
	const existingDatabase = [paths.databasePath, `${paths.databasePath}-wal`, `${paths.databasePath}-shm`].filter((f) => existsSync(f));
	if (existsSync(paths.databasePath) && !options.force) {
		throw new RestoreError(
			'occupied',
			`${paths.databasePath} already holds a database. Nothing was changed. Restore into an empty data folder (point DATABASE_PATH at a new place), or stop the server and pass --force to move the current database and seal secret aside first.`
		);
	}
	if (!existsSync(archivePath)) throw new RestoreError('unreadable', `${archivePath} does not exist`);

	const createdDataDir = !existsSync(paths.dataDir);
	mkdirSync(paths.dataDir, { recursive: true });
	const staging = mkdtempSync(join(paths.dataDir, '.restore-'));
	try {
		const unpacked = await unpack(createReadStream(archivePath), staging);
		const manifest = parseManifest(unpacked.manifest);
		checkAgainstManifest(manifest, unpacked.files);
		checkDatabase(join(staging, DATABASE_NAME));
		const known = newestKnownMigration(options.migrationsFolder ?? resolve('drizzle'));
		if (!options.force && known !== null && manifest.lastMigrationAt !== null && manifest.lastMigrationAt > known) {
			throw new RestoreError('newer', 'the backup was made by a newer version of Mufakat than this one: update Mufakat first (or pass --force)');
		}

		// Everything checks out: from here on, files are moved into place, the database last, so that
		// a server started meanwhile never finds a database without its seal secret or evidence.
		const stamp = new Date().toISOString().replace(/[:.]/g, '-');
		const aside = join(paths.dataDir, `pre-restore-${stamp}`);
		const moveAside = (file: string) => {
			mkdirSync(aside, { recursive: true });
			move(file, join(aside, basename(file)));
		};
		const place = (name: string, target: string) => {
			const staged = join(staging, name);
			mkdirSync(dirname(target), { recursive: true });
			if (existsSync(target)) {
				if (sameContent(staged, target)) return;
				moveAside(target);
			}
			move(staged, target);
		};
		for (const entry of manifest.files) {
			if (entry.kind === 'evidence') place(entry.path, join(paths.evidenceDir, basename(entry.path)));
			if (entry.kind === 'logo') place(entry.path, join(paths.logosDir, basename(entry.path)));
		}
		if (manifest.files.some((f) => f.path === SEAL_SECRET_NAME)) {
			place(SEAL_SECRET_NAME, paths.sealSecretFile);
			chmodSync(paths.sealSecretFile, 0o600);
		}
		// The old database's -wal would be replayed into the restored one: it goes aside with it.
		for (const file of existingDatabase) moveAside(file);
		move(join(staging, DATABASE_NAME), paths.databasePath);
		chmodSync(paths.databasePath, 0o600);

		const notes: string[] = [];
		if (manifest.sealSecret === 'environment' && !paths.sealSecretInEnvironment) {
			notes.push('This backup holds no seal secret (the old server had MUFAKAT_SEAL_SECRET): set MUFAKAT_SEAL_SECRET to the same value before sealing minutes.');
		}
		if (manifest.sealSecret === 'file' && paths.sealSecretInEnvironment) {
			notes.push(`MUFAKAT_SEAL_SECRET is set here, so the server will ignore the restored ${paths.sealSecretFile}: unless both are the same secret, the restored seal keys cannot be opened. Unset MUFAKAT_SEAL_SECRET to use the restored file.`);
		}
		if (manifest.missingEvidence?.length) notes.push(`${manifest.missingEvidence.length} evidence file(s) were already missing when the backup was made.`);
		const movedAside = existsSync(aside) ? aside : null;
		log('info', 'backup.restored', { database: paths.databasePath, files: manifest.files.length, createdAt: manifest.createdAt, movedAside });
		return { manifest, movedAside, notes };
	} catch (e) {
		// A data folder this restore created goes again: a refused restore leaves no trace.
		if (createdDataDir) rmSync(paths.dataDir, { recursive: true, force: true });
		throw e;
	} finally {
		rmSync(staging, { recursive: true, force: true });
	}
}
