/**
 * The writer thread (see log-writer.ts): its own connection to the database file, one request at a
 * time in the order they came, each append or compaction one transaction, answered with the last
 * log id once it is on disk. Built into build/collab-log-writer.js.
 */
import Database from 'better-sqlite3';
import { drizzle } from 'drizzle-orm/better-sqlite3';
import { parentPort, workerData } from 'node:worker_threads';
import type { Db } from '../db/client';
import * as schema from '../db/schema';
import type { LogWriterReply, LogWriterRequest, LogWriterSettings } from './log-writer';
import { appendToRoomLog, compactRoomLog } from './sqlite-log';

const port = parentPort;
if (!port) throw new Error('log-writer-thread runs as a worker thread only');
const settings = workerData as LogWriterSettings;

// The event loop's connection created the file and applied the migrations; this one only writes the log.
const sqlite = new Database(settings.path, { timeout: settings.busyTimeoutMs });
sqlite.pragma('journal_mode = WAL');
// FULL: an acknowledged append is on disk and survives a power cut, not only a crash of the process.
sqlite.pragma('synchronous = FULL');
sqlite.pragma(`busy_timeout = ${Math.trunc(settings.busyTimeoutMs)}`);
// Its transactions begin IMMEDIATE (sqlite-log.ts), so they wait for the event loop's connection instead of failing.
const db = drizzle(sqlite, { schema }) as Db;

function answer(request: LogWriterRequest): LogWriterReply {
	try {
		switch (request.op) {
			case 'append':
				return { id: request.id, ok: true, lastId: appendToRoomLog(db, request.room, request.updates) };
			case 'compact':
				compactRoomLog(db, request.room, request.state, request.upToId);
				return { id: request.id, ok: true, lastId: request.upToId };
			case 'close':
				sqlite.close();
				return { id: request.id, ok: true, lastId: 0 };
		}
	} catch (error) {
		const code = typeof error === 'object' && error !== null && 'code' in error ? String(error.code) : undefined;
		return { id: request.id, ok: false, error: error instanceof Error ? error.message : String(error), code };
	}
}

port.on('message', (request: LogWriterRequest) => {
	port.postMessage(answer(request));
	// Requests after `close` cannot arrive: the store waits for this thread to exit before starting another.
	if (request.op === 'close') port.close();
});
