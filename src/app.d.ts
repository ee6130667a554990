import type { Viewer } from '$lib/server/auth';
import type { Locale } from '$lib/i18n/translate';

declare global {
	namespace App {
		interface Locals {
			viewer: Viewer | null;
			locale: Locale;
		}
		interface PageData {
			locale: Locale;
		}
		interface Error {
			message: string;
		}
	}
}

export {};
