/**
 * The representative behind a standing reporting link, for the /r/[token] pages: a wrong token is
 * 404, a revoked or re-issued one 410 with its own message, so whoever holds an old link knows to
 * ask the secretariat for the new one.
 */
import { error } from '@sveltejs/kit';
import { translate, type Locale } from '../../i18n/translate';
import type { Db } from '../db/client';
import { getForum } from '../forums';
import { getInstitution } from '../institutions/institutions';
import { ReportingLinkRefused, resolveReportingLink } from './reporting-links';

export async function requireReportingLink(db: Db, locale: Locale, token: string) {
	try {
		const link = await resolveReportingLink(db, token);
		const forum = await getForum(db, link.forumId);
		const institution = await getInstitution(db, link.forumId, link.institutionId);
		if (!forum || !institution) error(404, translate(locale, 'reporting.unknownLink'));
		return { link, forum, institution };
	} catch (e) {
		if (e instanceof ReportingLinkRefused) error(e.reason === 'revoked' ? 410 : 404, translate(locale, e.reason === 'revoked' ? 'reporting.revokedLink' : 'reporting.unknownLink'));
		throw e;
	}
}
