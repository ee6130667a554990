import { redirect } from '@sveltejs/kit';
import { localPath } from '$lib/server/local-path';
import { isLocale, LOCALE_COOKIE } from '$lib/i18n/translate';
import type { RequestHandler } from './$types';

export const POST: RequestHandler = async ({ request, cookies }) => {
	const form = await request.formData();
	const locale = form.get('locale');
	if (isLocale(locale)) cookies.set(LOCALE_COOKIE, locale, { path: '/', maxAge: 365 * 24 * 3600, httpOnly: false, sameSite: 'lax' });
	redirect(303, localPath(form.get('redirectTo') ?? '/'));
};
