import { getDb } from '$lib/server/db/client';
import { searchVillages } from '$lib/server/areas';
import { formAction } from '$lib/server/forms';
import { requireWorkshopRole } from '$lib/server/guards';
import { listInstitutions } from '$lib/server/institutions/institutions';
import { addComponent, moveComponent, removeComponent, renameComponent, setWorkshopInvitations } from '$lib/server/matrix/structure';
import { addPilotSite, listComponents, listPilotSites, listProgrammes, removePilotSite, setPilotStage } from '$lib/server/programmes/programmes';
import { qrSvg } from '$lib/server/qr';
import { followUpReview } from '$lib/server/rollups';
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
import { error } from '@sveltejs/kit';
import { translate } from '$lib/i18n/translate';
import type { Actions, PageServerLoad, RequestEvent } from './$types';

export const load: PageServerLoad = async ({ locals, params, url }) => {
	const db = getDb();
	const { workshop, forum } = requireWorkshopRole(db, locals, Number(params.workshopId));
	const agenda = listAgenda(db, workshop.id);
	const areaQuery = url.searchParams.get('areaQuery')?.slice(0, 60) ?? '';
	const joinUrl = workshop.joinCode ? `${url.origin}/join/${workshop.joinCode}` : null;
	const previous = workshop.previousWorkshopId ? getWorkshop(db, workshop.previousWorkshopId) : null;
	return {
		agenda,
		agendaMinutes: agendaMinutes(agenda),
		programmes: listProgrammes(db, forum.id).map((p) => ({ id: p.id, name: p.name })),
		components: workshop.programmeId ? listComponents(db, workshop.programmeId) : [],
		pilotSites: workshop.programmeId ? listPilotSites(db, workshop.programmeId) : [],
		institutions: listInstitutions(db, forum.id),
		invited: listInvitedInstitutionIds(db, workshop.id),
		areaQuery,
		areaResults: areaQuery ? searchVillages(db, areaQuery, forum.regencyCode) : [],
		joinUrl,
		joinQr: joinUrl && workshop.status === 'live' ? await qrSvg(joinUrl) : null,
		previous: previous ? { id: previous.id, title: previous.title } : null,
		commitmentReview: previous && workshop.programmeId ? followUpReview(db, forum.id, workshop.programmeId, previous.date) : null
	};
};

/** Every action: moderators only, on this workshop's forum. */
function moderatorContext(event: RequestEvent) {
	const db = getDb();
	const { workshop } = requireWorkshopRole(db, event.locals, Number(event.params.workshopId), ['moderator']);
	return { db, workshop };
}

function programmeOf(event: RequestEvent, workshop: { programmeId: number | null }): number {
	if (!workshop.programmeId) error(400, translate(event.locals.locale, 'component.needProgramme'));
	return workshop.programmeId;
}

const idOf = (form: FormData) => Number(form.get('id'));
const directionOf = (form: FormData) => (form.get('direction') === 'up' ? 'up' : 'down');

export const actions: Actions = {
	details: async (event) => {
		const { db, workshop } = moderatorContext(event);
		return formAction(event.locals.locale, event.request, (form) => {
			updateWorkshop(db, workshop, form);
			return { saved: translate(event.locals.locale, 'workshop.saved') };
		});
	},
	status: async (event) => {
		const { db, workshop } = moderatorContext(event);
		return formAction(event.locals.locale, event.request, (form) => {
			const status = String(form.get('status'));
			if (!(WORKSHOP_STATUSES as readonly string[]).includes(status)) throw new InputError({ status: { key: 'error.invalidChoice' } });
			setWorkshopStatus(db, workshop, status as (typeof WORKSHOP_STATUSES)[number]);
			return { saved: translate(event.locals.locale, 'workshop.saved') };
		});
	},
	addAgenda: async (event) => {
		const { db, workshop } = moderatorContext(event);
		return formAction(event.locals.locale, event.request, (form) => {
			addAgendaItem(db, workshop.id, form);
			return { saved: translate(event.locals.locale, 'workshop.saved') };
		});
	},
	removeAgenda: async (event) => {
		const { db, workshop } = moderatorContext(event);
		removeAgendaItem(db, workshop.id, idOf(await event.request.formData()));
	},
	moveAgenda: async (event) => {
		const { db, workshop } = moderatorContext(event);
		const form = await event.request.formData();
		moveAgendaItem(db, workshop.id, idOf(form), directionOf(form));
	},
	addComponent: async (event) => {
		const { db, workshop } = moderatorContext(event);
		return formAction(event.locals.locale, event.request, (form) => {
			addComponent(db, workshop, form);
			return { saved: translate(event.locals.locale, 'workshop.saved') };
		});
	},
	renameComponent: async (event) => {
		const { db, workshop } = moderatorContext(event);
		return formAction(event.locals.locale, event.request, (form) => {
			renameComponent(db, workshop, idOf(form), form);
			return { saved: translate(event.locals.locale, 'workshop.saved') };
		});
	},
	moveComponent: async (event) => {
		const { db, workshop } = moderatorContext(event);
		return formAction(event.locals.locale, event.request, (form) => {
			moveComponent(db, workshop, idOf(form), directionOf(form));
		});
	},
	removeComponent: async (event) => {
		const { db, workshop } = moderatorContext(event);
		return formAction(event.locals.locale, event.request, (form) => {
			removeComponent(db, workshop, idOf(form));
			return { saved: translate(event.locals.locale, 'workshop.saved') };
		});
	},
	addPilot: async (event) => {
		const { db, workshop } = moderatorContext(event);
		const programmeId = programmeOf(event, workshop);
		return formAction(event.locals.locale, event.request, (form) => {
			addPilotSite(db, programmeId, form);
			return { saved: translate(event.locals.locale, 'workshop.saved') };
		});
	},
	pilotStage: async (event) => {
		const { db, workshop } = moderatorContext(event);
		const programmeId = programmeOf(event, workshop);
		return formAction(event.locals.locale, event.request, (form) => {
			setPilotStage(db, programmeId, idOf(form), form);
			return { saved: translate(event.locals.locale, 'workshop.saved') };
		});
	},
	removePilot: async (event) => {
		const { db, workshop } = moderatorContext(event);
		removePilotSite(db, programmeOf(event, workshop), idOf(await event.request.formData()));
	},
	invite: async (event) => {
		const { db, workshop } = moderatorContext(event);
		return formAction(event.locals.locale, event.request, (form) => {
			setWorkshopInvitations(db, workshop, form.getAll('institutionId').map(Number));
			return { saved: translate(event.locals.locale, 'invite.saved') };
		});
	}
};
