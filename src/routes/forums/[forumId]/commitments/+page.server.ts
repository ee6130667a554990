import { createCommitmentsFromText, listForumProgrammes } from '$lib/server/commitments/commitments';
import { getDb } from '$lib/server/db/client';
import { formAction } from '$lib/server/forms';
import { READ_ROLES, requireForumRole } from '$lib/server/guards';
import { commitmentProgress } from '$lib/server/commitments/rollups';
import { listWorkshops } from '$lib/server/workshops/workshops';
import type { Actions, PageServerLoad } from './$types';

/** The selected programme from `?programme=`; empty means every programme of the forum. */
function programmeFilter(url: URL, programmes: { id: number }[]): number | null {
	const raw = Number(url.searchParams.get('programme'));
	return programmes.some((p) => p.id === raw) ? raw : null;
}

export const load: PageServerLoad = async ({ locals, params, url }) => {
	const db = getDb();
	const { forum } = await requireForumRole(db, locals, Number(params.forumId), READ_ROLES);
	const programmes = await listForumProgrammes(db, forum.id);
	const programmeId = programmeFilter(url, programmes);
	return {
		programmes,
		programmeId,
		commitments: await commitmentProgress(db, forum.id, { programmeId }),
		workshops: (await listWorkshops(db, forum.id)).map((w) => ({ id: w.id, title: w.title, date: w.date, programmeId: w.programmeId }))
	};
};

export const actions: Actions = {
	create: async ({ locals, params, request }) => {
		const db = getDb();
		const { forum } = await requireForumRole(db, locals, Number(params.forumId));
		return formAction(locals.locale, request, async (form) => ({ created: (await createCommitmentsFromText(db, forum.id, form)).length }));
	}
};
