import { listForumProgrammes } from '$lib/server/commitments/commitments';
import { getDb } from '$lib/server/db/client';
import { READ_ROLES, requireForumRole } from '$lib/server/guards';
import { programmeDashboard } from '$lib/server/rollups';
import type { PageServerLoad } from './$types';

export const load: PageServerLoad = ({ locals, params, url }) => {
	const db = getDb();
	const { forum } = requireForumRole(db, locals, Number(params.forumId), READ_ROLES);
	const programmes = listForumProgrammes(db, forum.id);
	const raw = Number(url.searchParams.get('programme'));
	const programmeId = programmes.some((p) => p.id === raw) ? raw : (programmes[0]?.id ?? null);
	return { programmes, programmeId, dashboard: programmeId ? programmeDashboard(db, programmeId) : null };
};
