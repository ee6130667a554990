import { error } from '@sveltejs/kit';
import { getDb } from '$lib/server/db/client';
import { programmeDashboard } from '$lib/server/commitments/rollups';
import { translate } from '$lib/i18n/translate';
import type { PageServerLoad } from './$types';

/**
 * The public transparency page of a programme: no sign-in. Only verified reports count, and no
 * person is named (reporters, verifiers, phone numbers stay with the forum).
 */
export const load: PageServerLoad = async ({ locals, params, setHeaders }) => {
	const id = Number(params.programmeId);
	const dashboard = Number.isInteger(id) ? await programmeDashboard(getDb(), id, { verifiedOnly: true }) : null;
	if (!dashboard) error(404, translate(locals.locale, 'error.notFound'));
	setHeaders({ 'cache-control': 'no-store' });
	return {
		dashboard: {
			...dashboard,
			commitments: dashboard.commitments.map((c) => ({ ...c, missing: [], pendingVerification: 0 }))
		}
	};
};
