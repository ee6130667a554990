/**
 * Peer baseline: @hocuspocus/server 4 with its defaults (documents in memory, no extensions,
 * broadcasts coalesced per event-loop turn), listening on 127.0.0.1:$PORT.
 * Started by run.ts as its own process: `node --import tsx bench/collab/servers/hocuspocus.ts`.
 */
import { Server } from '@hocuspocus/server';

const server = new Server({ port: Number(process.env.PORT), address: '127.0.0.1', quiet: true });
await server.listen();
