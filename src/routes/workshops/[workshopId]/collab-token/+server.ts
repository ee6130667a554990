import { error, json } from '@sveltejs/kit';
import { roomName } from '$lib/collab/matrix-doc';
import { collabSecret, collabTokenClaims, COLLAB_ROLES, mintCollabToken, type CollabRole } from '$lib/server/collab/principal';
import { revokeCollabToken } from '$lib/server/collab/revocation';
import { getDb } from '$lib/server/db/client';
import { requireWorkshopRole } from '$lib/server/guards';
import { getInstitution } from '$lib/server/institutions/institutions';
import { translate } from '$lib/i18n/translate';
import type { RequestHandler } from './$types';

/**
 * Signed, short-lived tokens for outside Yjs clients and second screens (docs/collab.md).
 * Moderators only; a representative token names one institution of this forum.
 */
export const POST: RequestHandler = async ({ locals, params, request, url }) => {
	const db = getDb();
	const { workshop } = await requireWorkshopRole(db, locals, Number(params.workshopId), ['moderator']);
	const form = await request.formData();
	const role = String(form.get('role') ?? 'viewer') as CollabRole;
	if (!COLLAB_ROLES.includes(role)) error(400, translate(locals.locale, 'error.invalidChoice'));
	let institutionId: number | null = null;
	if (role === 'representative') {
		institutionId = Number(form.get('institutionId'));
		const inst = Number.isInteger(institutionId) ? await getInstitution(db, workshop.forumId, institutionId) : null;
		if (!inst?.approved) error(400, translate(locals.locale, 'error.invalidChoice'));
	}
	const minutes = Math.min(Math.max(Number(form.get('ttlMinutes') ?? 60) || 60, 1), 24 * 60);
	const viewer = locals.viewer!;
	const subject = `${viewer.kind === 'account' ? viewer.user.id : 'x'}-${Date.now().toString(36)}`;
	const secret = await collabSecret(db);
	const token = mintCollabToken(
		secret,
		{ workshopId: workshop.id, role, institutionId, subject, name: String(form.get('name') ?? role).slice(0, 80) },
		minutes * 60
	);
	return json({
		token,
		tokenId: collabTokenClaims(secret, token)?.tokenId,
		room: roomName(workshop.id),
		url: `${url.protocol === 'https:' ? 'wss' : 'ws'}://${url.host}/collab`,
		expiresAt: new Date(Date.now() + minutes * 60_000).toISOString()
	});
};

/**
 * Revokes a token of this workshop before it expires (form field `token`, the token itself): it is
 * refused from now on and every socket opened with it closes at once. Moderators only.
 */
export const DELETE: RequestHandler = async ({ locals, params, request }) => {
	const db = getDb();
	const { workshop } = await requireWorkshopRole(db, locals, Number(params.workshopId), ['moderator']);
	const form = await request.formData();
	const claims = collabTokenClaims(await collabSecret(db), String(form.get('token') ?? '').trim());
	if (!claims || claims.workshopId !== workshop.id) error(400, translate(locals.locale, 'collabToken.unknown'));
	await revokeCollabToken(db, claims.tokenId, claims.expiresAt);
	return json({ revoked: claims.tokenId, message: translate(locals.locale, 'collabToken.revoked') });
};
