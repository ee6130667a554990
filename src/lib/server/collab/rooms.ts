/**
 * Live rooms: one Y.Doc per workshop, loaded completely from the store before the first sync,
 * every accepted update appended to the store before it is broadcast, and broadcasts batched:
 * the updates that are appended together leave as one message, encoded once and sent as the same
 * buffer to every socket.
 */
import * as Y from 'yjs';
import { roots } from '../../collab/matrix-doc';
import { encodeRefusal, type Refusal } from '../../collab/refusals';
import { log } from '../log';
import { UpdateAuthoriser, type SiteLookup } from './authz';
import type { RoomStore } from './persistence';
import type { Principal } from './principal';
import {
	awarenessMessage,
	awarenessProtocol,
	encodeAwarenessEntries,
	parseAwarenessUpdate,
	parseMessage,
	permissionDeniedMessage,
	syncStep1Message,
	syncStep2Message,
	updateMessage
} from './protocol';

export const SERVER_ORIGIN = Symbol('mufakat-server');
const LOAD_ORIGIN = Symbol('mufakat-load');

/**
 * Close codes. y-websocket treats 4400–4499 as final (it stops reconnecting); every other code
 * makes it retry, which is what a socket cut off for falling behind must do.
 */
export const CLOSE = {
	malformed: 4400,
	unauthenticated: 4401,
	forbidden: 4403,
	notFound: 4404,
	/** "Try again later": the client reconnects by itself and resynchronises. */
	slowConsumer: 1013,
	shuttingDown: 1012,
	/** Who the connection speaks for changed (staff corrected an attendance entry): reconnect with the new rights. */
	rightsChanged: 4000
} as const;

export interface Connection {
	readonly principal: Principal;
	send(data: Uint8Array): void;
	/** Bytes queued on the socket; a consumer this far behind is cut off rather than buffered for ever. */
	bufferedAmount(): number;
	close(code: number, reason: string): void;
}

export type RoomLimits = {
	/** Compact after this many appended updates. */
	compactEvery: number;
	/**
	 * Compaction waits for this long without updates (a pause in the typing), so its write does not
	 * stall a busy room; a room that never pauses compacts at `compactEvery` × 10 updates regardless.
	 */
	compactQuietMs: number;
	/** Unload a room this long after its last connection left. */
	idleMs: number;
	/** Send awareness at most this often per room. */
	awarenessIntervalMs: number;
	/** Cut off a socket with more than this many bytes queued. */
	maxBufferedBytes: number;
	/** Refuse updates once the room's stored document would pass this size. */
	maxRoomBytes: number;
	/** Bytes of updates one connection may send per minute (refusals count at least `refusalCost`). */
	writeBytesPerMinute: number;
	/** Awareness client ids one connection may speak for (a browser tab uses one). */
	awarenessIdsPerConnection: number;
	/** Largest awareness state accepted, in characters of its JSON. */
	maxAwarenessStateBytes: number;
	/** Awareness messages one connection may send per second (a burst of twice that is allowed). */
	awarenessPerSecond: number;
};

export const DEFAULT_LIMITS: RoomLimits = {
	compactEvery: 300,
	compactQuietMs: 1000,
	idleMs: 30_000,
	awarenessIntervalMs: 100,
	maxBufferedBytes: 8 * 1024 * 1024,
	maxRoomBytes: 8 * 1024 * 1024,
	writeBytesPerMinute: 2 * 1024 * 1024,
	awarenessIdsPerConnection: 2,
	maxAwarenessStateBytes: 2048,
	awarenessPerSecond: 10
};

/** Each refusal costs a shadow rebuild: a connection that keeps sending refused updates runs out of budget. */
const REFUSAL_COST = 64 * 1024;

