import { getDb } from '$lib/server/db/client';
import { canEditForum, READ_ROLES, requireWorkshopRole } from '$lib/server/guards';
import type { LayoutServerLoad } from './$types';

/** Observers pass here for the minutes; every other page under a workshop refuses them in its own load. */
export const load: LayoutServerLoad = async ({ locals, params }) => {
	const { workshop, forum, roles } = await requireWorkshopRole(getDb(), locals, Number(params.workshopId), READ_ROLES);
	return { workshop, forum: { id: forum.id, name: forum.name, shortName: forum.shortName, villageWord: forum.villageWord, regencyCode: forum.regencyCode, timeZone: forum.timeZone }, roles, canEdit: canEditForum(roles) };
};
