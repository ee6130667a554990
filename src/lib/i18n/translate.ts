import { en, id } from './messages';
import { fill, type Catalogue, type Locale, type MessageKey } from './locales';

export * from './locales';

/**
 * Both catalogues, imported statically: for the server (actions, PDFs, CSV, refusal texts) and
 * tests. Browser code translates through `$lib/i18n` (`t`), which holds only the page's language.
 */
const catalogues: Record<Locale, Catalogue> = { id, en };

export function translate(locale: Locale, key: MessageKey, params?: Record<string, string | number>): string {
	return fill(catalogues[locale][key] ?? catalogues.id[key] ?? key, params);
}