export type RoomOptions = Partial<RoomLimits> & {
	store: RoomStore;
	/**
	 * Fills a brand-new document (nothing stored yet) from the structured records: reads them
	 * (asynchronously) and returns the change to apply, which runs in one transaction.
	 */
	seed: (workshopId: number) => Promise<DocChange>;
	/**
	 * Brings a loaded document back in step with the structured records (rows and components added,
	 * renamed or removed in SQL while the room was unloaded). The returned change runs inside a
	 * server-origin transaction, so whatever it repairs is stored and broadcast like any server change.
	 */
	reconcile?: (workshopId: number) => Promise<DocChange>;
	/** Whether a pilot-site code exists in the area table; cells may name only real places. */
	knownSite?: SiteLookup;
	onRejected?: (principal: Principal, refusal: Refusal) => void;
};
/** A synchronous change to a document: a Yjs transaction cannot span an await. */
export type DocChange = (doc: Y.Doc) => void;

/** What a room's store held when it was loaded. */
export type StoredRoom = { snapshot: Uint8Array | null; updates: Uint8Array[]; lastId: number };

type ResolvedOptions = RoomLimits & Pick<RoomOptions, 'store' | 'seed' | 'reconcile' | 'knownSite' | 'onRejected'>;

/** A budget that refills continuously: `capacity` units, `perMs` units regained per millisecond. */
class Budget {
	private level: number;
	private at = Date.now();
	constructor(
		private readonly capacity: number,
		private readonly perMs: number
	) {
		this.level = capacity;
	}
	take(amount: number): boolean {
		const now = Date.now();
		this.level = Math.min(this.capacity, this.level + (now - this.at) * this.perMs);
		this.at = now;
		if (this.level < amount) return false;
		this.level -= amount;
		return true;
	}
}

type ConnState = { awarenessIds: Set<number>; writes: Budget; awarenessMessages: Budget };

/** After a failed append, the room tries again this much later (or at its next accepted update). */
const APPEND_RETRY_MS = 1000;

/** Updates accepted together: appended in one transaction, then broadcast in one message. */
class Batch {
	readonly updates: Uint8Array[] = [];
	/** Settles when the batch is durable (resolves) or its append failed (rejects). */
	readonly stored: Promise<void>;
	settle!: (error?: unknown) => void;
	constructor() {
		this.stored = new Promise<void>((resolve, reject) => {
			this.settle = (error) => (error === undefined ? resolve() : reject(error));
		});
		// Often nobody waits for a batch; its failure is handled by the room (logged, sockets closed).
		this.stored.catch(() => undefined);
	}
}

export class Room {
	readonly doc = new Y.Doc({ gc: true });
	readonly awareness: awarenessProtocol.Awareness;
	readonly connections = new Map<Connection, ConnState>();
	/** Yjs client id → the subject that first wrote with it. */
	readonly bindings = new Map<number, string>();
	private readonly authoriser: UpdateAuthoriser;
	/**
	 * Accepted, not yet handed to the store. While a batch is being appended, everything accepted
	 * joins this one, so the batches grow with the load (group commit) and one flush covers them all.
	 */
	private queued: Batch | null = null;
	/** Handed to the store, not yet acknowledged; broadcast once it is. One at a time, so broadcasts keep acceptance order. */
	private appending: Batch | null = null;
	private appendScheduled = false;
	private retryTimer: NodeJS.Timeout | null = null;
	private compacting: Promise<boolean> | null = null;
	private destroyed = false;
	private pendingAwareness = new Set<number>();
	private awarenessTimer: NodeJS.Timeout | null = null;
	private lastAwarenessFlush = 0;
	private appendedSinceCompact = 0;
	private compactScheduled = false;
	/** The newest log id this room loaded or appended: compaction folds up to here and no further. */
	private lastLogId = 0;
	/** Size of the stored document: exact after loading and compaction, plus each update since. */
	private storedBytes = 0;
	/** True while an update the authoriser already applied to the shadow is applied to the served doc. */
	private applyingAuthorised = false;
	unloadTimer: NodeJS.Timeout | null = null;

