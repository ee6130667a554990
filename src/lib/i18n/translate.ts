import { en, id, type MessageKey } from './messages';

export const LOCALES = ['id', 'en'] as const;
export type Locale = (typeof LOCALES)[number];
export const DEFAULT_LOCALE: Locale = 'id';
export const LOCALE_COOKIE = 'mufakat_lang';
export type { MessageKey };

const catalogues: Record<Locale, Record<MessageKey, string>> = { id, en };

export function isLocale(value: unknown): value is Locale {
	return (LOCALES as readonly unknown[]).includes(value);
}

export function translate(locale: Locale, key: MessageKey, params?: Record<string, string | number>): string {
	const template = catalogues[locale][key] ?? catalogues.id[key] ?? key;
	if (!params) return template;
	return template.replace(/\{(\w+)\}/g, (_, name: string) => String(params[name] ?? `{${name}}`));
}

