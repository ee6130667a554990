/**
 * The live-document log's writer thread, seen from the event loop. Each append is a transaction
 * with synchronous=FULL, whose disk flush takes 0.3 ms typically and up to 17 ms on a busy disk;
 * done on the event loop it held up every socket of every room while it lasted. Here a worker
 * thread with its own connection to the same database file does the writes, in the order asked,
 * and answers with the last log id; the room broadcasts only after that answer.
 *
 * Trade-off: SQLite (WAL) lets one connection write at a time, so the event loop's own writes
 * (attendance, throttling, sessions) and the writer thread's appends take turns. Both connections
 * wait for each other up to `busy_timeout` (5 s) instead of failing; a write on the event loop that
 * collides with an append waits for that one flush, which is no worse than before, when every
 * append waited on the event loop.
 */
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { dialectOf, type Db } from '../db/client';
import { DatabaseRoomStore, loadStoredRoom } from './database-store';
import { log } from '../log';
import { SqliteRoomStore, type RoomStore } from './persistence';
import type { StoredRoom } from './rooms';

/** How long either connection waits for the other's write lock before a write fails. */
export const LOG_WRITER_BUSY_TIMEOUT_MS = 5000;

export type LogWriterSettings = { path: string; busyTimeoutMs: number };

export type LogWriterRequest =
	| { id: number; op: 'append'; room: string; updates: Uint8Array[] }
	| { id: number; op: 'compact'; room: string; state: Uint8Array; upToId: number }
	| { id: number; op: 'close' };

export type LogWriterReply = { id: number; ok: true; lastId: number } | { id: number; ok: false; error: string; code?: string };

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;
type Waiting = { op: string; room?: string; resolve: (lastId: number) => void; reject: (error: Error) => void };

/** The thread's built script, or its TypeScript source loaded through tsx's API. */
export type LogWriterScript = { url: URL; tsxApi?: URL };

const SCRIPT_KEY = Symbol.for('mufakat.collab.logWriterScript');
type ScriptHolder = { [SCRIPT_KEY]?: string };

/**
 * Tells the process where the built writer thread is (build/collab-log-writer.js). The production
 * entry calls this before anything opens a room; the SvelteKit bundle, in another folder of
 * build/, finds it through globalThis.
 */
export function registerLogWriterScript(file: string): void {
	(globalThis as ScriptHolder)[SCRIPT_KEY] = resolve(file);
}

function logWriterScript(): LogWriterScript | null {
	const registered = (globalThis as ScriptHolder)[SCRIPT_KEY];
	if (registered) return { url: pathToFileURL(registered) };
	// Running from source (vite dev, vitest, tsx scripts): the thread loads the TypeScript file through
	// tsx. Node 20 does not apply `--import tsx` given in a worker's execArgv, so tsx's API does it.
	if (import.meta.url.endsWith('.ts')) {
		const packageJson = createRequire(import.meta.url).resolve('tsx/package.json');
		const api = (JSON.parse(readFileSync(packageJson, 'utf8')) as { exports: Record<string, { import: { default: string } }> }).exports['./esm/api']!;
		return { url: new URL('./log-writer-thread.ts', import.meta.url), tsxApi: pathToFileURL(join(dirname(packageJson), api.import.default)) };
	}
	return null;
}

/**
 * The store for a database: PostgreSQL the awaited drizzle store (database-store.ts); a SQLite
 * file the writer thread; an in-memory database (unit tests),
 * which a second thread cannot open, is written on the event loop behind the same interface.
 * `MUFAKAT_LOG_WRITER=inline` forces the event-loop writer (to compare the two).
 */