	constructor(
		readonly name: string,
		readonly workshopId: number,
		private readonly options: ResolvedOptions,
		stored: StoredRoom,
		repair: DocChange | null,
		started = Date.now()
	) {
		this.bindings.set(this.doc.clientID, 'server');
		const { snapshot, updates, lastId } = stored;
		this.lastLogId = lastId;
		this.doc.transact(() => {
			if (snapshot) Y.applyUpdate(this.doc, snapshot);
			for (const update of updates) Y.applyUpdate(this.doc, update);
		}, LOAD_ORIGIN);
		// Give loaded root types their real classes now, before any update is checked against them.
		roots(this.doc);
		this.storedBytes = (snapshot?.byteLength ?? 0) + updates.reduce((sum, u) => sum + u.byteLength, 0);
		this.authoriser = new UpdateAuthoriser(this.doc, options.knownSite);
		// Registered after loading: what was loaded is already stored.
		this.doc.on('update', (update: Uint8Array, origin: unknown) => this.onDocUpdate(update, origin));
		if (repair) this.transact(repair);

		this.awareness = new awarenessProtocol.Awareness(this.doc);
		this.awareness.setLocalState(null);
		this.awareness.on('update', ({ added, updated, removed }: { added: number[]; updated: number[]; removed: number[] }) => {
			for (const id of [...added, ...updated, ...removed]) this.pendingAwareness.add(id);
			this.scheduleAwarenessFlush();
		});
		log('info', 'room.load', { room: name, snapshotBytes: snapshot?.byteLength ?? 0, updates: updates.length, ms: Date.now() - started });
	}

	/**
	 * Every change to the served document: queued, appended to the store, and broadcast only once the
	 * store has acknowledged it (durable). Client updates wait for the end of the event-loop turn, so
	 * whatever arrived in the turn shares one disk flush and one message; the server's own changes
	 * (structure, freezing) are handed to the store at once.
	 */
	private onDocUpdate(update: Uint8Array, origin: unknown) {
		// The authoriser's shadow already holds client updates it accepted; everything else (the
		// server's own changes) must reach it too, or the two documents drift apart.
		if (!this.applyingAuthorised) this.authoriser.follow(update);
		this.storedBytes += update.byteLength;
		(this.queued ??= new Batch()).updates.push(update);
		if (++this.appendedSinceCompact >= this.options.compactEvery) this.scheduleCompaction();
		if (origin === SERVER_ORIGIN) this.appendQueued();
		else if (!this.appendScheduled) {
			this.appendScheduled = true;
			setImmediate(() => {
				this.appendScheduled = false;
				this.appendQueued();
			});
		}
	}

	private compactTimer: NodeJS.Timeout | null = null;

	private scheduleCompaction() {
		if (this.compactScheduled) return;
		if (this.compactTimer) clearTimeout(this.compactTimer);
		const overdue = this.appendedSinceCompact >= this.options.compactEvery * 10;
		const run = () => {
			this.compactTimer = null;
			void this.compact();
		};
		if (overdue || this.options.compactQuietMs <= 0) {
			this.compactScheduled = true;
			setImmediate(run);
		} else {
			this.compactTimer = setTimeout(run, this.options.compactQuietMs);
			this.compactTimer.unref();
		}
	}

	/**
	 * Hands the queued batch to the store unless one is already in flight (its acknowledgement
	 * starts the next). Acknowledged: the batch is broadcast; failed: nothing of it is sent.
	 */
	private appendQueued() {
		if (this.appending || !this.queued || this.destroyed) return;
		const batch = (this.appending = this.queued);
		this.queued = null;
		let stored: Promise<number>;
		try {
			stored = this.options.store.append(this.name, batch.updates);
		} catch (error) {
			stored = Promise.reject(error);
		}
		stored.then(
			(lastId) => {
				this.appending = null;
				this.lastLogId = Math.max(this.lastLogId, lastId);
				// The next batch goes to the store before this one's sends, so its flush overlaps them.
				this.appendQueued();
				try {
					if (this.connections.size > 0) this.broadcast(updateMessage(batch.updates.length === 1 ? batch.updates[0]! : Y.mergeUpdates(batch.updates)));
				} finally {
					batch.settle();
				}
			},
			(error: unknown) => {
				this.appending = null;
				this.appendFailed(batch, error);
			}
		);
	}

