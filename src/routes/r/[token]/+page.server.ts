import { reporterOverview } from '$lib/server/commitments/due-reports';
import { requireReportingLink } from '$lib/server/commitments/reporting-access';
import { getDb } from '$lib/server/db/client';
import type { PageServerLoad } from './$types';

/** The institution's commitments through its standing reporting link: no account, no meeting. */
export const load: PageServerLoad = async ({ params, locals }) => {
	const db = getDb();
	const { forum, institution } = await requireReportingLink(db, locals.locale, params.token);
	return {
		token: params.token,
		forum: { shortName: forum.shortName, name: forum.name },
		institution: { shortName: institution.shortName, officialName: institution.officialName },
		...await reporterOverview(db, forum.id, institution.id)
	};
};
