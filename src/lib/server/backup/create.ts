/**
 * Writes a backup: one tar.gz with a consistent copy of the database (SQLite's online backup, so a
 * running server keeps writing meanwhile), the seal secret, the evidence files, the letterhead
 * logos, and manifest.json (last) listing each file with its SHA-256.
 *
 * Files sit in the archive as they sit in the data folder (mufakat.db, seal.secret, evidence/…,
 * logos/…), so the archive can also be unpacked by hand with tar.
 */
import Database from 'better-sqlite3';
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream, existsSync, fstatSync, mkdtempSync, openSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import { log } from '../log';
import type { DataPaths } from './paths';
import { TAR_END, tarHeader, tarPadding } from './tar';

export const MANIFEST_NAME = 'manifest.json';
export const DATABASE_NAME = 'mufakat.db';
export const SEAL_SECRET_NAME = 'seal.secret';
export const BACKUP_FORMAT = 'mufakat-backup';
export const BACKUP_VERSION = 1;

export type BackupFileKind = 'database' | 'sealSecret' | 'evidence' | 'logo';
export type ManifestFile = { path: string; kind: BackupFileKind; size: number; sha256: string };

export type Manifest = {
	format: typeof BACKUP_FORMAT;
	version: number;
	createdAt: string;
	source: { databasePath: string; evidenceDir: string; host: string };
	/** Where the seal secret was: in the archive (`file`), only in MUFAKAT_SEAL_SECRET (`environment`), nowhere yet (`none`). */
	sealSecret: 'file' | 'environment' | 'none';
	/** The newest migration applied to the copied database (drizzle's created_at), to refuse restoring into older code. */
	lastMigrationAt: number | null;
	/** Evidence files the database refers to that were not on disk. */
	missingEvidence: string[];
	notes: string[];
	files: ManifestFile[];
};

export const isEvidenceName = (name: string) => /^[0-9a-f]{64}$/.test(name);
export const isLogoName = (name: string) => /^[\w][\w.-]{0,99}$/.test(name);

/** `mufakat-backup-20240501-0930.tar.gz`, in the server's local time. */
export function backupFileName(now = new Date()): string {
	const p = (n: number) => String(n).padStart(2, '0');
	return `mufakat-backup-${now.getFullYear()}${p(now.getMonth() + 1)}${p(now.getDate())}-${p(now.getHours())}${p(now.getMinutes())}.tar.gz`;
}

/** The regular files directly inside a folder (none if it does not exist), sorted by name. */
function filesIn(dir: string, accept: (name: string) => boolean): string[] {
	if (!existsSync(dir)) return [];
	return readdirSync(dir, { withFileTypes: true })
		.filter((e) => e.isFile() && accept(e.name))
		.map((e) => e.name)
		.sort();
}

/** What a backup would hold now, for the administrator's page. */
export function backupContents(paths: DataPaths) {
	const size = (file: string) => (existsSync(file) ? statSync(file).size : 0);
	return {
		databaseBytes: size(paths.databasePath) + size(`${paths.databasePath}-wal`),
		evidenceFiles: filesIn(paths.evidenceDir, isEvidenceName).length,
		logos: filesIn(paths.logosDir, isLogoName).length,
		sealSecret: paths.sealSecretInEnvironment ? ('environment' as const) : existsSync(paths.sealSecretFile) ? ('file' as const) : ('none' as const)
	};
}

export type BackupOptions = {
	/**
	 * Copy the database in one step. Right for a separate connection (the CLI): copied in small
	 * steps, each write by the server would restart the copy. The server's own connection copies in
	 * small steps, so requests go on in between; its own writes are carried into the copy.
	 */
	oneStep?: boolean;
	now?: Date;
	/** Called with the manifest once every file is in. */
	onManifest?: (manifest: Manifest) => void;
};

/**
 * The archive's bytes (tar, not yet compressed). The database copy is made in a temporary folder
 * that is removed when the generator finishes, fails or is abandoned.
 */
