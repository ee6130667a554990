import { backupContents, dataPaths } from '$lib/server/backup';
import { requireAdmin } from '$lib/server/guards';
import type { PageServerLoad } from './$types';

export const load: PageServerLoad = ({ locals }) => {
	requireAdmin(locals);
	return { contents: backupContents(dataPaths()) };
};
