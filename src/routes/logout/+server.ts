import { redirect } from '@sveltejs/kit';
import { endSession, SESSION_COOKIE } from '$lib/server/auth';
import { closeParticipantConnections, closeUserConnections } from '$lib/server/collab/registry';
import { getDb } from '$lib/server/db/client';
import type { RequestHandler } from './$types';

export const POST: RequestHandler = async ({ cookies, locals }) => {
	const token = cookies.get(SESSION_COOKIE);
	if (token) await endSession(getDb(), token);
	cookies.delete(SESSION_COOKIE, { path: '/' });
	// The account's live documents close too; its other devices, still signed in, reconnect by themselves.
	const viewer = locals.viewer;
	if (viewer?.kind === 'account') closeUserConnections(viewer.user.id, { final: false, why: 'signed out' });
	else if (viewer?.kind === 'participant') closeParticipantConnections(viewer.workshopId, [viewer.attendanceId], { final: false });
	redirect(303, '/');
};