export async function* backupTar(source: Database.Database, paths: DataPaths, options: BackupOptions = {}): AsyncGenerator<Buffer> {
	const temp = mkdtempSync(join(tmpdir(), 'mufakat-backup-'));
	try {
		const copyPath = join(temp, DATABASE_NAME);
		if (options.oneStep) await source.backup(copyPath, { progress: () => 0x7fffffff });
		else await source.backup(copyPath);
		const { lastMigrationAt, referencedEvidence } = inspectCopy(copyPath);

		const files: ManifestFile[] = [];
		const notes: string[] = [];
		yield* fileEntry(DATABASE_NAME, copyPath, 'database', 0o600, files);

		let sealSecret: Manifest['sealSecret'] = 'none';
		if (paths.sealSecretInEnvironment) {
			sealSecret = 'environment';
			notes.push('MUFAKAT_SEAL_SECRET is set on this server and is not written to backups: keep its value with this archive, or the seal keys in the database cannot be opened after a restore.');
		} else if (existsSync(paths.sealSecretFile)) {
			sealSecret = 'file';
			yield* fileEntry(SEAL_SECRET_NAME, paths.sealSecretFile, 'sealSecret', 0o600, files);
		}
		if (process.env.MUFAKAT_COLLAB_SECRET) notes.push('MUFAKAT_COLLAB_SECRET is set on this server and is not written to backups (live-editing tokens last an hour; a new secret only signs people in to live editing again).');

		const included = new Set<string>();
		for (const name of filesIn(paths.evidenceDir, isEvidenceName)) {
			// A file removed since the listing (its report was deleted) is simply left out.
			if (yield* fileEntry(`evidence/${name}`, join(paths.evidenceDir, name), 'evidence', 0o644, files, true)) included.add(name);
		}
		for (const name of filesIn(paths.logosDir, isLogoName)) yield* fileEntry(`logos/${name}`, join(paths.logosDir, name), 'logo', 0o644, files, true);

		const missingEvidence = referencedEvidence.filter((h) => !included.has(h));
		if (missingEvidence.length > 0) notes.push(`${missingEvidence.length} evidence file(s) the database refers to were not found in ${paths.evidenceDir}.`);
		const manifest: Manifest = {
			format: BACKUP_FORMAT,
			version: BACKUP_VERSION,
			createdAt: (options.now ?? new Date()).toISOString(),
			source: { databasePath: paths.databasePath, evidenceDir: paths.evidenceDir, host: hostname() },
			sealSecret,
			lastMigrationAt,
			missingEvidence,
			notes,
			files
		};
		options.onManifest?.(manifest);
		const body = Buffer.from(`${JSON.stringify(manifest, null, '\t')}\n`);
		yield tarHeader({ name: MANIFEST_NAME, size: body.length, mode: 0o644, mtime: options.now });
		yield body;
		yield tarPadding(body.length);
		yield TAR_END;
		log('info', 'backup.written', { files: files.length, evidence: included.size, sealSecret, missingEvidence: missingEvidence.length });
	} finally {
		rmSync(temp, { recursive: true, force: true });
	}
}

/** Checks the copy, turns it into a single self-contained file, and reads what the manifest notes. */
function inspectCopy(path: string): { lastMigrationAt: number | null; referencedEvidence: string[] } {
	const copy = new Database(path);
	try {
		const check = copy.pragma('quick_check', { simple: true });
		if (check !== 'ok') throw new Error(`the database copy fails SQLite's quick_check: ${String(check)}`);
		copy.pragma('journal_mode = DELETE');
		const has = (table: string) => !!copy.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?").get(table);
		const last = has('__drizzle_migrations') ? (copy.prepare('SELECT max(created_at) AS at FROM __drizzle_migrations').get() as { at: number | null }).at : null;
		const referenced = has('evidence_files')
			? (copy.prepare('SELECT DISTINCT sha256 FROM evidence_files WHERE sha256 IS NOT NULL ORDER BY sha256').all() as { sha256: string }[]).map((r) => r.sha256)
			: [];
		return { lastMigrationAt: last === null ? null : Number(last), referencedEvidence: referenced };
	} finally {
		copy.close();
	}
}

/**
 * One file's header, content and padding, hashed on the way. The file is opened before its header
 * is written, so a file removed meanwhile cannot leave a header without content. Returns false
 * (and writes nothing) when `optional` and the file is gone.
 */
async function* fileEntry(name: string, path: string, kind: BackupFileKind, mode: number, files: ManifestFile[], optional = false): AsyncGenerator<Buffer, boolean> {
	let fd: number;
	try {
		fd = openSync(path, 'r');
	} catch (e) {
		if (optional && (e as NodeJS.ErrnoException).code === 'ENOENT') return false;
		throw e;
	}
	// The stream owns the descriptor from here on and closes it when it ends or is destroyed.
	const stream = createReadStream('', { fd });
	try {
		const { size, mtime } = fstatSync(fd);
		yield tarHeader({ name, size, mode, mtime });
		const hash = createHash('sha256');
		let read = 0;
		for await (const chunk of stream as AsyncIterable<Buffer>) {
			read += chunk.length;
			if (read > size) break;
			hash.update(chunk);
			yield chunk;
		}
		// The header promised `size` bytes: a file that grew or shrank meanwhile would corrupt the archive.
		if (read !== size) throw new Error(`${path} changed while it was being archived`);
		yield tarPadding(size);
		files.push({ path: name, kind, size, sha256: hash.digest('hex') });
		return true;
	} finally {
		stream.destroy();
	}
}

/** The archive as a gzip stream (the download route sends it as it is made). */
export function backupStream(source: Database.Database, paths: DataPaths, options: BackupOptions = {}): Readable {
	const gzip = createGzip();
	pipeline(Readable.from(backupTar(source, paths, options)), gzip).catch((e: unknown) => {
		log('error', 'backup.failed', { error: e });
		gzip.destroy(e as Error);
	});
	return gzip;
}

/** Writes the archive to `out` (through `out.partial`, so a failed backup never looks like a good one). */
export async function writeBackupFile(source: Database.Database, paths: DataPaths, out: string, options: BackupOptions = {}): Promise<Manifest> {
	const partial = `${out}.partial`;
	const found: { manifest?: Manifest } = {};
	try {
		const tar = backupTar(source, paths, { ...options, onManifest: (m) => (found.manifest = m) });
		await pipeline(Readable.from(tar), createGzip(), createWriteStream(partial, { mode: 0o600 }));
		renameSync(partial, out);
	} catch (e) {
		rmSync(partial, { force: true });
		throw e;
	}
	return found.manifest!;
}
