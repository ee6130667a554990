import { getDb } from '$lib/server/db/client';
import { READ_ROLES, requireForumRole } from '$lib/server/guards';
import { listInstitutions, missingSectors, sectorCoverage } from '$lib/server/institutions/institutions';
import { listPilotSites } from '$lib/server/programmes/pilot-sites';
import { listComponents, listProgrammes } from '$lib/server/programmes/programmes';
import { listWorkshops } from '$lib/server/workshops/workshops';
import type { PageServerLoad } from './$types';

export const load: PageServerLoad = ({ locals, params }) => {
	const db = getDb();
	const { forum, roles } = requireForumRole(db, locals, Number(params.forumId), READ_ROLES);
	const institutions = listInstitutions(db, forum.id, { includeProposed: true });
	const coverage = sectorCoverage(institutions);
	return {
		workshops: listWorkshops(db, forum.id),
		programmes: listProgrammes(db, forum.id).map((p) => ({
			...p,
			components: listComponents(db, p.id),
			pilotSites: listPilotSites(db, p.id)
		})),
		institutionCount: institutions.filter((i) => i.approved).length,
		pendingCount: institutions.filter((i) => !i.approved).length,
		coverage,
		missing: missingSectors(coverage),
		canEdit: roles.includes('moderator') || roles.includes('secretariat')
	};
};
