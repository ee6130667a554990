import { error, redirect } from '@sveltejs/kit';
import { eq } from 'drizzle-orm';
import type { Db } from './db/client';
import { attendance } from './db/schema';
import { speaksForInstitution } from './workshops/confirmation';
import { findWorkshopByCode, getWorkshop } from './workshops/workshops';
import { rolesIn, type Viewer } from './auth';
import { translate } from '../i18n/translate';

/**
 * The signed-in representative of this workshop; staff are sent to the forum's commitment pages,
 * strangers to the join page, participants of another workshop get 403.
 */
export async function requireRepresentative(db: Db, locals: App.Locals, code: string) {
	const workshop = await findWorkshopByCode(db, code);
	if (!workshop) error(404, translate(locals.locale, 'join.unknownCode'));
	const viewer = locals.viewer;
	if (!viewer) redirect(303, `/join/${workshop.joinCode}`);
	if (rolesIn(viewer, workshop.forumId).length > 0) redirect(303, `/forums/${workshop.forumId}/commitments`);
	if (viewer.kind !== 'participant' || viewer.workshopId !== workshop.id) error(403, translate(locals.locale, 'error.forbidden'));
	const entry = (await db.select().from(attendance).where(eq(attendance.id, viewer.attendanceId)))[0];
	if (!entry || !speaksForInstitution(entry)) error(403, translate(locals.locale, entry?.revokedAt ? 'door.revoked' : 'door.awaitingConfirmation'));
	return { workshop, viewer: viewer as Extract<Viewer, { kind: 'participant' }> };
}

/**
 * The forum a participant speaks for their institution in: their check-in must be confirmed and not
 * revoked or removed. A viewer waiting for the moderator (the general code) gets null, so nothing
 * that is the institution's (its evidence, its reports) opens for them.
 */
export async function representedForum(db: Db, viewer: Extract<Viewer, { kind: 'participant' }>): Promise<number | null> {
	const entry = (await db.select().from(attendance).where(eq(attendance.id, viewer.attendanceId)))[0];
	if (!entry || !speaksForInstitution(entry)) return null;
	return (await getWorkshop(db, viewer.workshopId))?.forumId ?? null;
}
