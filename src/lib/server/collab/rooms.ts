/**
 * Live rooms: one Y.Doc per workshop, loaded completely from the store before the first sync,
 * every accepted update appended to the store before it is broadcast, and broadcasts batched:
 * the updates and awareness that arrive in one event-loop turn leave as one message, encoded once
 * and sent as the same buffer to every socket.
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
	/** Fills a brand-new document (nothing stored yet) from the structured records. */
	seed: (workshopId: number, doc: Y.Doc) => void;
	/**
	 * Brings a loaded document back in step with the structured records (rows and components added,
	 * renamed or removed in SQL while the room was unloaded). Runs inside a server-origin
	 * transaction, so whatever it repairs is stored and broadcast like any server change.
	 */
	reconcile?: (workshopId: number, doc: Y.Doc) => void;
	/** Whether a pilot-site code exists in the area table; cells may name only real places. */
	knownSite?: SiteLookup;
	onRejected?: (principal: Principal, refusal: Refusal) => void;
};
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

export class Room {
	readonly doc = new Y.Doc({ gc: true });
	readonly awareness: awarenessProtocol.Awareness;
	readonly connections = new Map<Connection, ConnState>();
	/** Yjs client id → the subject that first wrote with it. */
	readonly bindings = new Map<number, string>();
	private readonly authoriser: UpdateAuthoriser;
	/** Accepted this turn, not yet broadcast. */
	private pendingUpdates: Uint8Array[] = [];
	/** Accepted, not yet appended to the store (appended before the turn's broadcast). */
	private unstored: Uint8Array[] = [];
	private pendingAwareness = new Set<number>();
	private updateFlushScheduled = false;
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
		private readonly options: ResolvedOptions
	) {
		const started = Date.now();
		this.bindings.set(this.doc.clientID, 'server');
		const { snapshot, updates, lastId } = options.store.load(name);
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
		if (!snapshot && updates.length === 0) this.transact((doc) => options.seed(workshopId, doc));
		else if (options.reconcile) this.transact((doc) => options.reconcile!(workshopId, doc));

		this.awareness = new awarenessProtocol.Awareness(this.doc);
		this.awareness.setLocalState(null);
		this.awareness.on('update', ({ added, updated, removed }: { added: number[]; updated: number[]; removed: number[] }) => {
			for (const id of [...added, ...updated, ...removed]) this.pendingAwareness.add(id);
			this.scheduleAwarenessFlush();
		});
		log('info', 'room.load', { room: name, snapshotBytes: snapshot?.byteLength ?? 0, updates: updates.length, ms: Date.now() - started });
	}

	/**
	 * Every change to the served document: queued, then stored and broadcast together at the end of
	 * the event-loop turn (one disk flush and one message for everything that arrived in the turn).
	 * Nothing is sent before it is stored. The server's own changes (structure, freezing) are stored
	 * at once, so SQL and the live document never disagree after a crash.
	 */
	private onDocUpdate(update: Uint8Array, origin: unknown) {
		// The authoriser's shadow already holds client updates it accepted; everything else (the
		// server's own changes) must reach it too, or the two documents drift apart.
		if (!this.applyingAuthorised) this.authoriser.follow(update);
		this.storedBytes += update.byteLength;
		this.unstored.push(update);
		this.pendingUpdates.push(update);
		if (origin === SERVER_ORIGIN) this.storeQueued();
		if (++this.appendedSinceCompact >= this.options.compactEvery) this.scheduleCompaction();
		if (!this.updateFlushScheduled) {
			this.updateFlushScheduled = true;
			setImmediate(() => this.flushUpdates());
		}
	}

	private compactTimer: NodeJS.Timeout | null = null;

	private scheduleCompaction() {
		if (this.compactScheduled) return;
		if (this.compactTimer) clearTimeout(this.compactTimer);
		const overdue = this.appendedSinceCompact >= this.options.compactEvery * 10;
		const run = () => {
			this.compactTimer = null;
			this.compact();
		};
		if (overdue || this.options.compactQuietMs <= 0) {
			this.compactScheduled = true;
			setImmediate(run);
		} else {
			this.compactTimer = setTimeout(run, this.options.compactQuietMs);
			this.compactTimer.unref();
		}
	}

	/** Appends what is queued for storage; throws if the store fails (nothing is then broadcast). */
	private storeQueued() {
		if (this.unstored.length === 0) return;
		this.lastLogId = this.options.store.append(this.name, this.unstored);
		this.unstored = [];
	}

	private flushUpdates() {
		this.updateFlushScheduled = false;
		try {
			this.storeQueued();
		} catch (error) {
			// Not stored means not sent: the clients keep their edits and resend them on reconnect.
			log('error', 'room.append.failed', { room: this.name, error });
			this.pendingUpdates = [];
			for (const conn of [...this.connections.keys()]) conn.close(CLOSE.shuttingDown, 'storage failed, reconnect');
			return;
		}
		const updates = this.pendingUpdates;
		this.pendingUpdates = [];
		if (updates.length === 0 || this.connections.size === 0) return;
		const merged = updates.length === 1 ? updates[0]! : Y.mergeUpdates(updates);
		this.broadcast(updateMessage(merged));
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
			case 'sync-step-1':
				this.sendTo(conn, syncStep2Message(this.doc, message.stateVector));
				return;
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
	 * A failure (disk full, a locked database) is logged and the log kept: the room goes on serving.
	 */
	compact(): boolean {
		this.compactScheduled = false;
		const started = Date.now();
		try {
			this.storeQueued();
			const state = Y.encodeStateAsUpdate(this.doc);
			this.options.store.compact(this.name, state, this.lastLogId);
			this.appendedSinceCompact = 0;
			this.storedBytes = state.byteLength;
			log('info', 'room.compact', { room: this.name, bytes: state.byteLength, upToId: this.lastLogId, ms: Date.now() - started });
			return true;
		} catch (error) {
			// Try again after another `compactEvery` updates rather than on every update.
			this.appendedSinceCompact = 0;
			log('error', 'room.compact.failed', { room: this.name, error });
			return false;
		}
	}

	destroy() {
		if (this.compactTimer) clearTimeout(this.compactTimer);
		if (this.awarenessTimer) clearTimeout(this.awarenessTimer);
		if (this.unloadTimer) clearTimeout(this.unloadTimer);
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

	/** The loaded room, loading it (synchronously, completely) if needed. */
	room(workshopId: number): Room {
		let room = this.rooms.get(workshopId);
		if (!room) {
			room = new Room(`workshop-${workshopId}`, workshopId, this.options);
			this.rooms.set(workshopId, room);
			this.scheduleUnload(room);
		}
		return room;
	}

	connect(workshopId: number, conn: Connection): Room {
		const room = this.room(workshopId);
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

	/** Runs a server-side change on a workshop's live document (loaded on demand). */
	change<T>(workshopId: number, fn: (doc: Y.Doc) => T): T {
		const room = this.room(workshopId);
		const result = room.transact(fn);
		if (room.connections.size === 0) this.scheduleUnload(room);
		return result;
	}

	/** Reads a workshop's live document without changing it. */
	read<T>(workshopId: number, fn: (doc: Y.Doc) => T): T {
		const room = this.room(workshopId);
		const result = fn(room.doc);
		if (room.connections.size === 0) this.scheduleUnload(room);
		return result;
	}

	private scheduleUnload(room: Room) {
		if (room.unloadTimer) clearTimeout(room.unloadTimer);
		room.unloadTimer = setTimeout(() => {
			if (room.connections.size > 0 || this.rooms.get(room.workshopId) !== room) return;
			room.compact();
			room.destroy();
			this.rooms.delete(room.workshopId);
			log('info', 'room.unload', { room: room.name });
		}, this.options.idleMs);
		room.unloadTimer.unref();
	}

	/** Compacts and closes every room (graceful shutdown). */
	closeAll() {
		for (const room of this.rooms.values()) {
			for (const conn of [...room.connections.keys()]) conn.close(CLOSE.shuttingDown, 'server restarting');
			room.compact();
			room.destroy();
		}
		this.rooms.clear();
	}
}
