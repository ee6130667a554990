import { error } from '@sveltejs/kit';
import { translate, type Locale } from '$lib/i18n/translate';
import { LinkRefused } from './access-links';

/** Unknown (or revoked) links are not found; used and expired ones are gone for good. */
const STATUS = { unknown: 404, used: 410, expired: 410 } as const;
const MESSAGE = { unknown: 'link.unknown', used: 'link.used', expired: 'link.expired' } as const;

export function formatMoment(date: Date, locale: Locale): string {
	return new Intl.DateTimeFormat(locale === 'id' ? 'id-ID' : 'en-GB', {
		dateStyle: 'long',
		timeStyle: 'short',
		timeZone: 'Asia/Jakarta',
		timeZoneName: 'short'
	}).format(date);
}

function refuse(locale: Locale, e: LinkRefused): never {
	error(STATUS[e.reason], translate(locale, MESSAGE[e.reason], { date: e.expiresAt ? formatMoment(e.expiresAt, locale) : '' }));
}

/**
 * Runs a link page's load or action; a link that is unknown, revoked, used or expired (found now
 * or inside the transaction) becomes the error page with the reason in the user's language.
 */
export async function refusingBadLinks<T>(locale: Locale, run: () => T | Promise<T>): Promise<T> {
	try {
		return await run();
	} catch (e) {
		if (e instanceof LinkRefused) refuse(locale, e);
		throw e;
	}
}
