import { lastFinishedQuarter, parseReportingPeriod, reportingPeriodCode } from '$lib/commitments/periods';
import { listForumProgrammes } from '$lib/server/commitments/commitments';
import { listSealedReports } from '$lib/server/commitments/laporan-kemajuan';
import { programmeDashboard } from '$lib/server/commitments/rollups';
import { getDb } from '$lib/server/db/client';
import { canEditForum, READ_ROLES, requireForumRole } from '$lib/server/guards';
import { localIsoDate } from '$lib/time-zones';
import type { PageServerLoad } from './$types';

/** `?period=2026-T1` (or S1, or a year) and `?verified=1` give the state as of that period. */
export const load: PageServerLoad = async ({ locals, params, url }) => {
	const db = getDb();
	const { forum, roles } = await requireForumRole(db, locals, Number(params.forumId), READ_ROLES);
	const programmes = await listForumProgrammes(db, forum.id);
	const raw = Number(url.searchParams.get('programme'));
	const programmeId = programmes.some((p) => p.id === raw) ? raw : (programmes[0]?.id ?? null);
	const period = parseReportingPeriod(url.searchParams.get('period') ?? '');
	const verifiedOnly = url.searchParams.get('verified') === '1';
	const today = localIsoDate(new Date(), forum.timeZone);
	const staff = canEditForum(roles);
	return {
		programmes,
		programmeId,
		period: period ? reportingPeriodCode(period) : '',
		verifiedOnly,
		// A report is usually for the last triwulan that has ended, not the one under way.
		reportPeriod: reportingPeriodCode(period ?? lastFinishedQuarter(today)),
		currentYear: Number(today.slice(0, 4)),
		staff,
		sealedReports: staff ? await listSealedReports(db, forum.id, locals.locale) : [],
		dashboard: programmeId ? await programmeDashboard(db, programmeId, { period, verifiedOnly, today }) : null
	};
};
