import { fail } from '@sveltejs/kit';
import { listAttendance } from '$lib/server/workshops/attendance';
import { getDb } from '$lib/server/db/client';
import { requireWorkshopRole } from '$lib/server/guards';
import { approveInstitution, listInstitutions, missingSectors, sectorCoverage } from '$lib/server/institutions/institutions';
import { qrSvg } from '$lib/server/qr';
import { translate } from '$lib/i18n/translate';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = async ({ locals, params, url, depends }) => {
	depends('app:attendance');
	const db = getDb();
	const { workshop } = requireWorkshopRole(db, locals, Number(params.workshopId));
	const rows = listAttendance(db, workshop.id);
	const present = rows.map((r) => ({ sector: r.sector, approved: r.institutionApproved }));
	const coverage = sectorCoverage(present);
	const joinUrl = workshop.joinCode && workshop.status === 'live' ? `${url.origin}/join/${workshop.joinCode}` : null;
	return {
		rows,
		institutionsPresent: new Set(rows.map((r) => r.institutionId)).size,
		institutionsTotal: listInstitutions(db, workshop.forumId).length,
		missing: missingSectors(coverage),
		joinUrl,
		joinQr: joinUrl ? await qrSvg(joinUrl) : null
	};
};

export const actions: Actions = {
	approve: async ({ request, locals, params }) => {
		const db = getDb();
		const { workshop } = requireWorkshopRole(db, locals, Number(params.workshopId), ['moderator']);
		const id = Number((await request.formData()).get('institutionId'));
		if (!approveInstitution(db, workshop.forumId, id)) return fail(404, { message: translate(locals.locale, 'error.notFound') });
		return { saved: translate(locals.locale, 'institution.approved') };
	}
};
