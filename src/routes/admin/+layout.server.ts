import { requireAdmin } from '$lib/server/guards';
import type { LayoutServerLoad } from './$types';

/** Every page under /admin is the instance administrator's; each action checks again (layouts do not guard actions). */
export const load: LayoutServerLoad = ({ locals }) => {
	requireAdmin(locals);
	return {};
};
