import { error, redirect } from '@sveltejs/kit';
import { getCommitmentDetail } from '$lib/server/commitments/commitments';
import { getDb } from '$lib/server/db/client';
import { MAX_EVIDENCE_MB } from '$lib/server/commitments/evidence';
import { formAction } from '$lib/server/forms';
import { beneficiaryFrame, mayReport, reportFormValues, reportsForPage, submitReport, suggestedPeriod, targetLevel } from '$lib/server/commitments/progress';
import { requireRepresentative } from '$lib/server/representatives';
import { translate } from '$lib/i18n/translate';
import type { Actions, PageServerLoad, RequestEvent } from './$types';

/** Only a commitment the representative's institution leads: anything else is 403, read or write. */
async function context(event: Pick<RequestEvent, 'locals' | 'params'>) {
	const db = getDb();
	const { workshop, viewer } = await requireRepresentative(db, event.locals, event.params.code);
	const commitment = await getCommitmentDetail(db, workshop.forumId, Number(event.params.commitmentId));
	if (!commitment) error(404, translate(event.locals.locale, 'error.notFound'));
	const reporter = { kind: 'participant' as const, institutionId: viewer.institutionId, name: viewer.name };
	if (!mayReport(commitment, reporter)) error(403, translate(event.locals.locale, 'progress.notYourCommitment'));
	return { db, workshop, commitment, reporter };
}

export const load: PageServerLoad = async (event) => {
	const { db, workshop, commitment } = await context(event);
	const reports = await reportsForPage(db, commitment);
	return {
		workshop: { code: workshop.joinCode, title: workshop.title },
		commitment,
		targetLevel: targetLevel(commitment),
		reports,
		suggested: await suggestedPeriod(db, commitment.id),
		// A returned report opens with what was sent, to correct rather than retype.
		prefill: reportFormValues(reports.find((r) => r.status === 'returned') ?? null),
		groups: (await beneficiaryFrame(db, commitment)).groups,
		maxMb: MAX_EVIDENCE_MB
	};
};

export const actions: Actions = {
	report: async (event) => {
		const { db, workshop, commitment, reporter } = await context(event);
		const result = await formAction(event.locals.locale, event.request, async (form) => {
			await submitReport(db, commitment, reporter, form);
			return { saved: true };
		});
		if ('saved' in result) redirect(303, `/w/${workshop.joinCode}/reports?saved=1`);
		return result;
	}
};
