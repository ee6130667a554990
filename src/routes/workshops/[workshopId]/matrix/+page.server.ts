import type { Viewer } from '$lib/server/auth';
import { getDb } from '$lib/server/db/client';
import { formAction } from '$lib/server/forms';
import { requireWorkshopRole } from '$lib/server/guards';
import { freezeMatrix, unfreezeMatrix } from '$lib/server/matrix/freeze';
import { collabPrincipalFor, matrixPageData } from '$lib/server/matrix/page';
import { addComponent, addInstitutionToWorkshop, moveComponent, moveRow, renameComponent } from '$lib/server/matrix/structure';
import { listAgenda } from '$lib/server/workshops/workshops';
import { translate } from '$lib/i18n/translate';
import type { Actions, PageServerLoad, RequestEvent } from './$types';

export const load: PageServerLoad = async ({ locals, params }) => {
	const db = getDb();
	const { workshop } = await requireWorkshopRole(db, locals, Number(params.workshopId));
	return {
		matrix: await matrixPageData(db, workshop),
		principal: await collabPrincipalFor(db, locals.viewer, workshop.id),
		agenda: (await listAgenda(db, workshop.id)).map((a) => ({ id: a.id, title: a.title, durationMinutes: a.durationMinutes }))
	};
};

/** Structure and freezing: moderators only. Live edits (locks, session) go over the socket. */
async function moderatorContext(event: RequestEvent) {
	const db = getDb();
	const { workshop } = await requireWorkshopRole(db, event.locals, Number(event.params.workshopId), ['moderator']);
	// Forum roles belong to accounts only, so past the guard the viewer is an account.
	const { user } = event.locals.viewer as Extract<Viewer, { kind: 'account' }>;
	return { db, workshop, userId: user.id };
}

const idOf = (form: FormData, field = 'id') => Number(form.get(field));

export const actions: Actions = {
	addComponent: async (event) => {
		const { db, workshop } = await moderatorContext(event);
		return formAction(event.locals.locale, event.request, async (form) => {
			await addComponent(db, workshop, form);
			return { saved: translate(event.locals.locale, 'matrix.componentAdded') };
		});
	},
	renameComponent: async (event) => {
		const { db, workshop } = await moderatorContext(event);
		return formAction(event.locals.locale, event.request, async (form) => {
			await renameComponent(db, workshop, idOf(form), form);
			return { saved: translate(event.locals.locale, 'workshop.saved') };
		});
	},
	moveComponent: async (event) => {
		const { db, workshop } = await moderatorContext(event);
		return formAction(event.locals.locale, event.request, async (form) => {
			await moveComponent(db, workshop, idOf(form), form.get('direction') === 'left' ? 'up' : 'down');
		});
	},
	addRow: async (event) => {
		const { db, workshop } = await moderatorContext(event);
		return formAction(event.locals.locale, event.request, async (form) => {
			await addInstitutionToWorkshop(db, workshop, idOf(form, 'institutionId'));
			return { saved: translate(event.locals.locale, 'matrix.rowAdded') };
		});
	},
	moveRow: async (event) => {
		const { db, workshop } = await moderatorContext(event);
		return formAction(event.locals.locale, event.request, async (form) => {
			await moveRow(db, workshop, idOf(form, 'institutionId'), form.get('direction') === 'up' ? 'up' : 'down');
		});
	},
	freeze: async (event) => {
		const { db, workshop, userId } = await moderatorContext(event);
		return formAction(event.locals.locale, event.request, async () => {
			const frozen = await freezeMatrix(db, workshop, userId);
			const message = frozen.alreadyFrozen ? 'freeze.already' : 'freeze.done';
			return { saved: translate(event.locals.locale, message, { version: frozen.version }), frozen };
		});
	},
	unfreeze: async (event) => {
		const { db, workshop } = await moderatorContext(event);
		return formAction(event.locals.locale, event.request, async () => {
			await unfreezeMatrix(db, workshop);
			return { saved: translate(event.locals.locale, 'freeze.reopened') };
		});
	}
};
