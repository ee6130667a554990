import { getDb } from '$lib/server/db/client';
import { formAction } from '$lib/server/forms';
import { requireWorkshopRole } from '$lib/server/guards';
import { listInstitutions } from '$lib/server/institutions/institutions';
import { setWorkshopInvitations } from '$lib/server/matrix/structure';
import { listProgrammes } from '$lib/server/programmes/programmes';
import { programmeSetupActions, programmeSetupData } from '$lib/server/programmes/setup';
import { publicBaseUrl } from '$lib/server/network';
import { qrSvg } from '$lib/server/qr';
import { invitationCards } from '$lib/server/workshops/invitations';
import { followUpReview } from '$lib/server/commitments/rollups';
import {
	addAgendaItem,
	agendaMinutes,
	getWorkshop,
	listAgenda,
	listInvitedInstitutionIds,
	moveAgendaItem,
	removeAgendaItem,
	setWorkshopStatus,
	updateWorkshop
} from '$lib/server/workshops/workshops';
import { InputError } from '$lib/server/validation';
import { WORKSHOP_STATUSES } from '$lib/server/db/schema';
import { translate } from '$lib/i18n/translate';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = async ({ locals, params, url }) => {
	const db = getDb();
	const { workshop, forum, roles } = await requireWorkshopRole(db, locals, Number(params.workshopId));
	// An institution's code speaks for it: only the staff who hand out the undangan see them.
	const mayInvite = roles.includes('moderator') || roles.includes('secretariat');
	const agenda = await listAgenda(db, workshop.id);
	const invited = await listInvitedInstitutionIds(db, workshop.id);
	const base = publicBaseUrl(url);
	const joinUrl = workshop.joinCode ? `${base.url}/join/${workshop.joinCode}` : null;
	const previous = workshop.previousWorkshopId ? await getWorkshop(db, workshop.previousWorkshopId) : null;
	return {
		agenda,
		agendaMinutes: agendaMinutes(agenda),
		programmes: (await listProgrammes(db, forum.id)).map((p) => ({ id: p.id, name: p.name })),
		...await programmeSetupData(db, forum, workshop.programmeId, url),
		// Retired institutions are not invited anew, but one already invited stays on the list.
		institutions: (await listInstitutions(db, forum.id, { includeRetired: true })).filter((i) => i.retiredAt === null || invited.includes(i.id)),
		invited,
		joinUrl,
		joinQr: joinUrl && workshop.status === 'live' ? await qrSvg(joinUrl) : null,
		invitations: mayInvite ? await invitationCards(db, workshop.id, base.url) : [],
		networkWarning: base.warning,
		previous: previous ? { id: previous.id, title: previous.title } : null,
		commitmentReview: previous && workshop.programmeId ? await followUpReview(db, forum.id, workshop.programmeId, previous.date) : null
	};
};

/** Every action: moderators only, on this workshop's forum. */
async function moderatorContext(event: { locals: App.Locals; params: { workshopId?: string } }) {
	const db = getDb();
	const { workshop } = await requireWorkshopRole(db, event.locals, Number(event.params.workshopId), ['moderator']);
	return { db, workshop };
}

const idOf = (form: FormData) => Number(form.get('id'));
const directionOf = (form: FormData) => (form.get('direction') === 'up' ? 'up' : 'down');

/** Components and pilot sites: the same actions as the programme's own page, through this workshop. */
const setupActions = programmeSetupActions(async (event) => {
	const { db, workshop } = await moderatorContext(event);
	return { db, scope: workshop };
});

export const actions: Actions = {
	details: async (event) => {
		const { db, workshop } = await moderatorContext(event);
		return formAction(event.locals.locale, event.request, async (form) => {
			await updateWorkshop(db, workshop, form);
			return { saved: translate(event.locals.locale, 'workshop.saved') };
		});
	},
	status: async (event) => {
		const { db, workshop } = await moderatorContext(event);
		return formAction(event.locals.locale, event.request, async (form) => {
			const status = String(form.get('status'));
			if (!(WORKSHOP_STATUSES as readonly string[]).includes(status)) throw new InputError({ status: { key: 'error.invalidChoice' } });
			await setWorkshopStatus(db, workshop, status as (typeof WORKSHOP_STATUSES)[number]);
			return { saved: translate(event.locals.locale, 'workshop.saved') };
		});
	},
	addAgenda: async (event) => {
		const { db, workshop } = await moderatorContext(event);
		return formAction(event.locals.locale, event.request, async (form) => {
			await addAgendaItem(db, workshop.id, form);
			return { saved: translate(event.locals.locale, 'workshop.saved') };
		});
	},
	removeAgenda: async (event) => {
		const { db, workshop } = await moderatorContext(event);
		await removeAgendaItem(db, workshop.id, idOf(await event.request.formData()));
	},
	moveAgenda: async (event) => {
		const { db, workshop } = await moderatorContext(event);
		const form = await event.request.formData();
		await moveAgendaItem(db, workshop.id, idOf(form), directionOf(form));
	},
	...setupActions,
	invite: async (event) => {
		const { db, workshop } = await moderatorContext(event);
		return formAction(event.locals.locale, event.request, async (form) => {
			await setWorkshopInvitations(db, workshop, form.getAll('institutionId').map(Number));
			return { saved: translate(event.locals.locale, 'invite.saved') };
		});
	}
};
