/**
 * Live rooms shared by several instances (cluster mode, `REDIS_URL` set).
 *
 * Each room has one owner at a time, the instance holding its lease (lease.ts). The owner runs the
 * room exactly as a single instance does (rooms.ts: authorisation by effect, append before
 * broadcast, group commit), with a store that writes under its lease's fence (fenced-store.ts).
 * A socket that reached another instance is forwarded: that instance writes its frames to the
 * room's inbound stream, and the owner serves it as a `RemoteConnection` whose sends leave on the
 * outbound stream, each distinct message once per event-loop turn whatever the number of
 * connections it is for (transport.ts).
 *
 * When an owner dies or loses its lease, another instance takes the lease, claims the room in the
 * database (raising its fence, so the old owner can no longer write), loads it and announces itself;
 * sockets forwarded to the old owner are closed with a code clients retry, and y-websocket
 * reconnects and syncs both ways, so nothing a client holds is lost and everything acknowledged is
 * in the database already.
 */
import * as Y from 'yjs';
import type { Redis } from 'ioredis';
import { log } from '../../log';
import type { Principal } from '../principal';
import { CLOSE, DEFAULT_LIMITS, Room, type Connection, type RoomLimits, type RoomOptions, type StoredRoom } from '../rooms';
import { matchesConnection, type ConnectionMatch, type LiveRooms, type LiveSocket } from '../live-rooms';
import type { Fencing } from '../database-store';
import type { RoomStore } from '../persistence';
import { RoomLeases, type LeaseHolder } from './lease';
import { keys, openRedis } from './redis';
import type { ClusterSettings } from './settings';
import { decodeEntry, publishInbound, publishOutbound, StreamReader, type InboundMessage, type OutboundMessage } from './transport';


/** Close code for "the room moved or Redis is away, reconnect": y-websocket retries it. */
const RETRY = CLOSE.shuttingDown;
/** Close code for "live rooms are unavailable right now": y-websocket retries it too. */
const UNAVAILABLE = CLOSE.slowConsumer;

export type ClusterRoomOptions = Partial<RoomLimits> &
	Pick<RoomOptions, 'seed' | 'reconcile' | 'knownSite' | 'onRejected'> & {
		settings: ClusterSettings;
		/**
		 * The store for rooms this instance owns, writing under the fence `fenceOf` answers;
		 * `onStale` drops a room whose fence the database refused.
		 */
		ownerStore: (fencing: Fencing) => RoomStore;
		/** Reads a room's durable state (non-owners read the database, never a live copy). */
		loadDurable: (room: string) => Promise<StoredRoom>;
		/** Raises the room's stored fence to this one; `ok: false` with the stored fence if it is already higher. */
		claim: (room: string, fence: number) => Promise<{ ok: true } | { ok: false; stored: number }>;
	};

/** The owner a change was sent to stopped serving the room before acknowledging it. */
class OwnerChangedError extends Error {
	constructor(room: string) {
		super(`the owner of ${room} changed before acknowledging the change`);
		this.name = 'OwnerChangedError';
	}
}

/** Frames kept for a socket while its room is being routed. */
const MAX_QUEUED_FRAMES = 256;

/** Pub/sub channel on which instances tell each other to close sockets (sign-out, revoked token). */
const CONTROL_CHANNEL = 'mufakat:control';
type CloseOrder = { workshopId: number | null; match: ConnectionMatch; code: number; reason: string };

type SocketState = {
	conn: Connection;
	id: string;
	queued: Uint8Array[];
	forwarded: boolean;
	/** The owner has sent this forwarded socket something addressed to it (its first sync step). */
	answered: boolean;
	gone: boolean;
};

/** A socket on another instance, served by this owner through the streams. */
class RemoteConnection implements Connection {
	constructor(
		readonly id: string,
		readonly instance: string,
		readonly principal: Principal,
		private readonly entry: OwnedRoom
	) {}
	send(data: Uint8Array) {
		this.entry.queueSend(this.id, data);
	}
	bufferedAmount() {
		// The instance holding the socket watches its own buffer and closes a slow one.
		return 0;
	}
	close(code: number, reason: string) {
		this.entry.endRemote(this.id, code, reason);
	}
}

/** What this instance knows about a room: nothing yet (routing), owned, or forwarded to its owner. */
type Mode = { kind: 'routing' } | { kind: 'owner'; owned: OwnedRoom } | { kind: 'forwarding'; owner: LeaseHolder };

class Entry {
	mode: Mode = { kind: 'routing' };
	readonly sockets = new Map<Connection, SocketState>();
	routing: Promise<void> | null = null;
	/** Server changes forwarded to the owner, waiting for its acknowledgement. */
	readonly acks = new Map<string, { resolve: () => void; reject: (error: Error) => void; timer: NodeJS.Timeout }>();
	watchdog: NodeJS.Timeout | null = null;
	/** Server changes under way through this entry (it is kept while they wait for the owner). */
	changing = 0;
	/** What handles the room's outbound stream while this entry forwards (unfollowed by identity). */
	outboundHandle: ((fields: Buffer[]) => void) | null = null;
	constructor(
		readonly workshopId: number,
		readonly name: string
	) {}
}

