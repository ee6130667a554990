/**
 * Production entry: one HTTP server for the SvelteKit app (adapter-node's handler) and the
 * live-document WebSocket, on one port. Compiled by `npm run build` into build/server.js.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { attachCollab, closeCollab } from './src/lib/server/collab/index';
import { compressResponse } from './src/lib/server/compression';
import { initDatabase } from './src/lib/server/db/client';
import { registerLogWriterScript } from './src/lib/server/collab/log-writer';
import { log } from './src/lib/server/log';
import { startupLines } from './src/lib/server/network';

type NodeHandler = (req: IncomingMessage, res: ServerResponse, next?: () => void) => void;

const here = dirname(fileURLToPath(import.meta.url));
// The live-document log's writer thread, built beside this file (scripts/build-server.mjs).
registerLogWriterScript(join(here, 'collab-log-writer.js'));

// adapter-node assumes https when ORIGIN is unset, which makes every plain-http form post fail its
// CSRF check. A hall's LAN reaches us as http://<some IP>:3000, so unless the operator set ORIGIN or
// a proxy header, tell the handler the truth about this socket: it is plain http.
const PLAIN_HTTP_HEADER = 'x-mufakat-protocol';
const markPlainHttp = !process.env.ORIGIN && !process.env.PROTOCOL_HEADER;
if (markPlainHttp) process.env.PROTOCOL_HEADER = PLAIN_HTTP_HEADER;
// Evidence photos (5 MB each, several per report) arrive as form posts; adapter-node's default limit
// of 512 KB would cut them off before our own checks could say what is wrong in the user's language.
process.env.BODY_SIZE_LIMIT ??= '64M';
// adapter-node's handler sits beside this file once built; imported at run time, not bundled.
const { handler } = (await import(pathToFileURL(join(here, 'handler.js')).href)) as { handler: NodeHandler };

// PostgreSQL (DATABASE_URL) connects and migrates asynchronously: before the first request or socket.
await initDatabase();

const port = Number(process.env.PORT ?? 3000);
const host = process.env.HOST ?? '0.0.0.0';

const server = createServer((req, res) => {
	if (markPlainHttp) req.headers[PLAIN_HTTP_HEADER] = 'http';
	// Pages and their data leave compressed (assets are precompressed); upgrades never come here.
	compressResponse(req, res);
	handler(req, res, () => {
		res.statusCode = 404;
		res.end('Not found');
	});
});
await attachCollab(server);

server.listen(port, host, () => {
	for (const line of startupLines({ host, port })) console.log(line);
});

/** Longest wait for the live rooms' appends and compaction to finish before giving up. */
const DRAIN_TIMEOUT_MS = 20_000;
let shuttingDown = false;

async function shutdown(signal: string) {
	if (shuttingDown) return;
	shuttingDown = true;
	console.log(`${signal}: closing`);
	// Stuck on a locked database for ever would keep the process from exiting; what was acknowledged
	// is on disk already, so leaving then loses nothing any client saw.
	const giveUp = setTimeout(() => {
		log('error', 'shutdown.drain.timeout', { ms: DRAIN_TIMEOUT_MS });
		process.exit(1);
	}, DRAIN_TIMEOUT_MS);
	giveUp.unref();
	try {
		await closeCollab();
	} catch (error) {
		log('error', 'shutdown.drain.failed', { error });
	}
	server.close(() => process.exit(0));
	// Open WebSockets and keep-alive sockets would hold the process; do not wait for ever.
	setTimeout(() => process.exit(0), 3000).unref();
}
process.on('SIGTERM', () => void shutdown('SIGTERM'));
process.on('SIGINT', () => void shutdown('SIGINT'));
