/**
 * npm run restore -- <file.tar.gz> [--force]
 *
 * Restores a backup made by `npm run backup` (or downloaded at /admin/backup) into the data folder
 * of DATABASE_PATH, and the evidence into MUFAKAT_EVIDENCE_DIR when that is set. Stop the server
 * first. Refuses a folder that already holds a database unless --force (which moves the current
 * database and seal secret into pre-restore-<time>/ beside it), and refuses an archive whose files
 * do not match the SHA-256 hashes of its manifest; a refused restore changes nothing.
 * With DATABASE_URL=postgres://… it restores nothing and says that PostgreSQL uses pg_restore.
 */
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { dataPaths, restoreBackup, RestoreError } from '../src/lib/server/backup';
import { isPostgresUrl } from '../src/lib/server/db/client';
import { translate } from '../src/lib/i18n/translate';

function fail(message: string): never {
	console.error(`restore: ${message}`);
	process.exit(1);
}

const { values, positionals } = parseArgs({ options: { force: { type: 'boolean', default: false }, lang: { type: 'string', default: 'id' } }, allowPositionals: true });
if (isPostgresUrl(process.env.DATABASE_URL)) {
	console.error(`restore: ${translate(values.lang === 'en' ? 'en' : 'id', 'backup.postgres')}`);
	console.error('  pg_restore --clean --if-exists --no-owner --dbname="$DATABASE_URL" mufakat.dump');
	process.exit(1);
}
if (positionals.length !== 1) fail('usage: npm run restore -- <backup.tar.gz> [--force]');
const archive = resolve(positionals[0]!);
const paths = dataPaths();
try {
	const { manifest, movedAside, notes } = await restoreBackup(archive, paths, { force: values.force });
	console.log(`restore: restored the backup of ${manifest.createdAt} (${manifest.files.length} files, each SHA-256 checked) into ${paths.dataDir}`);
	if (movedAside) console.log(`  the files it replaced are in ${movedAside}`);
	for (const note of notes) console.log(`  note: ${note}`);
	console.log('  start the server as usual: npm start');
} catch (e) {
	if (e instanceof RestoreError) fail(e.message);
	fail(`failed: ${(e as Error).message}`);
}