/** The owner's side of a room: the room itself and the sockets forwarded to it from other instances. */
class OwnedRoom {
	readonly remotes = new Map<string, RemoteConnection>();
	private pending = new Map<Uint8Array, Set<string>>();
	/** Forwarded sockets the owner has not yet sent a message naming them. */
	private readonly unaddressed = new Set<string>();
	private flushQueued = false;
	unloadTimer: NodeJS.Timeout | null = null;

	/** What handles the room's inbound stream for this ownership (unfollowed by identity, see StreamReader.unfollow). */
	inboundHandle: ((fields: Buffer[]) => void) | null = null;

	constructor(
		readonly room: Room,
		readonly fence: number,
		private readonly publish: (message: OutboundMessage) => void,
		/** A forwarded socket was ended by the owner: the room may have become empty. */
		private readonly onRemoteEnded: () => void
	) {}

	/**
	 * A room broadcasts by sending the same buffer to every connection; collected until the end of
	 * the turn, each distinct buffer leaves once, naming its connections unless it is for all of them.
	 */
	queueSend(connId: string, data: Uint8Array) {
		let to = this.pending.get(data);
		if (!to) this.pending.set(data, (to = new Set()));
		to.add(connId);
		if (this.flushQueued) return;
		this.flushQueued = true;
		queueMicrotask(() => this.flush());
	}

	private flush() {
		this.flushQueued = false;
		const pending = this.pending;
		this.pending = new Map();
		for (const [data, to] of pending) {
			// The forwarding instance takes a socket as answered only when a message names it: a
			// socket's first message (its sync step) is always addressed, even when it is for all.
			let all = to.size === this.remotes.size && [...this.remotes.keys()].every((id) => to.has(id));
			if (this.unaddressed.size > 0) for (const id of to) if (this.unaddressed.delete(id)) all = false;
			this.publish({ t: 'send', to: all ? null : [...to], data });
		}
	}

	/** Adds a socket forwarded by another instance; it is named in the next message it is sent. */
	addRemote(remote: RemoteConnection) {
		this.remotes.set(remote.id, remote);
		this.unaddressed.add(remote.id);
	}

	removeRemote(connId: string): RemoteConnection | undefined {
		const remote = this.remotes.get(connId);
		this.remotes.delete(connId);
		this.unaddressed.delete(connId);
		return remote;
	}

	endRemote(connId: string, code: number, reason: string) {
		const remote = this.removeRemote(connId);
		if (remote) this.room.leave(remote);
		this.publish({ t: 'end', conn: connId, code, reason });
		if (remote) this.onRemoteEnded();
	}
}

export class ClusterRooms implements LiveRooms {
	readonly settings: ClusterSettings;
	private readonly redis: Redis;
	private readonly blocking: Redis;
	private readonly subscriber: Redis;
	private readonly leases: RoomLeases;
	private readonly reader: StreamReader;
	private readonly entries = new Map<number, Entry>();
	private readonly limits: RoomLimits;
	private readonly store: RoomStore;
	private readonly heartbeatTimer: NodeJS.Timeout;
	/** Instances with sockets forwarded here, and how many heartbeats in a row they have missed. */
	private readonly missed = new Map<string, number>();
	private nextSocket = 1;
	private nextRequest = 1;
	private closed = false;

	constructor(private readonly options: ClusterRoomOptions) {
		this.settings = options.settings;
		const defined = Object.fromEntries(Object.entries(options).filter(([k, v]) => v !== undefined && k in DEFAULT_LIMITS)) as Partial<RoomLimits>;
		this.limits = { ...DEFAULT_LIMITS, ...defined };
		this.redis = openRedis(this.settings, 'commands');
		this.blocking = openRedis(this.settings, 'streams', { commandTimeout: 10_000 });
		// Subscribed once; ioredis subscribes again by itself after a reconnection.
		this.subscriber = openRedis(this.settings, 'control', { enableOfflineQueue: true, maxRetriesPerRequest: null, commandTimeout: undefined });
		this.subscriber.on('message', (_channel: string, message: string) => this.onControl(message));
		this.subscriber.subscribe(CONTROL_CHANNEL).catch((error: unknown) => log('error', 'cluster.control.subscribe.failed', { error }));
		this.leases = new RoomLeases(this.redis, this.settings, (room, reason) => this.ownershipLost(room, reason));
		this.reader = new StreamReader(this.blocking, this.redis, this.settings, (down) => (down ? this.redisDown() : undefined));
		this.store = options.ownerStore({
			fenceOf: (room) => this.leases.fenceOf(room),
			onStale: (room, error) => setImmediate(() => this.ownershipLost(room, error.message))
		});
		this.heartbeatTimer = setInterval(() => void this.heartbeat(), Math.max(100, Math.floor(this.settings.leaseTtlMs / 3)));
		this.heartbeatTimer.unref();
		log('info', 'cluster.start', { instance: this.settings.instanceId, leaseTtlMs: this.settings.leaseTtlMs });
	}

	/**
	 * Says this instance is alive, and forgets the forwarded sockets of instances that stopped
	 * saying so (killed: their sockets closed without a word). Three missed beats (about one TTL)
	 * in a row count, so a moment's delay does not.
	 */
	private async heartbeat() {
		try {
			await this.redis.set(keys.alive(this.settings.instanceId), '1', 'PX', this.settings.leaseTtlMs);
			const instances = new Set<string>();
			for (const entry of this.entries.values()) if (entry.mode.kind === 'owner') for (const remote of entry.mode.owned.remotes.values()) instances.add(remote.instance);
			for (const known of [...this.missed.keys()]) if (!instances.has(known)) this.missed.delete(known);
			if (instances.size === 0) return;
			const list = [...instances];
			const alive = await this.redis.mget(...list.map((i) => keys.alive(i)));
			list.forEach((instance, i) => {
				if (alive[i]) return void this.missed.delete(instance);
				const missed = (this.missed.get(instance) ?? 0) + 1;
				this.missed.set(instance, missed);
				if (missed >= 3) this.forgetInstance(instance);
			});
		} catch {
			// Redis is away: the leases and the reader report it.
		}
	}