	/**
	 * Not stored means not sent. The updates stay in the served document, so they go first into the
	 * next batch and are appended again (after `APPEND_RETRY_MS`, or with the next accepted update);
	 * the sockets are closed with a code clients retry, and the clients resend their edits on reconnect.
	 */
	private appendFailed(batch: Batch, error: unknown) {
		log('error', 'room.append.failed', { room: this.name, updates: batch.updates.length, error });
		const next = (this.queued ??= new Batch());
		next.updates.unshift(...batch.updates);
		batch.settle(error instanceof Error ? error : new Error(String(error)));
		for (const conn of [...this.connections.keys()]) conn.close(CLOSE.shuttingDown, 'storage failed, reconnect');
		if (this.destroyed) {
			next.settle(new Error(`room ${this.name} closed before its updates were stored`));
			this.queued = null;
			return;
		}
		if (this.retryTimer) return;
		this.retryTimer = setTimeout(() => {
			this.retryTimer = null;
			this.appendQueued();
		}, APPEND_RETRY_MS);
		this.retryTimer.unref();
	}

	/** Resolves once everything accepted so far is durable; rejects if that append failed. */
	stored(): Promise<void> {
		return (this.queued ?? this.appending)?.stored ?? Promise.resolve();
	}

	/** Something accepted is not yet acknowledged by the store. */
	get storing(): boolean {
		return this.queued !== null || this.appending !== null;
	}

	private scheduleAwarenessFlush() {
		if (this.awarenessTimer) return;
		const wait = Math.max(0, this.lastAwarenessFlush + this.options.awarenessIntervalMs - Date.now());
		this.awarenessTimer = setTimeout(() => this.flushAwareness(), wait);
	}

	private flushAwareness() {
		this.awarenessTimer = null;
		this.lastAwarenessFlush = Date.now();
		const ids = [...this.pendingAwareness];
		this.pendingAwareness.clear();
		if (ids.length === 0 || this.connections.size === 0) return;
		this.broadcast(awarenessMessage(awarenessProtocol.encodeAwarenessUpdate(this.awareness, ids)));
	}

	private broadcast(message: Uint8Array) {
		for (const conn of this.connections.keys()) this.sendTo(conn, message);
	}

	private sendTo(conn: Connection, message: Uint8Array) {
		if (conn.bufferedAmount() > this.options.maxBufferedBytes) {
			log('warn', 'socket.slow', { room: this.name, subject: conn.principal.subject, buffered: conn.bufferedAmount() });
			conn.close(CLOSE.slowConsumer, 'too far behind, reconnect');
			this.leave(conn);
			return;
		}
		conn.send(message);
	}

	join(conn: Connection) {
		if (this.unloadTimer) {
			clearTimeout(this.unloadTimer);
			this.unloadTimer = null;
		}
		const { writeBytesPerMinute, awarenessPerSecond } = this.options;
		this.connections.set(conn, {
			awarenessIds: new Set(),
			writes: new Budget(writeBytesPerMinute, writeBytesPerMinute / 60_000),
			awarenessMessages: new Budget(awarenessPerSecond * 2, awarenessPerSecond / 1000)
		});
		this.sendTo(conn, syncStep1Message(this.doc));
		const states = [...this.awareness.getStates().keys()];
		if (states.length > 0) this.sendTo(conn, awarenessMessage(awarenessProtocol.encodeAwarenessUpdate(this.awareness, states)));
	}

	private refuse(conn: Connection, refusal: Refusal) {
		log('info', 'update.refused', { room: this.name, subject: conn.principal.subject, role: conn.principal.role, ...refusal });
		this.options.onRejected?.(conn.principal, refusal);
		this.sendTo(conn, permissionDeniedMessage(encodeRefusal(refusal)));
	}

