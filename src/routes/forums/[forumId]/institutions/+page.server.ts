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

export const load: PageServerLoad = async ({ locals, params }) => {
	const db = getDb();
	const { forum, roles } = await requireForumRole(db, locals, Number(params.forumId));
	const institutions = await listInstitutions(db, forum.id, { includeProposed: true, includeRetired: true });
	const coverage = sectorCoverage(institutions.filter((i) => i.retiredAt === null));
	return {
		institutions,
		coverage,
		missing: missingSectors(coverage),
		canEdit: roles.includes('moderator') || roles.includes('secretariat')
	};
};

/** Changes to the forum's institutions: its moderators and secretariat only. */
async function staff(event: RequestEvent) {
	const db = getDb();
	const { forum } = await requireForumRole(db, event.locals, Number(event.params.forumId), ['moderator', 'secretariat']);
	const userId = event.locals.viewer?.kind === 'account' ? event.locals.viewer.user.id : null;
	return { db, forum, userId };
}

/** Runs a change and answers with a message in the user's language, or the refusal beside the form. */
async function change(event: RequestEvent, saved: MessageKey, run: (ctx: Awaited<ReturnType<typeof staff>>, form: FormData) => Promise<unknown>) {
	const ctx = await staff(event);
	return formAction(event.locals.locale, event.request, async (form) => {
		await run(ctx, form);
		return { saved: translate(event.locals.locale, saved), action: form.get('_action')?.toString() ?? null };
	});
}

const idOf = (form: FormData) => Number(form.get('id'));

export const actions: Actions = {
	create: async (event) => await change(event, 'institution.added', ({ db, forum }, form) => createInstitution(db, forum.id, form)),
	update: async (event) => await change(event, 'institution.updated', ({ db, forum }, form) => updateInstitution(db, forum.id, idOf(form), form)),
	retire: async (event) => await change(event, 'institution.retiredSaved', ({ db, forum }, form) => retireInstitution(db, forum.id, idOf(form))),
	reinstate: async (event) =>
		await change(event, 'institution.reinstated', ({ db, forum }, form) => reinstateInstitution(db, forum.id, idOf(form))),
	merge: async (event) =>
		await change(event, 'institution.mergedSaved', ({ db, forum, userId }, form) => mergeInstitutions(db, forum.id, form, userId)),
	approve: async ({ request, locals, params }) => {
		const db = getDb();
		const { forum } = await requireForumRole(db, locals, Number(params.forumId), ['moderator']);
		const id = Number((await request.formData()).get('id'));
		if (!await approveInstitution(db, forum.id, id)) return fail(404, { message: translate(locals.locale, 'error.notFound') });
		return { saved: translate(locals.locale, 'institution.approved') };
	}
};
