import { error } from '@sveltejs/kit';
import { getDb } from '$lib/server/db/client';
import { formAction } from '$lib/server/forms';
import { forumFormContext, forumFormValues, forumFormValuesFrom, getForum, updateForum } from '$lib/server/forums';
import { formatMinutesNumber, peekMinutesNumber } from '$lib/server/forums/numbering';
import { requireAdmin } from '$lib/server/guards';
import { translate } from '$lib/i18n/translate';
import { localIsoDate } from '$lib/time-zones';
import type { Actions, PageServerLoad } from './$types';

async function forumOr404(locals: App.Locals, param: string) {
	const id = Number(param);
	const forum = Number.isInteger(id) ? await getForum(getDb(), id) : null;
	if (!forum) error(404, translate(locals.locale, 'error.notFound'));
	return forum;
}

export const load: PageServerLoad = async ({ locals, params, url }) => {
	requireAdmin(locals);
	const db = getDb();
	const forum = await forumOr404(locals, params.forumId);
	const today = localIsoDate(new Date(), forum.timeZone);
	const values = forumFormValuesFrom(url.searchParams) ?? await forumFormValues(db, forum);
	return {
		forum: { id: forum.id, name: forum.name, shortName: forum.shortName, timeZone: forum.timeZone },
		created: url.searchParams.get('created') === '1',
		logoUrl: forum.logoSha256 ? `/logos/${forum.logoSha256}` : null,
		nextNumber: formatMinutesNumber(forum.numberingPattern, { n: await peekMinutesNumber(db, forum.id, Number(today.slice(0, 4))), shortName: forum.shortName, isoDate: today }),
		values,
		...await forumFormContext(db, values, today)
	};
};

export const actions: Actions = {
	default: async ({ request, locals, params }) => {
		requireAdmin(locals);
		const db = getDb();
		const forum = await forumOr404(locals, params.forumId);
		return formAction(
			locals.locale,
			request,
			async (form) => {
				await updateForum(db, forum.id, form);
				return { saved: translate(locals.locale, 'forum.admin.saved') };
			},
			async (values) => await forumFormContext(db, values, localIsoDate(new Date(), forum.timeZone))
		);
	}
};
