import { fail } from '@sveltejs/kit';
import { getDb } from '$lib/server/db/client';
import { formAction } from '$lib/server/forms';
import { requireForumRole } from '$lib/server/guards';
import { approveInstitution, createInstitution, listInstitutions, missingSectors, sectorCoverage } from '$lib/server/institutions/institutions';
import { translate } from '$lib/i18n/translate';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = ({ locals, params }) => {
	const db = getDb();
	const { forum } = requireForumRole(db, locals, Number(params.forumId));
	const institutions = listInstitutions(db, forum.id, { includeProposed: true });
	const coverage = sectorCoverage(institutions);
	return { institutions, coverage, missing: missingSectors(coverage) };
};

export const actions: Actions = {
	create: async ({ request, locals, params }) => {
		const db = getDb();
		const { forum } = requireForumRole(db, locals, Number(params.forumId));
		return formAction(locals.locale, request, (form) => {
			createInstitution(db, forum.id, form);
			return { saved: translate(locals.locale, 'institution.added') };
		});
	},
	approve: async ({ request, locals, params }) => {
		const db = getDb();
		const { forum } = requireForumRole(db, locals, Number(params.forumId), ['moderator']);
		const id = Number((await request.formData()).get('id'));
		if (!approveInstitution(db, forum.id, id)) return fail(404, { message: translate(locals.locale, 'error.notFound') });
		return { saved: translate(locals.locale, 'institution.approved') };
	}
};
