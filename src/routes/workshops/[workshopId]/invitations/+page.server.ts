import { getDb } from '$lib/server/db/client';
import { requireWorkshopRole } from '$lib/server/guards';
import { publicBaseUrl } from '$lib/server/network';
import { invitationCards } from '$lib/server/workshops/invitations';
import type { PageServerLoad } from './$types';

/** The printable undangan: one card per invited institution with its own code and QR. */
export const load: PageServerLoad = async ({ locals, params, url }) => {
	const db = getDb();
	const { workshop } = await requireWorkshopRole(db, locals, Number(params.workshopId), ['moderator', 'secretariat']);
	const base = publicBaseUrl(url);
	return { invitations: await invitationCards(db, workshop.id, base.url), networkWarning: base.warning };
};
