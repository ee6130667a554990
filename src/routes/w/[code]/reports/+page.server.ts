import { getDb } from '$lib/server/db/client';
import { reporterOverview } from '$lib/server/commitments/due-reports';
import { getInstitution } from '$lib/server/institutions/institutions';
import { requireRepresentative } from '$lib/server/representatives';
import type { PageServerLoad } from './$types';

/** A representative's commitments in this workshop's forum: returned reports first, then those due. */
export const load: PageServerLoad = async ({ params, locals }) => {
	const db = getDb();
	const { workshop, viewer } = await requireRepresentative(db, locals, params.code);
	return {
		workshop: { code: workshop.joinCode, title: workshop.title },
		institution: (await getInstitution(db, workshop.forumId, viewer.institutionId))?.shortName ?? '',
		...await reporterOverview(db, workshop.forumId, viewer.institutionId)
	};
};
