import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';

/** Live documents are served under this path; every other upgrade (Vite's HMR) is left alone. */
export const COLLAB_PATH = '/collab';

export function isCollabRequest(req: IncomingMessage): boolean {
	const path = (req.url ?? '').split('?')[0] ?? '';
	return path === COLLAB_PATH || path.startsWith(`${COLLAB_PATH}/`);
}

/** Answers a collab upgrade. Until the live-document server lands, it refuses politely. */
export function handleCollabUpgrade(_req: IncomingMessage, socket: Duplex, _head: Buffer): void {
	socket.end('HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
}

/** Attaches the collab endpoint to an HTTP server that also serves the app. */
export function attachCollab(server: Server): void {
	server.on('upgrade', (req, socket, head) => {
		if (isCollabRequest(req)) handleCollabUpgrade(req, socket, head);
	});
}