	private forgetInstance(instance: string) {
		this.missed.delete(instance);
		let forgotten = 0;
		for (const entry of this.entries.values()) {
			if (entry.mode.kind !== 'owner') continue;
			const owned = entry.mode.owned;
			for (const [id, remote] of [...owned.remotes])
				if (remote.instance === instance) {
					owned.removeRemote(id);
					owned.room.leave(remote);
					forgotten++;
				}
			this.scheduleUnload(entry, owned);
		}
		log('warn', 'cluster.instance.gone', { instance, forgotten });
	}

	/** Whether this instance owns the room now. */
	owns(workshopId: number): boolean {
		return this.entries.get(workshopId)?.mode.kind === 'owner';
	}

	isLoaded(workshopId: number): boolean {
		return this.owns(workshopId);
	}

	/** Serves a socket: on the room here if this instance owns it, else forwarded to the owner. */
	open(workshopId: number, conn: Connection): LiveSocket {
		const entry = this.entry(workshopId);
		const state: SocketState = { conn, id: `${this.settings.instanceId}:${this.nextSocket++}`, queued: [], forwarded: false, answered: false, gone: false };
		entry.sockets.set(conn, state);
		this.attach(entry, state);
		return {
			roomName: entry.name,
			receive: (data) => this.receive(entry, state, data),
			leave: () => this.leave(entry, state)
		};
	}

	private entry(workshopId: number): Entry {
		let entry = this.entries.get(workshopId);
		if (!entry) this.entries.set(workshopId, (entry = new Entry(workshopId, `workshop-${workshopId}`)));
		return entry;
	}

	/** Connects a new socket to wherever the room is served, routing the room first if needed. */
	private attach(entry: Entry, state: SocketState) {
		const mode = entry.mode;
		if (mode.kind === 'owner') {
			if (mode.owned.unloadTimer) clearTimeout(mode.owned.unloadTimer);
			mode.owned.unloadTimer = null;
			mode.owned.room.join(state.conn);
			return;
		}
		if (mode.kind === 'forwarding') return this.forward(entry, state);
		void this.route(entry);
	}

	private receive(entry: Entry, state: SocketState, data: Uint8Array) {
		if (state.gone) return;
		const mode = entry.mode;
		if (mode.kind === 'owner') return mode.owned.room.receive(state.conn, data);
		if (mode.kind === 'forwarding' && state.forwarded) {
			this.sendInbound(entry, { t: 'frame', conn: state.id, data }, state);
			return;
		}
		// A client sends its sync step and presence while the room is routed; a flood is not that.
		if (state.queued.length >= MAX_QUEUED_FRAMES) return this.closeSocket(entry, state, UNAVAILABLE, 'too many messages before the room was ready, reconnect');
		state.queued.push(data);
	}

	/** Marks a socket gone and takes it out of the room this instance owns; false if it was gone already. */
	private detach(entry: Entry, state: SocketState): boolean {
		if (state.gone) return false;
		state.gone = true;
		entry.sockets.delete(state.conn);
		if (entry.mode.kind === 'owner') {
			entry.mode.owned.room.leave(state.conn);
			this.scheduleUnload(entry, entry.mode.owned);
		}
		return true;
	}

	private leave(entry: Entry, state: SocketState) {
		if (!this.detach(entry, state) || entry.mode.kind !== 'forwarding') return;
		if (state.forwarded) this.sendInbound(entry, { t: 'close', conn: state.id }, null);
		this.forgetIfIdle(entry);
	}

	/** Writes to the owner's inbound stream; a socket whose frame cannot be sent is closed to retry. */
	private sendInbound(entry: Entry, message: InboundMessage, state: SocketState | null) {
		publishInbound(this.redis, this.settings, entry.name, message).catch((error: unknown) => {
			log('warn', 'cluster.forward.failed', { room: entry.name, kind: message.t, error });
			if (state && !state.gone) this.closeSocket(entry, state, UNAVAILABLE, 'live room unavailable, reconnect', false);
		});
	}

	/**
	 * Closes a socket held here. A forwarded one is also closed at its owner (`tellOwner`, unless the
	 * owner ended it or Redis is away), or the owner would keep serving it, and its room, for nobody.
	 */
	private closeSocket(entry: Entry, state: SocketState, code: number, reason: string, tellOwner = true) {
		if (!this.detach(entry, state)) return;
		if (tellOwner && state.forwarded && entry.mode.kind === 'forwarding') this.sendInbound(entry, { t: 'close', conn: state.id }, null);
		state.conn.close(code, reason);
		if (entry.mode.kind === 'forwarding') this.forgetIfIdle(entry);
	}

