import { error } from '@sveltejs/kit';
import { getDb } from '$lib/server/db/client';
import { requireWorkshopRole } from '$lib/server/guards';
import { currentMinutesVersion, listSigners } from '$lib/server/minutes';
import { publicBaseUrl } from '$lib/server/network';
import { qrSvg } from '$lib/server/qr';
import { translate } from '$lib/i18n/translate';
import type { RequestHandler } from './$types';

/**
 * The QR of one pending signer's link, made when the secretariat opens it rather than for every
 * signer on every refresh of the signing list.
 */
export const GET: RequestHandler = async ({ locals, params, url }) => {
	const db = getDb();
	const { workshop } = await requireWorkshopRole(db, locals, Number(params.workshopId), ['moderator', 'secretariat']);
	const current = await currentMinutesVersion(db, workshop.id);
	const signer = current ? (await listSigners(db, current.id)).find((s) => s.id === Number(params.signerId) && s.status === 'pending') : undefined;
	if (!signer) error(404, translate(locals.locale, 'error.notFound'));
	return new Response(await qrSvg(`${publicBaseUrl(url).url}/sign/${signer.linkToken}`), {
		headers: { 'content-type': 'image/svg+xml', 'cache-control': 'no-store' }
	});
};
