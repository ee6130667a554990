import { demoModeOn } from '$lib/server/accounts/demo-mode';
import type { LayoutServerLoad } from './$types';

export const load: LayoutServerLoad = ({ locals }) => {
	const viewer = locals.viewer;
	return {
		locale: locals.locale,
		demo: demoModeOn(),
		viewer:
			viewer?.kind === 'account'
				? { kind: 'account' as const, name: viewer.user.name, isAdmin: viewer.user.isAdmin }
				: viewer?.kind === 'participant'
					? { kind: 'participant' as const, name: viewer.name }
					: null
	};
};