	/**
	 * Finds the room's owner or becomes it. One routing at a time per room; sockets that arrive
	 * meanwhile wait (their frames queued) and are attached when it settles.
	 */
	private route(entry: Entry): Promise<void> {
		entry.routing ??= this.routeNow(entry).finally(() => {
			entry.routing = null;
			this.forgetIfIdle(entry);
		});
		return entry.routing;
	}

	private async routeNow(entry: Entry): Promise<void> {
		for (let attempt = 0; attempt < 5 && !this.closed; attempt++) {
			try {
				await this.ready();
				// Marked before the lease is visible: a socket forwarded the moment another instance
				// sees us as the owner must not be missed. Older entries were for an earlier owner.
				const inboundFrom = await this.reader.lastId(keys.inbound(entry.name));
				const got = await this.leases.acquire(entry.name);
				if ('fence' in got) {
					let owned: boolean;
					try {
						owned = await this.becomeOwner(entry, got.fence, inboundFrom);
					} catch (error) {
						// Held but not served would keep everyone else out of the room until we die.
						if (entry.mode.kind !== 'owner') await this.leases.release(entry.name);
						throw error;
					}
					if (owned) return;
					continue;
				}
				if (got.owner) {
					await this.startForwarding(entry, got.owner);
					return;
				}
				// The lease expired between our two commands: try again.
			} catch (error) {
				log('warn', 'cluster.route.failed', { room: entry.name, error });
				break;
			}
		}
		// Redis cannot be reached (or the room keeps changing hands): the clients retry by themselves.
		for (const state of [...entry.sockets.values()]) this.closeSocket(entry, state, UNAVAILABLE, 'live room unavailable, reconnect');
	}

	/** Waits a moment for the command connection (it connects, or reconnects after an outage). */
	private async ready(): Promise<void> {
		if (this.redis.status === 'ready') return;
		await new Promise<void>((resolve, reject) => {
			const timer = setTimeout(() => {
				this.redis.off('ready', onReady);
				reject(new Error(`redis not ready (${this.redis.status})`));
			}, 1000);
			const onReady = () => {
				clearTimeout(timer);
				resolve();
			};
			this.redis.once('ready', onReady);
		});
	}

	/**
	 * Claims the room in the database under our fence, then loads it and serves it. A database
	 * that already holds a higher fence (Redis restarted empty and counts again from 1) refuses the
	 * claim: the counter is raised past it and the lease given back, and routing tries again.
	 */
	private async becomeOwner(entry: Entry, fence: number, inboundFrom: string): Promise<boolean> {
		const claimed = await this.options.claim(entry.name, fence);
		if (!claimed.ok) {
			log('warn', 'lease.fence.behind', { room: entry.name, fence, stored: claimed.stored });
			await this.leases.raiseCounter(entry.name, claimed.stored);
			await this.leases.release(entry.name);
			return false;
		}
		if (entry.mode.kind === 'forwarding') this.stopForwarding(entry, RETRY, 'room moved, reconnect');
		// Loaded after the claim: everything an earlier owner could still write is in what we read.
		const started = Date.now();
		const stored = await this.store.load(entry.name);
		const fresh = !stored.snapshot && stored.updates.length === 0;
		const repair = fresh ? await this.options.seed(entry.workshopId) : this.options.reconcile ? await this.options.reconcile(entry.workshopId) : null;
		if (this.closed || this.leases.fenceOf(entry.name) !== fence) {
			// The lease ran out while the room loaded (or we are shutting down): serving it now could
			// serve it beside its next owner. Routing tries again.
			log('warn', 'room.load.leaseLost', { room: entry.name, fence, closing: this.closed });
			await this.leases.release(entry.name);
			return false;
		}
		const publish = (message: OutboundMessage) => {
			publishOutbound(this.redis, this.settings, entry.name, message).catch((error: unknown) =>
				log('warn', 'cluster.publish.failed', { room: entry.name, kind: message.t, error })
			);
		};
		const room = new Room(
			entry.name,
			entry.workshopId,
			{
				...this.limits,
				store: this.store,
				seed: this.options.seed,
				reconcile: this.options.reconcile,
				knownSite: this.options.knownSite,
				onRejected: this.options.onRejected
			},
			stored,
			repair,
			started
		);
		const owned = new OwnedRoom(room, fence, publish, () => {
			if (!this.closed) this.scheduleUnload(entry, owned);
		});
		entry.mode = { kind: 'owner', owned };
		// The sockets here join before anything is awaited: from now on their frames go straight to
		// the room, which must know them already.
		for (const state of [...entry.sockets.values()]) {
			room.join(state.conn);
			for (const data of state.queued.splice(0)) {
				try {
					room.receive(state.conn, data);
				} catch (error) {
					log('warn', 'socket.malformed', { room: entry.name, subject: state.conn.principal.subject, error });
					this.closeSocket(entry, state, CLOSE.malformed, 'malformed message');
					break;
				}
			}
		}
		// From the mark taken before the lease was visible: sockets forwarded to us meanwhile are served.
		owned.inboundHandle = (fields) => {
			const message = decodeEntry<InboundMessage>(fields);
			if (message) this.onInbound(entry, message);
		};
		await this.reader.follow(keys.inbound(entry.name), owned.inboundHandle, inboundFrom);
		if (entry.mode.kind !== 'owner' || entry.mode.owned !== owned) return true;
		// Sockets forwarded to an earlier owner must sync again: they reconnect (here or elsewhere).
		publish({ t: 'owner', instance: this.settings.instanceId, fence });
		if (entry.sockets.size === 0) this.scheduleUnload(entry, owned);
		return true;
	}

