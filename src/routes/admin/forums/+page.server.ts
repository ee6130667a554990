import { getDb } from '$lib/server/db/client';
import { describeRegion } from '$lib/server/areas';
import { listForums } from '$lib/server/forums';
import { requireAdmin } from '$lib/server/guards';
import type { PageServerLoad } from './$types';

export const load: PageServerLoad = async ({ locals }) => {
	requireAdmin(locals);
	const db = getDb();
	return {
		forums: await Promise.all((await listForums(db)).map(async (f) => ({
			id: f.id,
			name: f.name,
			shortName: f.shortName,
			level: f.level,
			region: f.regencyCode ? await describeRegion(db, f.regencyCode) : null,
			timeZone: f.timeZone,
			villageWord: f.villageWord,
			programmes: f.programmes,
			workshops: f.workshops,
			members: f.members
		})))
	};
};
