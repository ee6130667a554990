/**
 * Live rooms: one Y.Doc per workshop, loaded completely from the store before the first sync,
 * every accepted update appended to the store before it is broadcast, and broadcasts batched:
 * the updates and awareness that arrive in one event-loop turn leave as one message, encoded once
 * and sent as the same buffer to every socket.
 */
import * as Y from 'yjs';
import { roots } from '../../collab/matrix-doc';
import { authorizeUpdate } from './authz';
import type { RoomStore } from './persistence';
import type { Principal } from './principal';
import {
	awarenessClients,
	awarenessMessage,
	awarenessProtocol,
	filterAwarenessUpdate,
	parseMessage,
	permissionDeniedMessage,
	syncStep1Message,
	syncStep2Message,
	updateMessage
} from './protocol';

export const SERVER_ORIGIN = Symbol('mufakat-server');
const LOAD_ORIGIN = Symbol('mufakat-load');

/** Close codes 4400–4499 are final for y-websocket clients: they stop reconnecting. */
export const CLOSE = {
	malformed: 4400,
	unauthenticated: 4401,
	forbidden: 4403,
	notFound: 4404,
	slowConsumer: 4408,
	shuttingDown: 1012
} as const;

export interface Connection {
	readonly principal: Principal;
	send(data: Uint8Array): void;
	/** Bytes queued on the socket; a consumer this far behind is cut off rather than buffered for ever. */
	bufferedAmount(): number;
	close(code: number, reason: string): void;
}

export type RoomOptions = {
	store: RoomStore;
	/** Fills a brand-new document (nothing stored yet) from the structured records. */
	seed: (workshopId: number, doc: Y.Doc) => void;
	/**
	 * Brings a loaded document back in step with the structured records (rows and components added,
	 * renamed or removed in SQL while the room was unloaded). Runs inside a server-origin
	 * transaction, so whatever it repairs is stored and broadcast like any server change.
	 */
	reconcile?: (workshopId: number, doc: Y.Doc) => void;
	/** Compact after this many appended updates. */
	compactEvery?: number;
	/** Unload a room this long after its last connection left. */
	idleMs?: number;
	/** Send awareness at most this often per room. */
	awarenessIntervalMs?: number;
	/** Cut off a socket with more than this many bytes queued. */
	maxBufferedBytes?: number;
	onRejected?: (principal: Principal, reason: string) => void;
};

type ConnState = { awarenessIds: Set<number> };

export class Room {
	readonly doc = new Y.Doc({ gc: true });
	readonly awareness: awarenessProtocol.Awareness;
	readonly connections = new Map<Connection, ConnState>();
	/** Yjs client id → the subject that first wrote with it. */
	readonly bindings = new Map<number, string>();
	private pendingUpdates: Uint8Array[] = [];
	private pendingAwareness = new Set<number>();
	private updateFlushScheduled = false;
	private awarenessTimer: NodeJS.Timeout | null = null;
	private lastAwarenessFlush = 0;
	private appendedSinceCompact = 0;
	private compactScheduled = false;
	unloadTimer: NodeJS.Timeout | null = null;

	constructor(
		readonly name: string,
		readonly workshopId: number,
		private readonly options: Required<Omit<RoomOptions, 'onRejected' | 'reconcile'>> & Pick<RoomOptions, 'onRejected' | 'reconcile'>
	) {
		this.bindings.set(this.doc.clientID, 'server');
		const { snapshot, updates } = options.store.load(name);
		this.doc.transact(() => {
			if (snapshot) Y.applyUpdate(this.doc, snapshot);
			for (const update of updates) Y.applyUpdate(this.doc, update);
		}, LOAD_ORIGIN);
		// Give loaded root types their real classes now, before any update is checked against them.
		roots(this.doc);
		// Registered after loading: what was loaded is already stored.
		this.doc.on('update', (update: Uint8Array) => this.onDocUpdate(update));
		if (!snapshot && updates.length === 0) options.seed(workshopId, this.doc);
		else if (options.reconcile) this.transact((doc) => options.reconcile!(workshopId, doc));

		this.awareness = new awarenessProtocol.Awareness(this.doc);
		this.awareness.setLocalState(null);
		this.awareness.on('update', ({ added, updated, removed }: { added: number[]; updated: number[]; removed: number[] }) => {
			for (const id of [...added, ...updated, ...removed]) this.pendingAwareness.add(id);
			this.scheduleAwarenessFlush();
		});
	}

