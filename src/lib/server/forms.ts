import { fail } from '@sveltejs/kit';
import { translate, type Locale } from '$lib/i18n/translate';
import { InputError } from './validation';

/**
 * Runs a form action's domain call; bad input becomes `fail(400)` with every message in the
 * user's language and the submitted values echoed back, so nothing typed is lost (plus whatever
 * `alsoOnRefusal` adds from those values, e.g. what a search field found). Redirects and other
 * errors thrown by `run` pass through.
 */
export async function formAction<T, X extends Record<string, unknown> = Record<never, never>>(
	locale: Locale,
	request: Request,
	run: (form: FormData) => T | Promise<T>,
	alsoOnRefusal?: (values: Record<string, string>) => X
) {
	const form = await request.formData();
	try {
		return await run(form);
	} catch (e) {
		if (e instanceof InputError) {
			const errors = Object.fromEntries(
				Object.entries(e.errors).map(([field, msg]) => [field, translate(locale, msg.key, msg.params)])
			);
			const values = Object.fromEntries(
				// Passwords (password, passwordConfirm, currentPassword …) are never sent back to the page.
				[...form.entries()].filter(([k, v]) => typeof v === 'string' && !/password/i.test(k)).map(([k, v]) => [k, v as string])
			);
			return fail(400, { ...(alsoOnRefusal?.(values) as X), errors, values, action: form.get('_action')?.toString() ?? null });
		}
		throw e;
	}
}
