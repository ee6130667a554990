import { backupContents, dataPaths } from '$lib/server/backup';
import { dialectOf, getDb } from '$lib/server/db/client';
import { requireAdmin } from '$lib/server/guards';
import type { PageServerLoad } from './$types';

export const load: PageServerLoad = ({ locals }) => {
	requireAdmin(locals);
	// The archive copies the SQLite file; a PostgreSQL database is backed up with pg_dump instead.
	if (dialectOf(getDb()) === 'postgres') return { postgres: true as const };
	return { postgres: false as const, contents: backupContents(dataPaths()) };
};
