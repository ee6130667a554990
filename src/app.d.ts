import type { Viewer } from '$lib/server/auth';
import type { Catalogue, Locale } from '$lib/i18n/locales';

declare global {
	namespace App {
		interface Locals {
			viewer: Viewer | null;
			locale: Locale;
		}
		interface PageData {
			locale: Locale;
			/** The page language’s catalogue, set by the root layout’s universal load (src/routes/+layout.ts); optional because server loads run before it. */
			messages?: Catalogue;
		}
		interface Error {
			message: string;
		}
	}
}

export {};
