import { fail } from '@sveltejs/kit';
import { translate, type Locale } from '$lib/i18n/translate';
import { InputError } from './validation';

/** What a refusal echoes of a field whose own limit is unknown. */
export const ECHO_MAX_CHARS = 2000;

/**
 * The submitted text fields to show again on a refusal: never a password, and never more of a field
 * than it may hold (its `maxLengths` entry, else ECHO_MAX_CHARS), so a 60 MB field is not sent back.
 */
export function echoedValues(form: FormData, maxLengths: Record<string, number> = {}): Record<string, string> {
	const values: Record<string, string> = {};
	for (const [key, value] of form.entries())
		if (typeof value === 'string' && !/password/i.test(key))
			values[key] = value.slice(0, Math.min(maxLengths[key] ?? ECHO_MAX_CHARS, ECHO_MAX_CHARS * 10));
	return values;
}

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
	alsoOnRefusal?: (values: Record<string, string>) => X | Promise<X>
) {
	const form = await request.formData();
	try {
		return await run(form);
	} catch (e) {
		if (e instanceof InputError) {
			const errors = Object.fromEntries(
				Object.entries(e.errors).map(([field, msg]) => [field, translate(locale, msg.key, msg.params)])
			);
			const values = echoedValues(form, e.maxLengths);
			return fail(400, { ...((await alsoOnRefusal?.(values)) as X), errors, values, action: form.get('_action')?.toString() ?? null });
		}
		throw e;
	}
}
