import type { LayoutServerLoad } from './$types';

export const load: LayoutServerLoad = ({ locals }) => {
	const viewer = locals.viewer;
	return {
		locale: locals.locale,
		viewer:
			viewer?.kind === 'account'
				? { kind: 'account' as const, name: viewer.user.name }
				: viewer?.kind === 'participant'
					? { kind: 'participant' as const, name: viewer.name }
					: null
	};
};
