import { page } from '$app/state';

// Only the language-neutral part: importing `./translate` here would put both catalogues into
// every page's JavaScript. The page's own catalogue arrives through the root layout's load.
export * from './locales';
import { DEFAULT_LOCALE, fill, isLocale, type Locale, type MessageKey } from './locales';
import { DEFAULT_TIME_ZONE, formatClock, formatLongDate, formatLongDateTime } from '../time-zones';

/** The page's locale (set by the server hook from the language cookie). */
export function currentLocale(): Locale {
	const locale = page.data?.locale;
	return isLocale(locale) ? locale : DEFAULT_LOCALE;
}

/** Translates in the current page's language; reactive inside templates. */
export function t(key: MessageKey, params?: Record<string, string | number>): string {
	return fill(page.data?.messages?.[key] ?? key, params);
}

/**
 * The zone a page's times are printed in: the forum the page belongs to (its load returns
 * `forum.timeZone`, or a bare `timeZone` on pages without a forum), else WIB.
 */
export function pageTimeZone(): string {
	const data = page.data as { forum?: { timeZone?: unknown }; timeZone?: unknown } | undefined;
	const zone = data?.forum?.timeZone ?? data?.timeZone;
	return typeof zone === 'string' && zone ? zone : DEFAULT_TIME_ZONE;
}

/**
 * A date written out in the page's language ("Senin, 8 November 2021"). An ISO date
 * ("2021-11-08") is a calendar date and prints as is; an instant prints as the date it was in the
 * forum's zone.
 */
export function formatDate(value: string | Date | number, timeZone: string = pageTimeZone(), locale: Locale = currentLocale()): string {
	return formatLongDate(value, timeZone, locale);
}

/** "11.40 WITA": a time in the forum's zone, with the zone's abbreviation. */
export function formatTime(date: Date | number | string, timeZone: string = pageTimeZone(), locale: Locale = currentLocale()): string {
	return formatClock(date, timeZone, locale);
}

/** "Senin, 8 November 2021 pukul 11.40 WITA": the same words the berita acara prints, in the forum's zone. */
export function formatDateTime(date: Date | number | string, timeZone: string = pageTimeZone(), locale: Locale = currentLocale()): string {
	return formatLongDateTime(date, timeZone, locale);
}
