import { logoDir } from '../forums/logo';
import { dirname, join, resolve } from 'node:path';
import { DEFAULT_DATABASE_PATH } from '../db/client';
import { evidenceDir } from '../commitments/evidence';
import { sealSecretFile } from '../sealing';

/** Where one instance keeps its data: everything a backup carries and a restore puts back. */
export type DataPaths = {
	databasePath: string;
	dataDir: string;
	evidenceDir: string;
	/** Letterhead logos, beside the database (may not exist). */
	logosDir: string;
	/** Kept beside the database unless MUFAKAT_SEAL_SECRET is set. */
	sealSecretFile: string;
	/** MUFAKAT_SEAL_SECRET is set: the secret lives in the environment, not in a file. */
	sealSecretInEnvironment: boolean;
};

/** The paths the server uses, from DATABASE_PATH, MUFAKAT_EVIDENCE_DIR, MUFAKAT_LOGO_DIR and MUFAKAT_SEAL_SECRET. */
export function dataPaths(): DataPaths {
	const databasePath = resolve(process.env.DATABASE_PATH ?? DEFAULT_DATABASE_PATH);
	const dataDir = dirname(databasePath);
	return {
		databasePath,
		dataDir,
		evidenceDir: evidenceDir(),
		logosDir: logoDir(),
		sealSecretFile: sealSecretFile() ?? join(dataDir, 'seal.secret'),
		sealSecretInEnvironment: !!process.env.MUFAKAT_SEAL_SECRET
	};
}