	/** Handles one frame from a connection. Throws on malformed input; the caller closes the socket. */
	receive(conn: Connection, data: Uint8Array) {
		const state = this.connections.get(conn);
		if (!state) return;
		const message = parseMessage(data);
		switch (message.kind) {
			case 'sync-step-1': {
				const reply = syncStep2Message(this.doc, message.stateVector);
				if (!this.storing) return this.sendTo(conn, reply);
				// The reply holds updates still being appended: like a broadcast, it leaves once they are
				// durable. A failed append is logged and has closed the sockets, this one included.
				this.stored().then(
					() => {
						if (this.connections.has(conn)) this.sendTo(conn, reply);
					},
					() => undefined
				);
				return;
			}
			case 'update':
				this.receiveUpdate(conn, state, message.update);
				return;
			case 'awareness':
				this.receiveAwareness(conn, state, message.update);
				return;
			case 'query-awareness': {
				const states = [...this.awareness.getStates().keys()];
				this.sendTo(conn, awarenessMessage(awarenessProtocol.encodeAwarenessUpdate(this.awareness, states)));
				return;
			}
		}
	}

	private receiveUpdate(conn: Connection, state: ConnState, update: Uint8Array) {
		if (!state.writes.take(update.byteLength)) return this.refuse(conn, { code: 'writeRate' });
		if (this.storedBytes + update.byteLength > this.options.maxRoomBytes) return this.refuse(conn, { code: 'roomFull', limit: this.options.maxRoomBytes });
		const verdict = this.authoriser.authorize(update, conn.principal, this.bindings);
		if (!verdict.ok) {
			state.writes.take(Math.min(REFUSAL_COST, Number.MAX_SAFE_INTEGER));
			return this.refuse(conn, verdict.refusal);
		}
		if (!verdict.changed) return;
		for (const client of verdict.clients) if (!this.bindings.has(client)) this.bindings.set(client, conn.principal.subject);
		this.applyingAuthorised = true;
		try {
			Y.applyUpdate(this.doc, update, conn);
		} finally {
			this.applyingAuthorised = false;
		}
	}

	/**
	 * Presence is forwarded only for the client ids this connection owns (at most a few), each
	 * state small, at a bounded rate; anything beyond is dropped, so one participant cannot flood
	 * everyone else's sockets.
	 */
	private receiveAwareness(conn: Connection, state: ConnState, update: Uint8Array) {
		const entries = parseAwarenessUpdate(update);
		if (!state.awarenessMessages.take(1)) return;
		const subject = conn.principal.subject;
		const kept = entries.filter((entry) => {
			if (entry.state.length > this.options.maxAwarenessStateBytes) return false;
			const owner = this.bindings.get(entry.client);
			// Standard providers echo presence they heard from others: dropped, not treated as forgery.
			if (owner !== undefined && owner !== subject) return false;
			if (!state.awarenessIds.has(entry.client) && state.awarenessIds.size >= this.options.awarenessIdsPerConnection) return false;
			try {
				JSON.parse(entry.state);
			} catch {
				return false;
			}
			return true;
		});
		if (kept.length === 0) return;
		for (const { client } of kept) {
			if (!this.bindings.has(client)) this.bindings.set(client, subject);
			state.awarenessIds.add(client);
		}
		awarenessProtocol.applyAwarenessUpdate(this.awareness, kept.length === entries.length ? update : encodeAwarenessEntries(kept), conn);
	}

	leave(conn: Connection) {
		const state = this.connections.get(conn);
		if (!state) return;
		this.connections.delete(conn);
		if (state.awarenessIds.size > 0) awarenessProtocol.removeAwarenessStates(this.awareness, [...state.awarenessIds], null);
	}

	/** A change made by the server itself (structure, freeze): persisted and broadcast like any other. */
	transact<T>(fn: (doc: Y.Doc) => T): T {
		let result!: T;
		this.doc.transact(() => {
			result = fn(this.doc);
		}, SERVER_ORIGIN);
		return result;
	}

