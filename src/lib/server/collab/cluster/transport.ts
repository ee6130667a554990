/**
 * Per-room Redis streams between instances.
 *
 * - inbound (`mufakat:{room}:in`), read by the room's owner: sockets that reached another instance
 *   (open, every frame, close) and server changes made on another instance;
 * - outbound (`mufakat:{room}:out`), read by every instance with sockets in the room: what the owner
 *   sends them, each message once per instance (a broadcast names no connection, a reply names
 *   its connections), acknowledgements of forwarded server changes, and "the room has a new owner".
 *
 * Streams rather than pub/sub: entries keep their order and stay readable for a moment, so a reader
 * that reconnects continues from the last id it handled. Both are trimmed (MAXLEN ~).
 */
import type { Redis } from 'ioredis';
import type { Principal } from '../principal';
import { log } from '../../log';
import { keys } from './redis';
import type { ClusterSettings } from './settings';

export type InboundMessage =
	| { t: 'open'; conn: string; instance: string; principal: Principal }
	| { t: 'frame'; conn: string; data: Uint8Array }
	| { t: 'close'; conn: string }
	| { t: 'change'; request: string; instance: string; data: Uint8Array };

export type OutboundMessage =
	/** `to`: the forwarded connections it is for, or null for every forwarded connection of the room. */
	| { t: 'send'; to: string[] | null; data: Uint8Array }
	| { t: 'end'; conn: string; code: number; reason: string }
	| { t: 'ack'; request: string; error?: string }
	/** A new owner serves the room: sockets forwarded to an earlier one must sync again. */
	| { t: 'owner'; instance: string; fence: number };

type AnyMessage = InboundMessage | OutboundMessage;

const EMPTY = Buffer.alloc(0);

/** Flat stream fields: the type, a JSON header, and the binary payload kept binary. */
export function encodeEntry(message: AnyMessage): Buffer[] {
	const { t, ...rest } = message;
	const data = 'data' in rest ? rest.data : null;
	if (data) delete (rest as { data?: unknown }).data;
	const payload = data ? Buffer.from(data.buffer, data.byteOffset, data.byteLength) : EMPTY;
	return [Buffer.from('t'), Buffer.from(t), Buffer.from('h'), Buffer.from(JSON.stringify(rest)), Buffer.from('d'), payload];
}

export function decodeEntry<T extends AnyMessage>(fields: Buffer[]): T | null {
	const map = new Map<string, Buffer>();
	for (let i = 0; i + 1 < fields.length; i += 2) map.set(fields[i]!.toString(), fields[i + 1]!);
	const t = map.get('t')?.toString();
	const header = map.get('h');
	if (!t || !header) return null;
	try {
		const message = { t, ...(JSON.parse(header.toString()) as object) } as Record<string, unknown>;
		const data = map.get('d');
		if (data && data.byteLength > 0) message.data = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
		else if (t === 'frame' || t === 'change' || t === 'send') message.data = new Uint8Array(0);
		return message as T;
	} catch {
		return null;
	}
}

/** Appends one message to a stream, trimmed to about `streamMaxLength` entries. */
export function publish(redis: Redis, settings: ClusterSettings, stream: string, message: AnyMessage): Promise<unknown> {
	return redis.xadd(stream, 'MAXLEN', '~', String(settings.streamMaxLength), '*', ...encodeEntry(message));
}

export const publishInbound = (redis: Redis, settings: ClusterSettings, room: string, message: InboundMessage) =>
	publish(redis, settings, keys.inbound(room), message);
export const publishOutbound = (redis: Redis, settings: ClusterSettings, room: string, message: OutboundMessage) =>
	publish(redis, settings, keys.outbound(room), message);

/** How long one blocking read waits before it looks again at the list of streams. */
const BLOCK_MS = 2000;
const RETRY_MS = 250;

type Followed = { lastId: string; handle: (fields: Buffer[]) => void };

/**
 * Follows any number of streams with one blocking XREAD on its own connection (a blocked
 * connection can do nothing else). Following another stream writes to this instance's wake stream,
 * which the read always includes, so the read returns and starts again with the new list.
 */
