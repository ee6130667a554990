import { building } from '$app/environment';
import { redirect, type Handle, type HandleServerError, type ServerInit } from '@sveltejs/kit';
import { sequence } from '@sveltejs/kit/hooks';
import { getDb, initDatabase, oneInstanceAtATime } from '$lib/server/db/client';
import { importAreas } from '$lib/server/areas';
import { markDemoAccounts, seedDemo } from '$lib/server/demo';
import { demoModeOn } from '$lib/server/accounts/demo-mode';
import { issueSetupToken, setupBaseUrl } from '$lib/server/accounts/setup';
import { seedDemoCommitments } from '$lib/server/demo-commitments';
import { prepareDemoMinutes, signDemoMinutes } from '$lib/server/demo-minutes';
import { resolveSession, SESSION_COOKIE } from '$lib/server/auth';
import { prepareLiveRooms } from '$lib/server/collab/registry';
import { serverBaseUrl } from '$lib/server/network';
import { securityHeaders } from '$lib/server/security-headers';
import { log } from '$lib/server/log';
import { bodyLimitFor, guardFormData, tooLargeResponse } from '$lib/server/request-body';
import { DEFAULT_LOCALE, isLocale, LOCALE_COOKIE, translate } from '$lib/i18n/translate';

export const init: ServerInit = async () => {
	if (building) return;
	const db = await initDatabase();
	// Before the first request: a page may read or change a live document (freeze, minutes).
	await prepareLiveRooms();
	// Several instances may start together on one PostgreSQL database: they take turns here.
	await oneInstanceAtATime(db, async () => {
		await importAreas(db);
		await markDemoAccounts(db);
		// Until an administrator exists, each start prints a fresh one-time address (the last one stops
		// working); only whoever can read this console can use it.
		const setupToken = await issueSetupToken(db);
		if (setupToken) console.log(`Setup: ${setupBaseUrl()}/setup/${setupToken}`);
		if (demoModeOn() && (await seedDemo(db))) {
			// The 2021 workshop ships signed and sealed, its commitments in the minutes; the seal's QR
			// points at this server's verify page (PUBLIC_URL, else the address phones on the LAN use).
			await prepareDemoMinutes(db);
			await seedDemoCommitments(db);
			await signDemoMinutes(db, serverBaseUrl().url);
		}
	});
};

const session: Handle = async ({ event, resolve }) => {
	const token = event.cookies.get(SESSION_COOKIE);
	event.locals.viewer = token ? await resolveSession(getDb(), token) : null;
	return resolve(event);
};

const i18n: Handle = async ({ event, resolve }) => {
	const fromCookie = event.cookies.get(LOCALE_COOKIE);
	event.locals.locale = isLocale(fromCookie) ? fromCookie : DEFAULT_LOCALE;
	return resolve(event, {
		transformPageChunk: ({ html }) => html.replace('%lang%', event.locals.locale)
	});
};

/** Staff areas need an account before any load or action runs; finer role checks live in each layout. */
const STAFF_PREFIXES = ['/forums', '/workshops', '/api/areas', '/admin', '/account'];

const guards: Handle = async ({ event, resolve }) => {
	const path = event.url.pathname;
	if (STAFF_PREFIXES.some((p) => path === p || path.startsWith(`${p}/`)) && event.locals.viewer?.kind !== 'account') {
		if (event.request.method === 'GET' && !path.startsWith('/api/')) {
			redirect(303, `/login?next=${encodeURIComponent(path + event.url.search)}`);
		}
		// A joined participant is known but not staff: forbidden, not "please sign in".
		const participant = event.locals.viewer?.kind === 'participant';
		return new Response(translate(event.locals.locale, participant ? 'error.forbidden' : 'error.loginRequired'), {
			status: participant ? 403 : 401,
			headers: { 'content-type': 'text/plain; charset=utf-8' }
		});
	}
	return resolve(event);
};

/**
 * Per-route body limits (server.ts lets adapter-node accept 64 MB for evidence uploads): a declared
 * length over the route's limit is refused before a byte is read, and `request.formData()` stops at
 * the limit while streaming and answers 400 for a body that is no form.
 */
const bodies: Handle = async ({ event, resolve }) => {
	const method = event.request.method;
	if (method === 'GET' || method === 'HEAD' || method === 'OPTIONS') return resolve(event);
	const limit = bodyLimitFor(event.url.pathname);
	const declared = Number(event.request.headers.get('content-length') ?? 0);
	if (declared > limit.bytes) return tooLargeResponse(event, limit);
	guardFormData(event, limit);
	const response = await resolve(event);
	// SvelteKit answers a form action sent something other than a form (JSON, no content type) with
	// 415; for a person or a script it is a malformed request like any other, so it gets 400 and the
	// same message in their language (handleError already wrote it into the page or the JSON).
	if (response.status === 415) return new Response(response.body, { status: 400, headers: response.headers });
	return response;
};

export const handle = sequence(securityHeaders(), session, i18n, bodies, guards);

/**
 * A request's own fault (4xx: an action that does not exist, a form action sent JSON) is one info
 * line, not a stack trace. Kit's own messages ("Not Found", "Internal Error") are English: the page
 * says it in the user's language instead.
 */
export const handleError: HandleServerError = ({ error, event, status, message }) => {
	const locale = event.locals.locale ?? DEFAULT_LOCALE;
	if (status < 500) {
		// Logged with the status the person sees: the `bodies` hook turns SvelteKit's 415 into 400.
		log('info', 'request.refused', { status: status === 415 ? 400 : status, path: event.url.pathname, reason: error instanceof Error ? error.message : message });
		const key = status === 404 ? 'error.notFound' : status === 415 ? 'error.malformedForm' : 'error.requestRefused';
		return { message: translate(locale, key) };
	}
	console.error(error);
	return { message: translate(locale, 'error.internal') };
};
