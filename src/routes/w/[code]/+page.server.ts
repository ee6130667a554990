import { error, redirect } from '@sveltejs/kit';
import { rolesIn } from '$lib/server/auth';
import { listAttendance } from '$lib/server/workshops/attendance';
import { getDb } from '$lib/server/db/client';
import { getForum } from '$lib/server/forums';
import { getInstitution } from '$lib/server/institutions/institutions';
import { findWorkshopByCode, listAgenda } from '$lib/server/workshops/workshops';
import { translate } from '$lib/i18n/translate';
import { currentMinutesVersion, listSigners } from '$lib/server/minutes';
import type { PageServerLoad } from './$types';

/** The participant's own page for one workshop; a session from another workshop gets 403. */
export const load: PageServerLoad = async ({ params, locals }) => {
	const db = getDb();
	const workshop = await findWorkshopByCode(db, params.code);
	if (!workshop) error(404, translate(locals.locale, 'join.unknownCode'));
	const viewer = locals.viewer;
	const isStaff = rolesIn(viewer, workshop.forumId).length > 0;
	if (!viewer) redirect(303, `/join/${workshop.joinCode}`);
	if (!isStaff && !(viewer.kind === 'participant' && viewer.workshopId === workshop.id))
		error(403, translate(locals.locale, 'error.forbidden'));
	const me = viewer.kind === 'participant' ? (await listAttendance(db, workshop.id)).find((r) => r.id === viewer.attendanceId) : undefined;
	const institution = me ? await getInstitution(db, workshop.forumId, me.institutionId) : null;
	// A representative who is due to sign the current minutes gets their own link here, on their phone.
	const minutes = me ? await currentMinutesVersion(db, workshop.id) : null;
	const signer = minutes ? (await listSigners(db, minutes.id)).find((s) => s.attendanceId === me!.id && s.status === 'pending') : undefined;
	return {
		timeZone: (await getForum(db, workshop.forumId))?.timeZone ?? null,
		signLink: signer ? `/sign/${signer.linkToken}` : null,
		workshop: { title: workshop.title, date: workshop.date, place: workshop.place, code: workshop.joinCode, status: workshop.status },
		agenda: await listAgenda(db, workshop.id),
		me: me ? { name: me.name, institution: institution?.shortName ?? me.institutionName, approved: institution?.approved ?? true, checkedInAt: me.checkedInAt, confirmed: me.confirmedAt !== null, revoked: me.revokedAt !== null } : null
	};
};
