import { page } from '$app/state';
import type { MessageKey } from './messages';

export * from './translate';
import { DEFAULT_LOCALE, isLocale, translate, type Locale } from './translate';

/** The page's locale (set by the server hook from the language cookie). */
export function currentLocale(): Locale {
	const locale = page.data?.locale;
	return isLocale(locale) ? locale : DEFAULT_LOCALE;
}

/** Translates in the current page's language; reactive inside templates. */
export function t(key: MessageKey, params?: Record<string, string | number>): string {
	return translate(currentLocale(), key, params);
}

/** Dates written out in the page's language, in WIB (the forums' clocks). */
export function formatDate(iso: string, locale: Locale = currentLocale()): string {
	return new Intl.DateTimeFormat(locale === 'id' ? 'id-ID' : 'en-GB', {
		weekday: 'long',
		day: 'numeric',
		month: 'long',
		year: 'numeric',
		timeZone: 'UTC'
	}).format(new Date(`${iso}T00:00:00Z`));
}

export function formatTime(date: Date | number | string, locale: Locale = currentLocale()): string {
	return new Intl.DateTimeFormat(locale === 'id' ? 'id-ID' : 'en-GB', {
		hour: '2-digit',
		minute: '2-digit',
		timeZone: 'Asia/Jakarta'
	}).format(new Date(date));
}
