import { error, redirect } from '@sveltejs/kit';
import { searchVillages } from '$lib/server/areas';
import {
	addCommitmentSite,
	applyDerivedTarget,
	deleteCommitment,
	derivedTarget,
	getCommitment,
	getCommitmentDetail,
	listForumProgrammes,
	sourceCellOf,
	updateCommitment
} from '$lib/server/commitments/commitments';
import { getDb } from '$lib/server/db/client';
import { MAX_EVIDENCE_MB } from '$lib/server/commitments/evidence';
import { formAction } from '$lib/server/forms';
import { READ_ROLES, requireForumRole } from '$lib/server/guards';
import { listInstitutions } from '$lib/server/institutions/institutions';
import { listPilotSites } from '$lib/server/programmes/pilot-sites';
import { listComponents } from '$lib/server/programmes/programmes';
import { beneficiaryFrame, reportsForPage, returnReport, submitReport, suggestedPeriod, verifyReport } from '$lib/server/commitments/progress';
import { commitmentProgress } from '$lib/server/commitments/rollups';
import { translate } from '$lib/i18n/translate';
import type { Actions, PageServerLoad, RequestEvent } from './$types';

export const load: PageServerLoad = async ({ locals, params, url }) => {
	const db = getDb();
	const { forum, roles } = await requireForumRole(db, locals, Number(params.forumId), READ_ROLES);
	const commitment = await getCommitmentDetail(db, forum.id, Number(params.commitmentId));
	if (!commitment) error(404, translate(locals.locale, 'error.notFound'));
	const areaQuery = url.searchParams.get('areaQuery')?.slice(0, 60) ?? '';
	const deriveArea = forum.regencyCode ?? '';
	return {
		commitment,
		progress: (await commitmentProgress(db, forum.id, { ids: [commitment.id] }))[0]!,
		reports: await reportsForPage(db, commitment),
		// A retired institution is offered nowhere new, but stays on offer where this commitment already names it.
		institutions: (await listInstitutions(db, forum.id, { includeRetired: true }))
			.filter((i) => i.retiredAt === null || i.id === commitment.leadInstitutionId || commitment.supporters.some((s) => s.id === i.id))
			.map((i) => ({ id: i.id, shortName: i.shortName, sector: i.sector })),
		programmes: await listForumProgrammes(db, forum.id),
		components: commitment.programmeId ? (await listComponents(db, commitment.programmeId)).map((c) => ({ id: c.id, name: c.name })) : [],
		pilotSites: commitment.programmeId ? (await listPilotSites(db, commitment.programmeId)).map((s) => ({ code: s.areaCode, stage: s.stage, area: s.area })) : [],
		areaQuery,
		areaResults: areaQuery ? await searchVillages(db, areaQuery, forum.regencyCode) : [],
		deriveArea,
		derivePreview: deriveArea ? await derivedTarget(db, deriveArea, commitment.baselineValue) : null,
		source: await sourceCellOf(db, commitment),
		suggested: await suggestedPeriod(db, commitment.id),
		maxMb: MAX_EVIDENCE_MB,
		groups: (await beneficiaryFrame(db, commitment)).groups,
		canVerify: roles.includes('secretariat')
	};
};

async function context(event: RequestEvent, roles?: ('moderator' | 'secretariat')[]) {
	const db = getDb();
	const { forum, user } = await requireForumRole(db, event.locals, Number(event.params.forumId), roles);
	const commitment = await getCommitment(db, forum.id, Number(event.params.commitmentId));
	if (!commitment) error(404, translate(event.locals.locale, 'error.notFound'));
	return { db, forum, commitment, user };
}

const saved = (event: RequestEvent, key: Parameters<typeof translate>[1] = 'workshop.saved', params?: Record<string, string | number>) =>
	translate(event.locals.locale, key, params);

export const actions: Actions = {
	update: async (event) => {
		const { db, forum, commitment } = await context(event);
		return formAction(event.locals.locale, event.request, async (form) => {
			await updateCommitment(db, forum.id, commitment.id, form);
			return { saved: saved(event) };
		});
	},
	addSite: async (event) => {
		const { db, forum, commitment } = await context(event);
		return formAction(event.locals.locale, event.request, async (form) => {
			await addCommitmentSite(db, forum.id, commitment.id, form);
			return { saved: saved(event, 'commitment.siteAdded') };
		});
	},
	derive: async (event) => {
		const { db, forum, commitment } = await context(event);
		return formAction(event.locals.locale, event.request, async (form) => {
			const d = await applyDerivedTarget(db, forum.id, commitment.id, form);
			return { saved: saved(event, 'commitment.derived', { villages: d.villages, area: d.areaName, baseline: d.baseline, target: d.target }) };
		});
	},
	report: async (event) => {
		const { db, commitment, user } = await context(event);
		return formAction(event.locals.locale, event.request, async (form) => {
			await submitReport(db, commitment, { kind: 'staff', userId: user.id, name: user.name }, form);
			return { saved: saved(event, 'progress.saved') };
		});
	},
	verify: async (event) => {
		const { db, forum, user } = await context(event, ['secretariat']);
		return formAction(event.locals.locale, event.request, async (form) => {
			await verifyReport(db, forum.id, Number(form.get('reportId')), user.id, form);
			return { saved: saved(event, 'progress.verifiedNotice') };
		});
	},
	return: async (event) => {
		const { db, forum, user } = await context(event, ['secretariat']);
		return formAction(event.locals.locale, event.request, async (form) => {
			await returnReport(db, forum.id, Number(form.get('reportId')), user.id, form);
			return { saved: saved(event, 'progress.returnedNotice') };
		});
	},
	delete: async (event) => {
		const { db, forum, commitment } = await context(event);
		await deleteCommitment(db, forum.id, commitment.id);
		redirect(303, `/forums/${forum.id}/commitments`);
	}
};
