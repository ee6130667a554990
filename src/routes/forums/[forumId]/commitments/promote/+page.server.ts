import { redirect } from '@sveltejs/kit';
import { frozenVersionsOf, promotableCells, promoteCellToCommitment } from '$lib/server/commitments/commitments';
import { getDb } from '$lib/server/db/client';
import { formAction } from '$lib/server/forms';
import { requireForumRole } from '$lib/server/guards';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = async ({ locals, params, url }) => {
	const db = getDb();
	const { forum } = await requireForumRole(db, locals, Number(params.forumId));
	const versions = await frozenVersionsOf(db, forum.id);
	const workshopId = Number(url.searchParams.get('workshop'));
	const chosen =
		versions.find((v) => v.workshopId === workshopId && v.version === Number(url.searchParams.get('version'))) ??
		versions.find((v) => v.workshopId === workshopId && v.current) ??
		versions.find((v) => v.current) ??
		null;
	return {
		versions,
		chosen: chosen ? { workshopId: chosen.workshopId, version: chosen.version } : null,
		matrix: chosen ? await promotableCells(db, forum.id, chosen.workshopId, chosen.version) : null
	};
};

export const actions: Actions = {
	promote: async ({ locals, params, request }) => {
		const db = getDb();
		const { forum } = await requireForumRole(db, locals, Number(params.forumId));
		const result = await formAction(locals.locale, request, async (form) => await promoteCellToCommitment(db, forum.id, form));
		if ('id' in result) redirect(303, `/forums/${forum.id}/commitments/${result.id}?promoted=1#edit`);
		return result;
	}
};
