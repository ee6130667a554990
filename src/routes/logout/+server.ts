import { redirect } from '@sveltejs/kit';
import { endSession, SESSION_COOKIE } from '$lib/server/auth';
import { getDb } from '$lib/server/db/client';
import type { RequestHandler } from './$types';

export const POST: RequestHandler = ({ cookies }) => {
	const token = cookies.get(SESSION_COOKIE);
	if (token) endSession(getDb(), token);
	cookies.delete(SESSION_COOKIE, { path: '/' });
	redirect(303, '/');
};