	private onInbound(entry: Entry, message: InboundMessage) {
		const mode = entry.mode;
		if (mode.kind !== 'owner') return;
		const owned = mode.owned;
		switch (message.t) {
			case 'open': {
				const remote = new RemoteConnection(message.conn, message.instance, message.principal, owned);
				owned.addRemote(remote);
				if (owned.unloadTimer) clearTimeout(owned.unloadTimer);
				owned.unloadTimer = null;
				owned.room.join(remote);
				return;
			}
			case 'frame': {
				const remote = owned.remotes.get(message.conn);
				// Opened with an earlier owner: it must sync with this one first.
				if (!remote) return owned.endRemote(message.conn, RETRY, 'room moved, reconnect');
				try {
					owned.room.receive(remote, message.data);
				} catch (error) {
					log('warn', 'socket.malformed', { room: entry.name, subject: remote.principal.subject, error });
					owned.endRemote(message.conn, CLOSE.malformed, 'malformed message');
				}
				return;
			}
			case 'close': {
				const remote = owned.remotes.get(message.conn);
				if (!remote) return;
				owned.removeRemote(message.conn);
				owned.room.leave(remote);
				this.scheduleUnload(entry, owned);
				return;
			}
			case 'change': {
				const publish = (error?: string) =>
					publishOutbound(this.redis, this.settings, entry.name, { t: 'ack', request: message.request, ...(error ? { error } : {}) }).catch(
						(e: unknown) => log('warn', 'cluster.publish.failed', { room: entry.name, kind: 'ack', error: e })
					);
				try {
					owned.room.transact((doc) => Y.applyUpdate(doc, message.data));
				} catch (error) {
					void publish(error instanceof Error ? error.message : String(error));
					return;
				}
				owned.room.stored().then(
					() => publish(),
					(error: unknown) => publish(error instanceof Error ? error.message : String(error))
				);
				if (entry.sockets.size === 0 && owned.remotes.size === 0) this.scheduleUnload(entry, owned);
				return;
			}
		}
	}

	private async startForwarding(entry: Entry, owner: LeaseHolder) {
		if (entry.mode.kind === 'forwarding' && (entry.mode.owner.instanceId !== owner.instanceId || entry.mode.owner.fence !== owner.fence))
			this.stopForwarding(entry, RETRY, 'room moved, reconnect');
		entry.outboundHandle ??= (fields) => {
			const message = decodeEntry<OutboundMessage>(fields);
			if (message) this.onOutbound(entry, message);
		};
		await this.reader.follow(keys.outbound(entry.name), entry.outboundHandle);
		entry.mode = { kind: 'forwarding', owner };
		log('info', 'cluster.forward.start', { room: entry.name, owner: owner.instanceId, fence: owner.fence, sockets: entry.sockets.size });
		this.startWatchdog(entry);
		for (const state of [...entry.sockets.values()]) this.forward(entry, state);
	}

	private forward(entry: Entry, state: SocketState) {
		if (state.forwarded || state.gone) return;
		state.forwarded = true;
		this.sendInbound(entry, { t: 'open', conn: state.id, instance: this.settings.instanceId, principal: state.conn.principal }, state);
		for (const data of state.queued.splice(0)) this.sendInbound(entry, { t: 'frame', conn: state.id, data }, state);
		// An owner that never answers (it died as the socket was opened) must not leave the client
		// waiting for a sync: it reconnects and is routed again.
		setTimeout(() => {
			if (!state.answered && !state.gone) {
				log('warn', 'cluster.forward.unanswered', { room: entry.name, subject: state.conn.principal.subject });
				this.closeSocket(entry, state, RETRY, 'room not answering, reconnect');
			}
		}, this.settings.leaseTtlMs * 2).unref();
	}

	private onOutbound(entry: Entry, message: OutboundMessage) {
		if (entry.mode.kind !== 'forwarding') return;
		switch (message.t) {
			case 'send': {
				const targets = message.to ? new Set(message.to) : null;
				if (targets) this.forgetUnknown(entry, targets);
				for (const state of [...entry.sockets.values()]) {
					if (!state.forwarded || (targets && !targets.has(state.id))) continue;
					if (targets) state.answered = true;
					if (state.conn.bufferedAmount() > this.limits.maxBufferedBytes) {
						log('warn', 'socket.slow', { room: entry.name, subject: state.conn.principal.subject, buffered: state.conn.bufferedAmount() });
						this.closeSocket(entry, state, CLOSE.slowConsumer, 'too far behind, reconnect');
						continue;
					}
					state.conn.send(message.data);
				}
				return;
			}
			case 'end': {
				for (const state of entry.sockets.values())
					if (state.id === message.conn) {
						this.closeSocket(entry, state, message.code, message.reason, false);
						break;
					}
				this.forgetIfIdle(entry);
				return;
			}
			case 'ack': {
				const waiting = entry.acks.get(message.request);
				if (!waiting) return;
				entry.acks.delete(message.request);
				clearTimeout(waiting.timer);
				if (message.error) waiting.reject(new Error(`owner refused the change: ${message.error}`));
				else waiting.resolve();
				return;
			}
			case 'owner': {
				if (message.instance === entry.mode.owner.instanceId && message.fence === entry.mode.owner.fence) return;
				this.stopForwarding(entry, RETRY, 'room moved, reconnect');
				return;
			}
		}
	}

