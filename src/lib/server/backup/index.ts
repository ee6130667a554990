/**
 * Backup and restore of one instance: the database (copied online), the seal secret, evidence
 * files and letterhead logos in one tar.gz with a manifest of SHA-256 hashes. Used by
 * `npm run backup`, `npm run restore` and the administrator's download at /admin/backup.
 */
export { backupContents, backupFileName, backupStream, backupTar, writeBackupFile, type Manifest, type ManifestFile } from './create';
export { dataPaths, type DataPaths } from './paths';
export { restoreBackup, RestoreError, type RestoreResult } from './restore';
