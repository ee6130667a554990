/**
 * npm run backup -- --out <file.tar.gz>
 *
 * Writes one archive with a consistent copy of the database (SQLite's online backup: the server
 * may keep running and writing), the seal secret, the evidence files and the letterhead logos,
 * plus manifest.json with every file's SHA-256. Uses DATABASE_PATH, MUFAKAT_EVIDENCE_DIR and
 * MUFAKAT_SEAL_SECRET like the server. Restore with `npm run restore -- <file>`.
 * With DATABASE_URL=postgres://… there is no file to copy: it says (in Indonesian, or English with
 * `--lang en`) that PostgreSQL is backed up with pg_dump, and exits 1.
 */
import Database from 'better-sqlite3';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { backupFileName, dataPaths, writeBackupFile } from '../src/lib/server/backup';
import { isPostgresUrl } from '../src/lib/server/db/client';
import { translate } from '../src/lib/i18n/translate';

function fail(message: string): never {
	console.error(`backup: ${message}`);
	process.exit(1);
}

const { values } = parseArgs({ options: { out: { type: 'string', short: 'o' }, lang: { type: 'string', default: 'id' } } });
if (isPostgresUrl(process.env.DATABASE_URL)) {
	console.error(`backup: ${translate(values.lang === 'en' ? 'en' : 'id', 'backup.postgres')}`);
	console.error('  pg_dump --format=custom --file=mufakat.dump "$DATABASE_URL"');
	process.exit(1);
}
const paths = dataPaths();
if (!existsSync(paths.databasePath)) fail(`no database at ${paths.databasePath} (set DATABASE_PATH to the server's database)`);
const out = resolve(values.out ?? backupFileName());
if (existsSync(out)) fail(`${out} exists already; choose another --out`);

const source = new Database(paths.databasePath, { fileMustExist: true });
source.pragma('busy_timeout = 5000');
try {
	const manifest = await writeBackupFile(source, paths, out, { oneStep: true });
	const count = (kind: string) => manifest.files.filter((f) => f.kind === kind).length;
	console.log(`backup: wrote ${out}`);
	console.log(`  database ${paths.databasePath}, ${count('evidence')} evidence file(s), ${count('logo')} logo(s), seal secret: ${manifest.sealSecret === 'file' ? 'included' : manifest.sealSecret === 'environment' ? 'NOT included (MUFAKAT_SEAL_SECRET)' : 'none yet'}`);
	for (const note of manifest.notes) console.log(`  note: ${note}`);
} catch (e) {
	fail((e as Error).message);
} finally {
	source.close();
}
