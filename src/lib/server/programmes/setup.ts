/**
 * Programme setup as two pages show it: the programme's own page under the forum and a workshop's
 * setup page. Both load the same data and answer the same form actions (component changes through
 * the live-aware structure module, pilot sites checked against the area table), so there is one
 * way to change a programme whichever page the moderator is on.
 */
import type { RequestEvent } from '@sveltejs/kit';
import { translate } from '$lib/i18n/translate';
import { searchVillages } from '../areas';
import type { Db } from '../db/client';
import { formAction } from '../forms';
import { addComponent, moveComponent, removeComponent, renameComponent, type ComponentScope } from '../matrix/structure';
import { InputError } from '../validation';
import { addPilotSite, listPilotSites, removePilotSite, setPilotStage } from './pilot-sites';
import { listComponents } from './programmes';

export async function programmeSetupData(db: Db, forum: { regencyCode: string | null }, programmeId: number | null, url: URL) {
	const areaQuery = url.searchParams.get('areaQuery')?.slice(0, 60) ?? '';
	return {
		components: programmeId ? (await listComponents(db, programmeId)).map((c) => ({ id: c.id, name: c.name, kind: c.kind })) : [],
		pilotSites: programmeId ? await listPilotSites(db, programmeId) : [],
		areaQuery,
		areaResults: areaQuery ? await searchVillages(db, areaQuery, forum.regencyCode) : []
	};
}

/** Who is asking and which programme (directly, or through a workshop) the change is for; throws 403/404 itself. */
export type SetupContext = { db: Db; scope: ComponentScope };

function programmeOf(scope: ComponentScope): number {
	if (!scope.programmeId) throw new InputError({ programmeId: { key: 'component.needProgramme' } });
	return scope.programmeId;
}

const idOf = (form: FormData) => Number(form.get('id'));
const directionOf = (form: FormData) => (form.get('direction') === 'up' ? 'up' : 'down');

/** The form actions of programme setup, for a page that says how to find its context. */
export function programmeSetupActions(context: (event: RequestEvent) => Promise<SetupContext>) {
	const act = (run: (ctx: SetupContext, form: FormData) => Promise<unknown>) => async (event: RequestEvent) => {
		const ctx = await context(event);
		return formAction(event.locals.locale, event.request, async (form) => {
			await run(ctx, form);
			return { saved: translate(event.locals.locale, 'workshop.saved'), action: form.get('_action')?.toString() ?? null };
		});
	};
	return {
		addComponent: act(({ db, scope }, form) => addComponent(db, scope, form)),
		renameComponent: act(({ db, scope }, form) => renameComponent(db, scope, idOf(form), form)),
		moveComponent: act(({ db, scope }, form) => moveComponent(db, scope, idOf(form), directionOf(form))),
		removeComponent: act(({ db, scope }, form) => removeComponent(db, scope, idOf(form))),
		addPilot: act(({ db, scope }, form) => addPilotSite(db, programmeOf(scope), form)),
		pilotStage: act(({ db, scope }, form) => setPilotStage(db, programmeOf(scope), idOf(form), form)),
		removePilot: act(({ db, scope }, form) => removePilotSite(db, programmeOf(scope), idOf(form)))
	};
}
