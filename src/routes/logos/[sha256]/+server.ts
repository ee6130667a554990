import { error } from '@sveltejs/kit';
import { getDb } from '$lib/server/db/client';
import { logoInUse } from '$lib/server/forums';
import { logoDir, readLogo } from '$lib/server/forums/logo';
import { translate } from '$lib/i18n/translate';
import type { RequestHandler } from './$types';

/**
 * A forum's letterhead logo, public like the letterhead it is printed on. Addressed by its hash,
 * so it never changes: only logos some forum uses are served.
 */
export const GET: RequestHandler = async ({ locals, params }) => {
	const used = await logoInUse(getDb(), params.sha256);
	const bytes = used ? readLogo(logoDir(), params.sha256) : null;
	if (!used || !bytes) error(404, translate(locals.locale, 'error.notFound'));
	return new Response(new Uint8Array(bytes), {
		headers: {
			'content-type': used.mime,
			'cache-control': 'public, max-age=31536000, immutable',
			'x-content-type-options': 'nosniff'
		}
	});
};
