import { error, redirect } from '@sveltejs/kit';
import { getCommitmentDetail } from '$lib/server/commitments/commitments';
import { MAX_EVIDENCE_MB } from '$lib/server/commitments/evidence';
import { beneficiaryFrame, mayReport, reportFormValues, reportsForPage, submitReport, suggestedPeriod, targetLevel, type Reporter } from '$lib/server/commitments/progress';
import { requireReportingLink } from '$lib/server/commitments/reporting-access';
import { getDb } from '$lib/server/db/client';
import { formAction } from '$lib/server/forms';
import { translate } from '$lib/i18n/translate';
import type { Actions, PageServerLoad, RequestEvent } from './$types';

/** Only a commitment the link's institution leads: anything else is 403, read or write. */
async function context(event: Pick<RequestEvent, 'locals' | 'params'>) {
	const db = getDb();
	const { link, forum, institution } = await requireReportingLink(db, event.locals.locale, event.params.token);
	const commitment = await getCommitmentDetail(db, forum.id, Number(event.params.commitmentId));
	if (!commitment) error(404, translate(event.locals.locale, 'error.notFound'));
	const reporter: Reporter = { kind: 'link', institutionId: institution.id, linkId: link.id, name: '' };
	if (!mayReport(commitment, reporter)) error(403, translate(event.locals.locale, 'progress.notYourCommitment'));
	return { db, commitment, reporter, institution };
}

export const load: PageServerLoad = async (event) => {
	const { db, commitment, institution } = await context(event);
	const reports = await reportsForPage(db, commitment);
	const suggested = await suggestedPeriod(db, commitment.id);
	return {
		token: event.params.token,
		institution: institution.shortName,
		commitment,
		targetLevel: targetLevel(commitment),
		reports,
		suggested,
		// A returned report opens with what was sent, to correct rather than retype.
		prefill: reportFormValues(reports.find((r) => r.status === 'returned') ?? null),
		groups: (await beneficiaryFrame(db, commitment)).groups,
		maxMb: MAX_EVIDENCE_MB
	};
};

export const actions: Actions = {
	report: async (event) => {
		const { db, commitment, reporter } = await context(event);
		const result = await formAction(event.locals.locale, event.request, async (form) => {
			await submitReport(db, commitment, reporter, form);
			return { saved: true };
		});
		if ('saved' in result) redirect(303, `/r/${event.params.token}?saved=1`);
		return result;
	}
};