	/**
	 * The owner addressed sockets of this instance that are gone (opened just before it took the
	 * room, closed before it heard of them): it is told to forget them.
	 */
	private forgetUnknown(entry: Entry, targets: Set<string>) {
		const prefix = `${this.settings.instanceId}:`;
		const mine = new Set([...entry.sockets.values()].map((s) => s.id));
		for (const id of targets) if (id.startsWith(prefix) && !mine.has(id)) this.sendInbound(entry, { t: 'close', conn: id }, null);
	}

	/** Notices an owner that died without a word: its lease expires, and the sockets go elsewhere. */
	private startWatchdog(entry: Entry) {
		if (entry.watchdog) return;
		const every = Math.max(100, Math.floor(this.settings.leaseTtlMs / 2));
		const current = () => this.entries.get(entry.workshopId) === entry && !this.closed;
		const check = async () => {
			entry.watchdog = null;
			if (entry.mode.kind !== 'forwarding' || !current()) return;
			const expected = entry.mode.owner;
			try {
				const holder = await this.leases.holder(entry.name);
				if (entry.mode.kind !== 'forwarding' || entry.mode.owner !== expected) return;
				if (!holder || holder.instanceId !== expected.instanceId || holder.fence !== expected.fence) {
					log('info', 'cluster.owner.gone', { room: entry.name, owner: expected.instanceId, fence: expected.fence, now: holder?.instanceId ?? null });
					this.stopForwarding(entry, RETRY, 'room moved, reconnect');
					return;
				}
			} catch {
				// Redis is away: the reader reports it and the sockets are closed there.
			}
			// Forwarding may have stopped and started again meanwhile, with a watchdog of its own.
			if (entry.mode.kind === 'forwarding' && entry.mode.owner === expected && !entry.watchdog && current()) {
				entry.watchdog = setTimeout(() => void check(), every);
				entry.watchdog.unref();
			}
		};
		entry.watchdog = setTimeout(() => void check(), every);
		entry.watchdog.unref();
	}

	/**
	 * Closes the sockets forwarded to the old owner (their clients reconnect) and forgets the route.
	 * They are closed while the entry still forwards, so each is also closed on the room's inbound
	 * stream (`tellOwner`), in case the new owner heard of it already; with Redis away there is
	 * nobody to tell.
	 */
	private stopForwarding(entry: Entry, code: number, reason: string, tellOwner = true) {
		if (entry.mode.kind !== 'forwarding') return;
		log('info', 'cluster.forward.stop', { room: entry.name, owner: entry.mode.owner.instanceId, sockets: entry.sockets.size, reason });
		this.rejectWaitingChanges(entry, new OwnerChangedError(entry.name));
		for (const state of [...entry.sockets.values()]) this.closeSocket(entry, state, code, reason, tellOwner);
		entry.mode = { kind: 'routing' };
		if (entry.watchdog) clearTimeout(entry.watchdog);
		entry.watchdog = null;
		this.reader.unfollow(keys.outbound(entry.name), entry.outboundHandle);
		this.forgetIfIdle(entry);
	}

	/** Server changes forwarded to the owner and not acknowledged yet fail with `error`. */
	private rejectWaitingChanges(entry: Entry, error: Error) {
		for (const waiting of entry.acks.values()) {
			clearTimeout(waiting.timer);
			waiting.reject(error);
		}
		entry.acks.clear();
	}

	private forgetIfIdle(entry: Entry) {
		if (entry.sockets.size > 0 || entry.changing > 0 || entry.routing || entry.mode.kind === 'owner') return;
		if (entry.mode.kind === 'forwarding') {
			this.reader.unfollow(keys.outbound(entry.name), entry.outboundHandle);
			if (entry.watchdog) clearTimeout(entry.watchdog);
			entry.watchdog = null;
			// Forgotten means forwarding nowhere: a watchdog check still under way must see it.
			entry.mode = { kind: 'routing' };
		}
		if (this.entries.get(entry.workshopId) === entry) this.entries.delete(entry.workshopId);
	}

	/**
	 * The lease is gone (not renewed in time, Redis away, or the database refused our fence): stop
	 * at once. Sockets here and forwarded ones are closed with a code clients retry; what the room
	 * accepted but had not stored is not lost, the clients hold it and send it again on reconnect.
	 */
	private ownershipLost(roomName: string, reason: string) {
		const entry = [...this.entries.values()].find((e) => e.name === roomName);
		if (!entry || entry.mode.kind !== 'owner') {
			void this.leases.release(roomName);
			return;
		}
		const owned = entry.mode.owned;
		log('warn', 'room.ownership.lost', { room: roomName, fence: owned.fence, sockets: entry.sockets.size, forwarded: owned.remotes.size, reason });
		if (owned.unloadTimer) clearTimeout(owned.unloadTimer);
		this.reader.unfollow(keys.inbound(roomName), owned.inboundHandle);
		// With Redis away the other instances find out by themselves (their read fails, or the lease is gone).
		if (this.redis.status === 'ready') for (const id of [...owned.remotes.keys()]) owned.endRemote(id, RETRY, 'room moved, reconnect');
		for (const remote of owned.remotes.values()) owned.room.leave(remote);
		owned.remotes.clear();
		for (const state of [...entry.sockets.values()]) this.closeSocket(entry, state, RETRY, 'room moved, reconnect');
		if (owned.unloadTimer) clearTimeout(owned.unloadTimer);
		entry.mode = { kind: 'routing' };
		owned.room.destroy();
		void this.leases.release(roomName);
		this.forgetIfIdle(entry);
	}