export function roomStoreFor(db: Db): RoomStore {
	// PostgreSQL: the pool writes beside the event loop already; no thread needed.
	if (dialectOf(db) === 'postgres') return new DatabaseRoomStore(db);
	const file = db.$client.name;
	if (db.$client.memory || file === '' || process.env.MUFAKAT_LOG_WRITER === 'inline') return new SqliteRoomStore(db);
	const script = logWriterScript();
	if (!script) {
		log('warn', 'collab.writer.unavailable', { reason: 'writer thread script not registered; appending on the event loop' });
		return new SqliteRoomStore(db);
	}
	return new LogWriterStore(db, script, { path: resolve(file), busyTimeoutMs: LOG_WRITER_BUSY_TIMEOUT_MS });
}

/**
 * `RoomStore` whose writes run on the writer thread. Loading stays on the caller's connection
 * (WAL readers see every committed append). The thread holds the process open only while writes
 * are outstanding.
 */
export class LogWriterStore implements RoomStore {
	private worker: Worker | null = null;
	private readonly waiting = new Map<number, Waiting>();
	private nextId = 1;

	constructor(
		private readonly db: Db,
		private readonly script: LogWriterScript,
		private readonly settings: LogWriterSettings
	) {
		// Started now: booting a thread takes a few hundred milliseconds, which the first edit of a
		// room must not wait for (nothing is broadcast until the thread has answered).
		this.worker = this.start();
	}

	async load(room: string): Promise<StoredRoom> {
		return loadStoredRoom(this.db, room);
	}

	append(room: string, updates: readonly Uint8Array[]): Promise<number> {
		return this.request({ op: 'append', room, updates: [...updates] });
	}

	async compact(room: string, state: Uint8Array, upToId: number): Promise<void> {
		await this.request({ op: 'compact', room, state, upToId });
	}

	/** Waits for every write asked for so far, then stops the thread (a later write starts a new one). */
	async close(): Promise<void> {
		const worker = this.worker;
		if (!worker) return;
		const exited = new Promise<void>((done) => worker.once('exit', () => done()));
		const closed = this.request({ op: 'close' });
		this.worker = null;
		await closed;
		await exited;
	}

	private request(body: DistributiveOmit<LogWriterRequest, 'id'>): Promise<number> {
		const worker = (this.worker ??= this.start());
		const id = this.nextId++;
		return new Promise<number>((resolve, reject) => {
			this.waiting.set(id, { op: body.op, room: 'room' in body ? body.room : undefined, resolve, reject });
			worker.ref();
			worker.postMessage({ id, ...body } as LogWriterRequest);
		});
	}

	private start(): Worker {
		const { url, tsxApi } = this.script;
		const options = { workerData: this.settings satisfies LogWriterSettings, execArgv: [] };
		const worker = tsxApi
			? new Worker(`import(${JSON.stringify(tsxApi.href)}).then((tsx) => tsx.tsImport(${JSON.stringify(url.href)}, ${JSON.stringify(url.href)}))`, { ...options, eval: true })
			: new Worker(url, options);
		worker.unref();
		log('info', 'collab.writer.start', { thread: worker.threadId, database: this.settings.path });
		worker.on('message', (reply: LogWriterReply) => {
			const waiting = this.waiting.get(reply.id);
			if (!waiting) return;
			this.waiting.delete(reply.id);
			if (this.waiting.size === 0) worker.unref();
			if (reply.ok) return waiting.resolve(reply.lastId);
			log('error', 'collab.writer.failed', { request: reply.id, op: waiting.op, room: waiting.room, code: reply.code, error: reply.error });
			waiting.reject(Object.assign(new Error(reply.error), { code: reply.code }));
		});
		worker.on('error', (error) => log('error', 'collab.writer.crashed', { thread: worker.threadId, error }));
		worker.on('exit', (code) => {
			if (this.worker === worker) this.worker = null;
			if (this.waiting.size === 0) return;
			// Whatever it had not answered may or may not be on disk: the rooms append it again, and
			// applying an update twice changes nothing.
			log('error', 'collab.writer.exited', { thread: worker.threadId, code, unanswered: this.waiting.size });
			const error = new Error(`log writer thread exited with code ${code}`);
			for (const waiting of this.waiting.values()) waiting.reject(error);
			this.waiting.clear();
		});
		return worker;
	}
}
