import { getDb } from '$lib/server/db/client';
import { commitmentsLedBy } from '$lib/server/commitments/progress';
import { commitmentProgress } from '$lib/server/rollups';
import { getInstitution } from '$lib/server/institutions/institutions';
import { requireRepresentative } from '$lib/server/representatives';
import type { PageServerLoad } from './$types';

/** A representative's commitments: those their institution leads in this workshop's forum. */
export const load: PageServerLoad = ({ params, locals }) => {
	const db = getDb();
	const { workshop, viewer } = requireRepresentative(db, locals, params.code);
	const ids = commitmentsLedBy(db, workshop.forumId, viewer.institutionId).map((c) => c.id);
	return {
		workshop: { code: workshop.joinCode, title: workshop.title },
		institution: getInstitution(db, workshop.forumId, viewer.institutionId)?.shortName ?? '',
		commitments: ids.length ? commitmentProgress(db, workshop.forumId, { ids }) : []
	};
};