	/** Persist first, then queue for the batched broadcast. */
	private onDocUpdate(update: Uint8Array) {
		this.options.store.append(this.name, update);
		this.pendingUpdates.push(update);
		if (++this.appendedSinceCompact >= this.options.compactEvery && !this.compactScheduled) {
			this.compactScheduled = true;
			setImmediate(() => this.compact());
		}
		if (!this.updateFlushScheduled) {
			this.updateFlushScheduled = true;
			setImmediate(() => this.flushUpdates());
		}
	}

	private flushUpdates() {
		this.updateFlushScheduled = false;
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
			conn.close(CLOSE.slowConsumer, 'too far behind');
			return;
		}
		conn.send(message);
	}

	join(conn: Connection) {
		if (this.unloadTimer) {
			clearTimeout(this.unloadTimer);
			this.unloadTimer = null;
		}
		this.connections.set(conn, { awarenessIds: new Set() });
		this.sendTo(conn, syncStep1Message(this.doc));
		const states = [...this.awareness.getStates().keys()];
		if (states.length > 0) this.sendTo(conn, awarenessMessage(awarenessProtocol.encodeAwarenessUpdate(this.awareness, states)));
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
			case 'update': {
				const verdict = authorizeUpdate(this.doc, message.update, conn.principal, this.bindings);
				if (!verdict.ok) {
					this.options.onRejected?.(conn.principal, verdict.reason);
					this.sendTo(conn, permissionDeniedMessage(verdict.reason));
					return;
				}
				for (const client of verdict.clients) if (!this.bindings.has(client)) this.bindings.set(client, conn.principal.subject);
				Y.applyUpdate(this.doc, message.update, conn);
				return;
			}
			case 'awareness': {
				awarenessClients(message.update); // validates framing and sizes
				const subject = conn.principal.subject;
				const own = filterAwarenessUpdate(message.update, (client) => {
					const owner = this.bindings.get(client);
					return owner === undefined || owner === subject;
				});
				if (!own) return;
				for (const client of awarenessClients(own)) {
					if (!this.bindings.has(client)) this.bindings.set(client, subject);
					state.awarenessIds.add(client);
				}
				awarenessProtocol.applyAwarenessUpdate(this.awareness, own, conn);
				return;
			}
			case 'query-awareness': {
				const states = [...this.awareness.getStates().keys()];
				this.sendTo(conn, awarenessMessage(awarenessProtocol.encodeAwarenessUpdate(this.awareness, states)));
				return;
			}
		}
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

	compact() {
		this.compactScheduled = false;
		this.appendedSinceCompact = 0;
		this.options.store.compact(this.name, Y.encodeStateAsUpdate(this.doc));
	}

	destroy() {
		if (this.awarenessTimer) clearTimeout(this.awarenessTimer);
		if (this.unloadTimer) clearTimeout(this.unloadTimer);
		this.awareness.destroy();
		this.doc.destroy();
	}
}

export class RoomManager {
	readonly rooms = new Map<number, Room>();
	private readonly options: Required<Omit<RoomOptions, 'onRejected' | 'reconcile'>> & Pick<RoomOptions, 'onRejected' | 'reconcile'>;

	constructor(options: RoomOptions) {
		this.options = {
			compactEvery: 300,
			idleMs: 30_000,
			awarenessIntervalMs: 100,
			maxBufferedBytes: 8 * 1024 * 1024,
			...options
		};
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
