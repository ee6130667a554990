import { fail } from '@sveltejs/kit';
import { getDb } from '$lib/server/db/client';
import { formAction } from '$lib/server/forms';
import { requireAdmin } from '$lib/server/guards';
import { shareableLink } from '$lib/server/accounts/share';
import { listAccounts, setAccountActive } from '$lib/server/accounts/manage';
import { issueResetLink, RESET_DAYS } from '$lib/server/accounts/resets';
import { translate } from '$lib/i18n/translate';
import type { Actions, PageServerLoad, RequestEvent } from './$types';

export const load: PageServerLoad = async ({ locals }) => {
	const me = requireAdmin(locals);
	return { accounts: await listAccounts(getDb()), myId: me.id, resetHours: RESET_DAYS * 24 };
};

function accountId(form: FormData): number {
	const id = Number(form.get('userId'));
	return Number.isInteger(id) ? id : -1;
}

async function setActive(event: RequestEvent, active: boolean) {
	const me = requireAdmin(event.locals);
	const db = getDb();
	return formAction(event.locals.locale, event.request, async (form) => {
		const account = await setAccountActive(db, me.id, accountId(form), active);
		if (!account) return fail(400, { message: translate(event.locals.locale, 'error.notFound') });
		return { saved: translate(event.locals.locale, active ? 'admin.reactivated' : 'admin.deactivated', { name: account.name }) };
	});
}

export const actions: Actions = {
	deactivate: (event) => setActive(event, false),
	reactivate: (event) => setActive(event, true),
	reset: async (event) => {
		const me = requireAdmin(event.locals);
		const db = getDb();
		return formAction(event.locals.locale, event.request, async (form) => {
			const issued = await issueResetLink(db, accountId(form), me.id);
			if (!issued) return fail(400, { message: translate(event.locals.locale, 'error.notFound') });
			return { reset: { userId: issued.user.id, name: issued.user.name, expiresAt: issued.link.expiresAt, ...(await shareableLink(event.url, `/reset/${issued.token}`)) } };
		});
	}
};
