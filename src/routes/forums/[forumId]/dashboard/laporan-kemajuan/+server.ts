import { error } from '@sveltejs/kit';
import { parseReportingPeriod } from '$lib/commitments/periods';
import { listForumProgrammes } from '$lib/server/commitments/commitments';
import { sealProgressReport } from '$lib/server/commitments/laporan-kemajuan';
import { getDb } from '$lib/server/db/client';
import { requireForumRole } from '$lib/server/guards';
import { publicBaseUrl } from '$lib/server/network';
import { translate } from '$lib/i18n/translate';
import type { RequestHandler } from './$types';

/** The secretariat downloads a sealed Laporan Kemajuan for a programme and a period (a plain form post). */
export const POST: RequestHandler = async ({ locals, params, request, url }) => {
	const db = getDb();
	const { forum } = await requireForumRole(db, locals, Number(params.forumId));
	const form = await request.formData();
	const programmeId = Number(form.get('programme'));
	if (!(await listForumProgrammes(db, forum.id)).some((p) => p.id === programmeId)) error(404, translate(locals.locale, 'error.notFound'));
	const period = parseReportingPeriod(String(form.get('period') ?? ''));
	if (!period) error(400, translate(locals.locale, 'dashboard.report.needPeriod'));
	const sealed = await sealProgressReport(db, forum, {
		programmeId,
		period,
		verifiedOnly: form.get('verified') === '1',
		userId: locals.viewer?.kind === 'account' ? locals.viewer.user.id : null,
		origin: publicBaseUrl(url).url,
		locale: locals.locale
	});
	if (!sealed) error(404, translate(locals.locale, 'error.notFound'));
	return new Response(new Uint8Array(sealed.pdf), {
		headers: {
			'content-type': 'application/pdf',
			'content-disposition': `attachment; filename="${sealed.filename}"`,
			'x-document-sha256': sealed.sha256,
			'cache-control': 'no-store'
		}
	});
};