export class StreamReader {
	private readonly followed = new Map<string, Followed>();
	private running = true;
	private readonly wakeKey: string;
	private loop: Promise<void>;
	private healthy = true;

	constructor(
		/** A connection used only for the blocking read. */
		private readonly blocking: Redis,
		/** The instance's command connection (to wake the read and to find where a stream ends). */
		private readonly commands: Redis,
		settings: ClusterSettings,
		/** Redis went away (true) or came back (false) for this reader. */
		private readonly onHealth: (down: boolean) => void
	) {
		this.wakeKey = keys.wake(settings.instanceId);
		// From the start: the first read returns the few old wake entries at once, then tracks the last id.
		this.followed.set(this.wakeKey, { lastId: '0-0', handle: () => undefined });
		this.loop = this.run();
	}

	/** The id of a stream's newest entry ('0-0' when it has none). Throws when Redis cannot be reached. */
	async lastId(stream: string): Promise<string> {
		const last = (await this.commands.xrevrange(stream, '+', '-', 'COUNT', 1)) as [string, string[]][];
		return last[0]?.[0] ?? '0-0';
	}

	/**
	 * Starts following a stream after entry `after` (by default its current end): entries written
	 * after that are handled, in order. Throws when Redis cannot be reached.
	 */
	async follow(stream: string, handle: (fields: Buffer[]) => void, after?: string): Promise<void> {
		const existing = this.followed.get(stream);
		if (existing) {
			existing.handle = handle;
			return;
		}
		this.followed.set(stream, { lastId: after ?? (await this.lastId(stream)), handle });
		await this.wake();
	}

	/**
	 * Stops following a stream, only while `handle` is still what handles it: an owner or forwarder
	 * that is done with a room must not stop a newer one of the same room from hearing it.
	 */
	unfollow(stream: string, handle: ((fields: Buffer[]) => void) | null): void {
		if (stream === this.wakeKey || !handle || this.followed.get(stream)?.handle !== handle) return;
		this.followed.delete(stream);
	}

	isFollowing(stream: string): boolean {
		return this.followed.has(stream);
	}

	async close(): Promise<void> {
		this.running = false;
		await this.wake().catch(() => undefined);
		await this.loop;
	}

	private wake() {
		return this.commands.xadd(this.wakeKey, 'MAXLEN', '~', '100', '*', 'w', '1');
	}

	/** Resolves when the blocking connection is ready, or after `ms` (the read then fails and is retried). */
	private ready(ms: number): Promise<void> {
		if (this.blocking.status === 'ready') return Promise.resolve();
		return new Promise((resolve) => {
			const done = () => {
				clearTimeout(timer);
				this.blocking.off('ready', done);
				resolve();
			};
			const timer = setTimeout(done, ms);
			this.blocking.once('ready', done);
		});
	}

	private async run() {
		// At start-up the connection is still being made: not an outage.
		await this.ready(5000);
		while (this.running) {
			const streams = [...this.followed.keys()];
			const ids = streams.map((s) => this.followed.get(s)!.lastId);
			let reply: [Buffer, [Buffer, Buffer[]][]][] | null;
			try {
				reply = (await this.blocking.xreadBuffer('COUNT', 1000, 'BLOCK', BLOCK_MS, 'STREAMS', ...streams, ...ids)) as typeof reply;
				if (!this.healthy) {
					this.healthy = true;
					this.onHealth(false);
				}
			} catch (error) {
				if (!this.running) break;
				if (this.healthy) {
					this.healthy = false;
					log('warn', 'cluster.read.failed', { error });
					this.onHealth(true);
				}
				await new Promise((r) => setTimeout(r, RETRY_MS));
				continue;
			}
			for (const [streamKey, entries] of reply ?? []) {
				const followed = this.followed.get(streamKey.toString());
				if (!followed) continue;
				for (const [id, fields] of entries) {
					followed.lastId = id.toString();
					try {
						followed.handle(fields);
					} catch (error) {
						log('error', 'cluster.message.failed', { stream: streamKey.toString(), id: followed.lastId, error });
					}
				}
			}
		}
	}
}
