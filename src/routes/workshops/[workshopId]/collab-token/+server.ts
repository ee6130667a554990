import { error, json } from '@sveltejs/kit';
import { roomName } from '$lib/collab/matrix-doc';
import { collabSecret, COLLAB_ROLES, mintCollabToken, type CollabRole } from '$lib/server/collab/principal';
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
	const { workshop } = requireWorkshopRole(db, locals, Number(params.workshopId), ['moderator']);
	const form = await request.formData();
	const role = String(form.get('role') ?? 'viewer') as CollabRole;
	if (!COLLAB_ROLES.includes(role)) error(400, translate(locals.locale, 'error.invalidChoice'));
	let institutionId: number | null = null;
	if (role === 'representative') {
		institutionId = Number(form.get('institutionId'));
		const inst = Number.isInteger(institutionId) ? getInstitution(db, workshop.forumId, institutionId) : null;
		if (!inst?.approved) error(400, translate(locals.locale, 'error.invalidChoice'));
	}
	const minutes = Math.min(Math.max(Number(form.get('ttlMinutes') ?? 60) || 60, 1), 24 * 60);
	const viewer = locals.viewer!;
	const subject = `${viewer.kind === 'account' ? viewer.user.id : 'x'}-${Date.now().toString(36)}`;
	const token = mintCollabToken(
		collabSecret(db),
		{ workshopId: workshop.id, role, institutionId, subject, name: String(form.get('name') ?? role).slice(0, 80) },
		minutes * 60
	);
	return json({
		token,
		room: roomName(workshop.id),
		url: `${url.protocol === 'https:' ? 'wss' : 'ws'}://${url.host}/collab`,
		expiresAt: new Date(Date.now() + minutes * 60_000).toISOString()
	});
};
