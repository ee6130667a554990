import { error } from '@sveltejs/kit';
import { getDb } from '$lib/server/db/client';
import { findSignerByToken } from '$lib/server/minutes';
import { sealedPdf } from '$lib/server/sealing';
import { SIGN_LIMIT, limitFromEnv, throttle, throttledMessage } from '$lib/server/throttle';
import { translate } from '$lib/i18n/translate';
import type { RequestHandler } from './$types';

/**
 * A signer's own copy of the sealed berita acara, through their signing link (no account needed):
 * the stored file byte for byte, so that the seal still verifies after it is passed on.
 */
export const GET: RequestHandler = async ({ params, locals, getClientAddress }) => {
	const db = getDb();
	const found = await findSignerByToken(db, params.token);
	if (!found) {
		// Counted like an unknown link on the signing page: guessing tokens is what the limit is for.
		const attempt = await throttle(db, `sign:ip:${getClientAddress()}`, limitFromEnv(SIGN_LIMIT, 'MUFAKAT_SIGN_LIMIT'));
		if (!attempt.allowed) error(429, throttledMessage(locals.locale, attempt.retryAfterMs));
		error(404, translate(locals.locale, 'sign.unknownLink'));
	}
	const { version } = found;
	const pdf = await sealedPdf(db, version.workshopId, version.version);
	if (!pdf) error(404, translate(locals.locale, 'sign.notSealedYet'));
	return new Response(Buffer.from(pdf), {
		headers: {
			'content-type': 'application/pdf',
			'content-disposition': `attachment; filename="berita-acara-${version.workshopId}-v${version.version}.pdf"`,
			'cache-control': 'no-store'
		}
	});
};
