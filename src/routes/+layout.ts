import { loadCatalogue } from '$lib/i18n/locales';
import type { LayoutLoad } from './$types';

/** The page's language catalogue, awaited before anything renders (in the browser, one chunk). */
export const load: LayoutLoad = async ({ data }) => ({ ...data, messages: await loadCatalogue(data.locale) });
