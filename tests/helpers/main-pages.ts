import type Database from 'better-sqlite3';
import type { BrowserContext } from 'playwright-core';
import { Client } from './http';
import { invitationCode } from './invitations';
import type { RunningServer } from './server';

/** Who opens a page: each sees what that role sees on the demo. */
export type PageViewer = 'visitor' | 'moderator' | 'participant' | 'admin';
export type MainPage = { name: string; path: string; viewer: PageViewer };

export const DEMO_PASSWORD = 'mufakat-demo';
export const DEMO_MODERATOR = 'moderator@mufakat.test';
const ADMIN = { name: 'Admin Uji', email: 'admin@mufakat.test', password: 'kopi robusta dari way kanan' };
/** The representative of Kel. Taman in the live demo workshop (3), joined with the institution's own code. */
export const PARTICIPANT_INSTITUTION = 'Kel. Taman';
export const LIVE_WORKSHOP = 3;
export const LIVE_CODE = 'TAMAN8';

/**
 * The main pages of the demo, as the issue lists them: what a visitor, a participant, the
 * moderator and the administrator open. Used by the English-mode walk and by bench/page-weight.
 */
export function mainPages(db: Database.Database): MainPage[] {
	return mainPagesWith((db.prepare(SIGNER_TOKEN_SQL).get() as { token: string }).token);
}

/** The link token of the demo's first signer who has signed: the sign page opens with it. */
export const SIGNER_TOKEN_SQL = "select link_token as token from minutes_signers where status = 'signed' order by id limit 1";

/** The main pages, given the sign page's token (read with SIGNER_TOKEN_SQL from either engine). */
export function mainPagesWith(signerToken: string): MainPage[] {
	return [
		{ name: 'home', path: '/', viewer: 'visitor' },
		{ name: 'login', path: '/login', viewer: 'visitor' },
		{ name: 'join', path: `/join/${LIVE_CODE}`, viewer: 'visitor' },
		{ name: 'verify', path: '/verify', viewer: 'visitor' },
		{ name: 'public programme (/p)', path: '/p/1', viewer: 'visitor' },
		{ name: 'sign page', path: `/sign/${signerToken}`, viewer: 'visitor' },
		{ name: 'participant home', path: `/w/${LIVE_CODE}`, viewer: 'participant' },
		{ name: 'participant matrix', path: `/w/${LIVE_CODE}/matrix`, viewer: 'participant' },
		{ name: 'forum', path: '/forums/1', viewer: 'moderator' },
		{ name: 'workshop', path: `/workshops/${LIVE_WORKSHOP}`, viewer: 'moderator' },
		{ name: 'moderator matrix', path: `/workshops/${LIVE_WORKSHOP}/matrix`, viewer: 'moderator' },
		{ name: 'projector', path: `/workshops/${LIVE_WORKSHOP}/projector`, viewer: 'moderator' },
		{ name: 'attendance', path: `/workshops/${LIVE_WORKSHOP}/attendance`, viewer: 'moderator' },
		{ name: 'minutes (signed, sealed)', path: '/workshops/1/minutes', viewer: 'moderator' },
		{ name: 'commitments', path: '/forums/1/commitments', viewer: 'moderator' },
		{ name: 'dashboard', path: '/forums/1/dashboard?programme=1', viewer: 'moderator' },
		{ name: 'programme', path: '/forums/1/programmes/1', viewer: 'moderator' },
		{ name: 'people', path: '/forums/1/people', viewer: 'moderator' },
		{ name: 'admin', path: '/admin', viewer: 'admin' }
	];
}

/** The instance administrator, made once through the Setup address the server printed. */
export async function adminClient(server: RunningServer): Promise<Client> {
	const client = new Client(server.url);
	const setup = server.output().match(/^Setup: (\S+)$/m);
	if (setup) await client.post(new URL(setup[1]!).pathname, { ...ADMIN, passwordConfirm: ADMIN.password });
	const res = await client.post('/login', { email: ADMIN.email, password: ADMIN.password });
	if (res.status !== 303) throw new Error(`admin sign-in answered ${res.status}`);
	return client;
}

/** One signed-in client per server and viewer: the participant joins once, the admin is made once. */
const signedIn = new WeakMap<RunningServer, Map<PageViewer, Promise<Client>>>();

async function clientFor(viewer: Exclude<PageViewer, 'visitor'>, server: RunningServer, db: Database.Database): Promise<Client> {
	if (viewer === 'admin') return adminClient(server);
	const client = new Client(server.url);
	const res =
		viewer === 'moderator'
			? await client.post('/login', { email: DEMO_MODERATOR, password: DEMO_PASSWORD })
			: await client.post(`/join/${invitationCode(db, LIVE_WORKSHOP, PARTICIPANT_INSTITUTION)}`, { name: 'Rina Kartika', jabatan: 'Staf Kelurahan', gender: 'P', phone: '' });
	if (res.status !== 303) throw new Error(`${viewer} sign-in answered ${res.status}`);
	return client;
}

/**
 * Signs a browser context in as the page's viewer, without going through the UI (the walk is about
 * the pages, not the sign-in): staff through the login form, the participant through the
 * institution's own invitation code, each once per server.
 */
export async function signInAs(context: BrowserContext, viewer: PageViewer, server: RunningServer, db: Database.Database): Promise<void> {
	if (viewer === 'visitor') return;
	let clients = signedIn.get(server);
	if (!clients) signedIn.set(server, (clients = new Map()));
	let client = clients.get(viewer);
	if (!client) clients.set(viewer, (client = clientFor(viewer, server, db)));
	const cookies = (await client)
		.cookieHeader()
		.split('; ')
		.filter(Boolean)
		.map((pair) => ({ name: pair.slice(0, pair.indexOf('=')), value: pair.slice(pair.indexOf('=') + 1), url: server.url }));
	await context.addCookies(cookies);
}
