import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { parseRoomName } from '../../collab/matrix-doc';
import { resolveSession, SESSION_COOKIE } from '../auth';
import { getDb } from '../db/client';
import { collabSecret, principalFromViewer, verifyCollabToken, type Principal } from './principal';
import { liveRooms, prepareLiveRooms } from './registry';
import { isCollabTokenRevoked } from './revocation';
import { log } from '../log';
import { CLOSE, type Connection } from './rooms';

/** Live documents are served under this path; every other upgrade (Vite's HMR) is left alone. */
export const COLLAB_PATH = '/collab';
/** Largest accepted WebSocket message. A whole matrix of a big forum is far below this. */
export const MAX_MESSAGE_BYTES = 2 * 1024 * 1024;

export function isCollabRequest(req: IncomingMessage): boolean {
	const path = (req.url ?? '').split('?')[0] ?? '';
	return path === COLLAB_PATH || path.startsWith(`${COLLAB_PATH}/`);
}

const KEY = Symbol.for('mufakat.collab.wss');
type Holder = { [KEY]?: WebSocketServer };

function websocketServer(): WebSocketServer {
	const holder = globalThis as Holder;
	// noServer: we answer only our own path; `{ server }` would also grab Vite's HMR upgrades.
	holder[KEY] ??= new WebSocketServer({ noServer: true, maxPayload: MAX_MESSAGE_BYTES, perMessageDeflate: false });
	return holder[KEY];
}

function cookie(req: IncomingMessage, name: string): string | null {
	for (const part of (req.headers.cookie ?? '').split(';')) {
		const [k, ...v] = part.trim().split('=');
		if (k === name) return decodeURIComponent(v.join('='));
	}
	return null;
}

/** Cookies ride along on cross-site WebSocket requests too: accept them only from our own pages. */
function sameOrigin(req: IncomingMessage): boolean {
	const origin = req.headers.origin;
	if (!origin) return true; // not a browser
	try {
		return new URL(origin).host === req.headers.host;
	} catch {
		return false; // an unparsable Origin header is not our page
	}
}

type Decision = { principal: Principal } | { close: number; reason: string };

export async function authenticateUpgrade(req: IncomingMessage): Promise<Decision> {
	const url = new URL(req.url ?? '/', 'http://localhost');
	const workshopId = parseRoomName(url.pathname.slice(COLLAB_PATH.length + 1));
	if (workshopId === null) return { close: CLOSE.notFound, reason: 'unknown room' };
	const db = getDb();
	const token = url.searchParams.get('token');
	if (token) {
		const principal = verifyCollabToken(await collabSecret(db), token);
		if (!principal) return { close: CLOSE.unauthenticated, reason: 'invalid or expired token' };
		if (principal.tokenId && await isCollabTokenRevoked(db, principal.tokenId)) return { close: CLOSE.unauthenticated, reason: 'token revoked' };
		if (principal.workshopId !== workshopId) return { close: CLOSE.forbidden, reason: 'token is for another workshop' };
		return { principal };
	}
	const session = cookie(req, SESSION_COOKIE);
	const viewer = session ? await resolveSession(db, session) : null;
	if (!viewer) return { close: CLOSE.unauthenticated, reason: 'sign in or join the workshop first' };
	if (!sameOrigin(req)) return { close: CLOSE.forbidden, reason: 'cross-site request' };
	const principal = await principalFromViewer(db, viewer, workshopId);
	if (!principal) return { close: CLOSE.forbidden, reason: 'not a participant of this workshop' };
	return { principal };
}

function serve(ws: WebSocket, principal: Principal) {
	const conn: Connection = {
		principal,
		send: (data) => ws.send(data, { binary: true }),
		bufferedAmount: () => ws.bufferedAmount,
		close: (code, reason) => ws.close(code, reason)
	};
	// A LiveSocket keeps what arrives while its room loads (or, with several instances, while its owner is found).
	const room = liveRooms().open(principal.workshopId, conn);
	ws.on('message', (data, isBinary) => {
		if (!isBinary) return ws.close(CLOSE.malformed, 'binary frames only');
		const bytes = Array.isArray(data) ? Buffer.concat(data) : data instanceof ArrayBuffer ? new Uint8Array(data) : data;
		try {
			room.receive(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength));
		} catch (error) {
			// Anything that does not parse or apply cleanly ends this connection only.
			log('warn', 'socket.malformed', { room: room.roomName, subject: principal.subject, error });
			ws.close(CLOSE.malformed, 'malformed message');
		}
	});
	ws.on('close', () => room.leave());
	ws.on('error', (error) => {
		log('warn', 'socket.error', { room: room.roomName, subject: principal.subject, error });
		ws.terminate();
	});
}

/**
 * Answers a collab upgrade. The upgrade always completes, and a refused socket is then closed with
 * a 44xx code: y-websocket treats those as final instead of retrying an HTTP 401 every 2.5 s.
 * Nothing of the document is sent before the connection is authorised.
 */
export async function handleCollabUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
	let decision: Decision;
	try {
		decision = await authenticateUpgrade(req);
	} catch (error) {
		log('warn', 'socket.upgrade.failed', { error });
		decision = { close: CLOSE.malformed, reason: 'bad request' };
	}
	websocketServer().handleUpgrade(req, socket, head, (ws) => {
		if ('close' in decision) ws.close(decision.close, decision.reason);
		else serve(ws, decision.principal);
	});
}

/** Attaches the collab endpoint to an HTTP server that also serves the app. */
export async function attachCollab(server: Server): Promise<void> {
	// The rooms (and the log's writer thread, or the cluster's Redis connections) start with the
	// server, not with the first edit.
	await prepareLiveRooms();
	server.on('upgrade', (req, socket, head) => {
		if (isCollabRequest(req)) void handleCollabUpgrade(req, socket, head);
	});
}

/**
 * Graceful shutdown: every room's appends finish and its log is folded into a snapshot (so the next
 * start loads snapshots), then the writer thread drains and stops.
 */
export function closeCollab(): Promise<void> {
	return liveRooms().closeAll();
}
