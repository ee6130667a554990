import { getDb } from '$lib/server/db/client';
import { requireWorkshopRole } from '$lib/server/guards';
import type { LayoutServerLoad } from './$types';

export const load: LayoutServerLoad = ({ locals, params }) => {
	const { workshop, forum, roles } = requireWorkshopRole(getDb(), locals, Number(params.workshopId));
	return { workshop, forum: { id: forum.id, name: forum.name, shortName: forum.shortName, villageWord: forum.villageWord, regencyCode: forum.regencyCode, timeZone: forum.timeZone }, roles };
};