	/** Redis went away for the stream reader: forwarded sockets cannot reach their owner any more. */
	private redisDown() {
		for (const entry of [...this.entries.values()]) if (entry.mode.kind === 'forwarding') this.stopForwarding(entry, UNAVAILABLE, 'live room unavailable, reconnect', false);
	}

	private scheduleUnload(entry: Entry, owned: OwnedRoom) {
		if (entry.sockets.size > 0 || owned.remotes.size > 0) return;
		if (owned.unloadTimer) clearTimeout(owned.unloadTimer);
		owned.unloadTimer = setTimeout(() => void this.unload(entry, owned), this.limits.idleMs);
		owned.unloadTimer.unref();
	}

	/** An idle owned room is folded into a snapshot, then given up (its lease released). */
	private async unload(entry: Entry, owned: OwnedRoom) {
		owned.unloadTimer = null;
		if (entry.mode.kind !== 'owner' || entry.mode.owned !== owned || entry.sockets.size > 0 || owned.remotes.size > 0) return;
		await owned.room.compact();
		if (entry.mode.kind !== 'owner' || entry.mode.owned !== owned || entry.sockets.size > 0 || owned.remotes.size > 0 || owned.unloadTimer) return;
		if (owned.room.storing) return this.scheduleUnload(entry, owned);
		entry.mode = { kind: 'routing' };
		this.reader.unfollow(keys.inbound(entry.name), owned.inboundHandle);
		owned.room.destroy();
		await this.leases.release(entry.name);
		this.forgetIfIdle(entry);
		log('info', 'room.unload', { room: entry.name });
	}

	/** A document holding the room's durable state (what the database has), for non-owners. */
	private async durableDoc(entry: Entry, seedIfEmpty = true): Promise<Y.Doc | null> {
		const { snapshot, updates } = await this.options.loadDurable(entry.name);
		if (!snapshot && updates.length === 0) {
			if (!seedIfEmpty) return null;
			const seed = await this.options.seed(entry.workshopId);
			const doc = new Y.Doc({ gc: true });
			doc.transact(() => seed(doc));
			return doc;
		}
		const doc = new Y.Doc({ gc: true });
		Y.transact(doc, () => {
			if (snapshot) Y.applyUpdate(doc, snapshot);
			for (const update of updates) Y.applyUpdate(doc, update);
		});
		return doc;
	}

	/**
	 * Reads a workshop's live document: the room itself where this instance owns it, otherwise
	 * its durable state in the database (everything any client was sent is there).
	 */
	async read<T>(workshopId: number, fn: (doc: Y.Doc) => T): Promise<T> {
		const entry = this.entries.get(workshopId);
		if (entry?.mode.kind === 'owner') return fn(entry.mode.owned.room.doc);
		const doc = (await this.durableDoc(entry ?? new Entry(workshopId, `workshop-${workshopId}`)))!;
		try {
			return fn(doc);
		} finally {
			doc.destroy();
		}
	}

	/**
	 * A server change (freeze, structure, minutes draft) on a workshop's live document; resolves
	 * once it is durable. Done on the room where this instance owns it or can take it; otherwise
	 * computed against the durable state, sent to the owner as a trusted server change, and
	 * resolved when the owner acknowledges it as stored.
	 */
	async change<T>(workshopId: number, fn: (doc: Y.Doc) => T): Promise<T> {
		const entry = this.entry(workshopId);
		entry.changing++;
		try {
			for (let attempt = 1; ; attempt++) {
				if (entry.mode.kind === 'routing') await this.route(entry);
				const mode = entry.mode;
				if (mode.kind === 'owner') {
					const room = mode.owned.room;
					const result = room.transact(fn);
					this.scheduleUnload(entry, mode.owned);
					await room.stored();
					return result;
				}
				if (mode.kind !== 'forwarding') throw new Error(`live room ${entry.name} is unavailable (no owner could be reached)`);
				try {
					return await this.forwardChange(entry, fn);
				} catch (error) {
					// The owner died or gave the room up before acknowledging: once more, with whoever has it now.
					if (!(error instanceof OwnerChangedError) || attempt >= 2) throw error;
					log('info', 'cluster.change.retry', { room: entry.name });
				}
			}
		} finally {
			entry.changing--;
			this.forgetIfIdle(entry);
		}
	}