	/**
	 * Folds the log into one snapshot, up to the last update this room itself appended or loaded.
	 * It waits for the appends already asked for (the store runs writes in order, so the fold never
	 * overtakes them). A failure (disk full, a locked database) is logged and the log kept: the room
	 * goes on serving. One compaction at a time.
	 */
	compact(): Promise<boolean> {
		this.compactScheduled = false;
		this.compacting ??= this.compactNow().finally(() => {
			this.compacting = null;
		});
		return this.compacting;
	}

	/**
	 * Shutdown: lets a compaction under way finish, then folds once more, after every append the
	 * room has taken (that compaction may have started before the last of them).
	 */
	async drain(): Promise<boolean> {
		await this.compacting;
		return this.compact();
	}

	private async compactNow(): Promise<boolean> {
		const started = Date.now();
		try {
			await this.stored();
			// What arrives while the snapshot is written is appended after `upToId` and stays in the log.
			const state = Y.encodeStateAsUpdate(this.doc);
			const upToId = this.lastLogId;
			const counted = this.appendedSinceCompact;
			const bytesBefore = this.storedBytes;
			await this.options.store.compact(this.name, state, upToId);
			this.appendedSinceCompact -= counted;
			this.storedBytes = state.byteLength + (this.storedBytes - bytesBefore);
			log('info', 'room.compact', { room: this.name, bytes: state.byteLength, upToId, ms: Date.now() - started });
			return true;
		} catch (error) {
			// Try again after another `compactEvery` updates rather than on every update.
			this.appendedSinceCompact = 0;
			log('error', 'room.compact.failed', { room: this.name, error });
			return false;
		}
	}

	destroy() {
		this.destroyed = true;
		// Never to be appended here: whoever waits for it (a server change) hears so instead of waiting
		// for ever. The clients still hold these updates and send them again wherever they reconnect.
		this.queued?.settle(new Error(`room ${this.name} closed before its updates were stored`));
		this.queued = null;
		if (this.compactTimer) clearTimeout(this.compactTimer);
		if (this.awarenessTimer) clearTimeout(this.awarenessTimer);
		if (this.unloadTimer) clearTimeout(this.unloadTimer);
		if (this.retryTimer) clearTimeout(this.retryTimer);
		this.awareness.destroy();
		this.authoriser.destroy();
		this.doc.destroy();
	}
}

export class RoomManager {
	readonly rooms = new Map<number, Room>();
	private readonly options: ResolvedOptions;

