import { fail, type RequestEvent } from '@sveltejs/kit';
import { getDb } from '$lib/server/db/client';
import { formAction } from '$lib/server/forms';
import { requireForumRole } from '$lib/server/guards';
import {
	approveInstitution,
	createInstitution,
	listInstitutions,
	missingSectors,
	reinstateInstitution,
	retireInstitution,
	sectorCoverage,
	updateInstitution
} from '$lib/server/institutions/institutions';
import { mergeInstitutions } from '$lib/server/institutions/merge';
import { translate, type MessageKey } from '$lib/i18n/translate';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = ({ locals, params }) => {
	const db = getDb();
	const { forum, roles } = requireForumRole(db, locals, Number(params.forumId));
	const institutions = listInstitutions(db, forum.id, { includeProposed: true, includeRetired: true });
	const coverage = sectorCoverage(institutions.filter((i) => i.retiredAt === null));
	return {
		institutions,
		coverage,
		missing: missingSectors(coverage),
		canEdit: roles.includes('moderator') || roles.includes('secretariat')
	};
};

/** Changes to the forum's institutions: its moderators and secretariat only. */
function staff(event: RequestEvent) {
	const db = getDb();
	const { forum } = requireForumRole(db, event.locals, Number(event.params.forumId), ['moderator', 'secretariat']);
	const userId = event.locals.viewer?.kind === 'account' ? event.locals.viewer.user.id : null;
	return { db, forum, userId };
}

/** Runs a change and answers with a message in the user's language, or the refusal beside the form. */
function change(event: RequestEvent, saved: MessageKey, run: (ctx: ReturnType<typeof staff>, form: FormData) => void) {
	const ctx = staff(event);
	return formAction(event.locals.locale, event.request, (form) => {
		run(ctx, form);
		return { saved: translate(event.locals.locale, saved), action: form.get('_action')?.toString() ?? null };
	});
}

const idOf = (form: FormData) => Number(form.get('id'));

export const actions: Actions = {
	create: async (event) => change(event, 'institution.added', ({ db, forum }, form) => void createInstitution(db, forum.id, form)),
	update: async (event) => change(event, 'institution.updated', ({ db, forum }, form) => updateInstitution(db, forum.id, idOf(form), form)),
	retire: async (event) => change(event, 'institution.retiredSaved', ({ db, forum }, form) => retireInstitution(db, forum.id, idOf(form))),
	reinstate: async (event) =>
		change(event, 'institution.reinstated', ({ db, forum }, form) => reinstateInstitution(db, forum.id, idOf(form))),
	merge: async (event) =>
		change(event, 'institution.mergedSaved', ({ db, forum, userId }, form) => void mergeInstitutions(db, forum.id, form, userId)),
	approve: async ({ request, locals, params }) => {
		const db = getDb();
		const { forum } = requireForumRole(db, locals, Number(params.forumId), ['moderator']);
		const id = Number((await request.formData()).get('id'));
		if (!approveInstitution(db, forum.id, id)) return fail(404, { message: translate(locals.locale, 'error.notFound') });
		return { saved: translate(locals.locale, 'institution.approved') };
	}
};