	private async forwardChange<T>(entry: Entry, fn: (doc: Y.Doc) => T): Promise<T> {
		// The owner stores the seeded document as it loads the room: a change computed against a seed
		// of our own would create every row and cell a second time, so wait for the stored one.
		let doc = await this.durableDoc(entry, false);
		for (const deadline = Date.now() + this.settings.forwardTimeoutMs; !doc; doc = await this.durableDoc(entry, false)) {
			if (Date.now() > deadline || entry.mode.kind !== 'forwarding') throw new Error(`live room ${entry.name} has no stored document to change yet`);
			await new Promise((r) => setTimeout(r, 50));
		}
		const updates: Uint8Array[] = [];
		doc.on('update', (update: Uint8Array) => updates.push(update));
		let result: T;
		try {
			doc.transact(() => {
				result = fn(doc);
			});
		} finally {
			doc.destroy();
		}
		if (updates.length === 0) return result!;
		const request = `${this.settings.instanceId}:${this.nextRequest++}`;
		const acknowledged = new Promise<void>((resolve, reject) => {
			const timer = setTimeout(() => {
				entry.acks.delete(request);
				reject(new Error(`the owner of ${entry.name} did not acknowledge the change in ${this.settings.forwardTimeoutMs} ms`));
			}, this.settings.forwardTimeoutMs);
			entry.acks.set(request, { resolve, reject, timer });
		});
		try {
			await publishInbound(this.redis, this.settings, entry.name, {
				t: 'change',
				request,
				instance: this.settings.instanceId,
				data: updates.length === 1 ? updates[0]! : Y.mergeUpdates(updates)
			});
			await acknowledged;
		} catch (error) {
			const waiting = entry.acks.get(request);
			if (waiting) clearTimeout(waiting.timer);
			entry.acks.delete(request);
			throw error;
		}
		log('info', 'cluster.change.forwarded', { room: entry.name, owner: entry.mode.kind === 'forwarding' ? entry.mode.owner.instanceId : null });
		return result!;
	}

	/**
	 * Closes the sockets of a room whose principal matches: here (including those forwarded to a
	 * room this instance owns), and, when the match is `described`, on every other instance too.
	 * Returns how many were closed here.
	 */
	closeConnections(workshopId: number, match: (principal: Principal) => boolean, code: number, reason: string, described?: ConnectionMatch): number {
		if (described) this.tellOthers({ workshopId, match: described, code, reason });
		return this.closeHere(workshopId, match, code, reason);
	}

	closeConnectionsEverywhere(match: (principal: Principal) => boolean, code: number, reason: string, described?: ConnectionMatch): number {
		if (described) this.tellOthers({ workshopId: null, match: described, code, reason });
		let closed = 0;
		for (const workshopId of [...this.entries.keys()]) closed += this.closeHere(workshopId, match, code, reason);
		return closed;
	}

	private tellOthers(order: CloseOrder) {
		this.redis.publish(CONTROL_CHANNEL, JSON.stringify({ ...order, from: this.settings.instanceId })).catch((error: unknown) =>
			// The sockets elsewhere keep their rights until they reconnect: say so.
			log('error', 'cluster.close.unsent', { room: order.workshopId === null ? null : `workshop-${order.workshopId}`, code: order.code, error })
		);
	}

	/** An order from another instance: close the matching sockets held here. */
	private onControl(raw: string) {
		let order: CloseOrder & { from?: string };
		try {
			order = JSON.parse(raw) as CloseOrder & { from?: string };
		} catch (error) {
			log('warn', 'cluster.control.malformed', { error });
			return;
		}
		if (order.from === this.settings.instanceId) return;
		const match = (p: Principal) => matchesConnection(order.match, p);
		const closed =
			order.workshopId === null
				? [...this.entries.keys()].reduce((sum, id) => sum + this.closeHere(id, match, order.code, order.reason), 0)
				: this.closeHere(order.workshopId, match, order.code, order.reason);
		if (closed) log('info', 'cluster.closed', { from: order.from, connections: closed, code: order.code, reason: order.reason });
	}

	private closeHere(workshopId: number, match: (principal: Principal) => boolean, code: number, reason: string): number {
		const entry = this.entries.get(workshopId);
		if (!entry) return 0;
		let closed = 0;
		for (const state of [...entry.sockets.values()])
			if (match(state.conn.principal)) {
				this.closeSocket(entry, state, code, reason);
				closed++;
			}
		if (entry.mode.kind === 'owner')
			for (const remote of [...entry.mode.owned.remotes.values()])
				if (match(remote.principal)) {
					remote.close(code, reason);
					closed++;
				}
		return closed;
	}

	/**
	 * Graceful shutdown: sockets closed with a code clients retry (they reconnect to another
	 * instance), owned rooms drained and folded, leases released so another instance takes the rooms
	 * at once instead of after the TTL.
	 */
	async closeAll(): Promise<void> {
		this.closed = true;
		clearInterval(this.heartbeatTimer);
		const entries = [...this.entries.values()];
		this.entries.clear();
		await Promise.all(
			entries.map(async (entry) => {
				for (const state of [...entry.sockets.values()]) this.closeSocket(entry, state, CLOSE.shuttingDown, 'server restarting');
				if (entry.watchdog) clearTimeout(entry.watchdog);
				this.rejectWaitingChanges(entry, new Error(`live room ${entry.name}: the server is shutting down`));
				const mode = entry.mode;
				if (mode.kind !== 'owner') return;
				if (mode.owned.unloadTimer) clearTimeout(mode.owned.unloadTimer);
				for (const id of [...mode.owned.remotes.keys()]) mode.owned.endRemote(id, RETRY, 'server restarting');
				await mode.owned.room.drain();
				if (mode.owned.room.storing) log('error', 'room.drain.failed', { room: entry.name, reason: 'updates not stored at shutdown' });
				mode.owned.room.destroy();
				await this.leases.release(entry.name);
			})
		);
		this.leases.close();
		await this.store.close();
		await this.reader.close().catch(() => undefined);
		this.blocking.disconnect();
		this.subscriber.disconnect();
		await this.redis.quit().catch(() => this.redis.disconnect());
	}
}