	constructor(options: RoomOptions) {
		const limits = Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)) as RoomOptions;
		this.options = { ...DEFAULT_LIMITS, ...limits };
	}

	/** Rooms being loaded: everyone who asks meanwhile waits for the same load. */
	private readonly loading = new Map<number, Promise<Room>>();

	/** The loaded room, loading it completely (stored log, then seed or repair) if needed. */
	room(workshopId: number): Promise<Room> {
		const loaded = this.rooms.get(workshopId);
		if (loaded) return Promise.resolve(loaded);
		let pending = this.loading.get(workshopId);
		if (!pending) {
			pending = this.load(workshopId).finally(() => this.loading.delete(workshopId));
			this.loading.set(workshopId, pending);
		}
		return pending;
	}

	private async load(workshopId: number): Promise<Room> {
		const started = Date.now();
		const name = `workshop-${workshopId}`;
		const stored = await this.options.store.load(name);
		const fresh = !stored.snapshot && stored.updates.length === 0;
		const repair = fresh ? await this.options.seed(workshopId) : this.options.reconcile ? await this.options.reconcile(workshopId) : null;
		const room = new Room(name, workshopId, this.options, stored, repair, started);
		this.rooms.set(workshopId, room);
		this.scheduleUnload(room);
		return room;
	}

	async connect(workshopId: number, conn: Connection): Promise<Room> {
		const room = await this.room(workshopId);
		room.join(conn);
		return room;
	}

	disconnect(room: Room, conn: Connection) {
		room.leave(conn);
		if (room.connections.size === 0) this.scheduleUnload(room);
	}

	/**
	 * Closes the connections of a loaded room whose principal matches: a participant whose
	 * attendance entry was removed (a final 44xx code) or whose institution changed (a code the client
	 * retries, so it reconnects with its new rights). Rooms that are not loaded have no connections.
	 */
	closeConnections(workshopId: number, match: (principal: Principal) => boolean, code: number, reason: string): number {
		const room = this.rooms.get(workshopId);
		if (!room) return 0;
		let closed = 0;
		for (const conn of [...room.connections.keys()])
			if (match(conn.principal)) {
				conn.close(code, reason);
				closed++;
			}
		return closed;
	}

	/** `closeConnections` in every loaded room: a signed-out account or a revoked token is in any of them. */
	closeConnectionsEverywhere(match: (principal: Principal) => boolean, code: number, reason: string): number {
		let closed = 0;
		for (const workshopId of [...this.rooms.keys()]) closed += this.closeConnections(workshopId, match, code, reason);
		return closed;
	}

	/**
	 * Runs a server-side change on a workshop's live document (loaded on demand). The document
	 * changes at once (a read right after sees it); the promise resolves once the change is durable,
	 * so a caller answers its user only then, and rejects if it could not be stored.
	 */
	change<T>(workshopId: number, fn: (doc: Y.Doc) => T): Promise<T> {
		// A loaded room changes in this very turn (a read right after sees it); only loading waits.
		const loaded = this.rooms.get(workshopId);
		return loaded ? this.changeIn(loaded, fn) : this.room(workshopId).then((room) => this.changeIn(room, fn));
	}

	private async changeIn<T>(room: Room, fn: (doc: Y.Doc) => T): Promise<T> {
		const result = room.transact(fn);
		if (room.connections.size === 0) this.scheduleUnload(room);
		await room.stored();
		return result;
	}

	/** Reads a workshop's live document without changing it. */
	async read<T>(workshopId: number, fn: (doc: Y.Doc) => T): Promise<T> {
		const room = this.rooms.get(workshopId) ?? (await this.room(workshopId));
		const result = fn(room.doc);
		if (room.connections.size === 0) this.scheduleUnload(room);
		return result;
	}

	private scheduleUnload(room: Room) {
		if (room.unloadTimer) clearTimeout(room.unloadTimer);
		room.unloadTimer = setTimeout(() => {
			room.unloadTimer = null;
			void this.unload(room);
		}, this.options.idleMs);
		room.unloadTimer.unref();
	}

	private async unload(room: Room) {
		if (room.connections.size > 0 || this.rooms.get(room.workshopId) !== room) return;
		await room.compact();
		// Someone joined, or the server changed the document, while the snapshot was written: it stays.
		if (room.connections.size > 0 || room.unloadTimer || this.rooms.get(room.workshopId) !== room) return;
		if (room.storing) return this.scheduleUnload(room);
		this.rooms.delete(room.workshopId);
		room.destroy();
		log('info', 'room.unload', { room: room.name });
	}

	/**
	 * Graceful shutdown: closes every socket, lets each room's appends finish and folds its log, then
	 * drains the store (the writer thread finishes what it was given before it stops).
	 */
	async closeAll(): Promise<void> {
		const rooms = [...this.rooms.values()];
		this.rooms.clear();
		await Promise.all(
			rooms.map(async (room) => {
				// Left at once: whatever a socket still sends before its close completes is not taken.
				for (const conn of [...room.connections.keys()]) {
					conn.close(CLOSE.shuttingDown, 'server restarting');
					room.leave(conn);
				}
				await room.drain();
				if (room.storing) log('error', 'room.drain.failed', { room: room.name, reason: 'updates not stored at shutdown' });
				room.destroy();
			})
		);
		await this.options.store.close();
	}
}
