import type { MessageKey } from './messages/id';

export const LOCALES = ['id', 'en'] as const;
export type Locale = (typeof LOCALES)[number];
export const DEFAULT_LOCALE: Locale = 'id';
export const LOCALE_COOKIE = 'mufakat_lang';
export type { MessageKey };
/** One language's messages; `en` is typed against `id`, so both have every key. */
export type Catalogue = Record<MessageKey, string>;

export function isLocale(value: unknown): value is Locale {
	return (LOCALES as readonly unknown[]).includes(value);
}

/** Puts `{name}` parameters into a message. */
export function fill(template: string, params?: Record<string, string | number>): string {
	if (!params) return template;
	return template.replace(/\{(\w+)\}/g, (_, name: string) => String(params[name] ?? `{${name}}`));
}

/**
 * One language's catalogue as its own chunk: the browser loads only the page's language (the root
 * layout awaits this before the page renders), instead of both catalogues in every page's JS.
 */
export async function loadCatalogue(locale: Locale): Promise<Catalogue> {
	return locale === 'en' ? (await import('./messages/en')).en : (await import('./messages/id')).id;
}
