import { getDb } from '$lib/server/db/client';
import { READ_ROLES, requireForumRole } from '$lib/server/guards';
import { listInstitutions, missingSectors, sectorCoverage } from '$lib/server/institutions/institutions';
import { listPilotSites } from '$lib/server/programmes/pilot-sites';
import { listComponents, listProgrammes } from '$lib/server/programmes/programmes';
import { listWorkshops } from '$lib/server/workshops/workshops';
import type { PageServerLoad } from './$types';

export const load: PageServerLoad = async ({ locals, params }) => {
	const db = getDb();
	const { forum, roles } = await requireForumRole(db, locals, Number(params.forumId), READ_ROLES);
	const institutions = await listInstitutions(db, forum.id, { includeProposed: true });
	const coverage = sectorCoverage(institutions);
	return {
		workshops: await listWorkshops(db, forum.id),
		programmes: await Promise.all((await listProgrammes(db, forum.id)).map(async (p) => ({
			...p,
			components: await listComponents(db, p.id),
			pilotSites: await listPilotSites(db, p.id)
		}))),
		institutionCount: institutions.filter((i) => i.approved).length,
		pendingCount: institutions.filter((i) => !i.approved).length,
		coverage,
		missing: missingSectors(coverage),
		canEdit: roles.includes('moderator') || roles.includes('secretariat')
	};
};
