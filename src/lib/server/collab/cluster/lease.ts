/**
 * Room leases: each room has at most one owner instance, the one holding its lease in Redis.
 *
 * Taking a lease: the fence comes from INCR on the room's counter key, then `SET lease
 * "<instance>|<fence>" NX PX ttl`. The owner renews every third of the TTL with a compare-and-set
 * script (only while the value is still its own). The lease is lost when a renewal fails (Redis
 * unreachable, another value in the key) or when the owner's own view of the TTL passes without a
 * confirmed renewal; the owner must then stop serving the room at once.
 *
 * The fence is what makes a lost lease harmless: every append carries it, and the database refuses
 * an append whose fence is lower than one already written for the room (fenced-store.ts). A paused
 * owner that wakes up after its lease expired cannot write behind its successor's back.
 */
import type { Redis } from 'ioredis';
import { log } from '../../log';
import { keys } from './redis';
import type { ClusterSettings } from './settings';

export type LeaseHolder = { instanceId: string; fence: number };
export type Acquired = { fence: number } | { owner: LeaseHolder | null };

/** Renews a lease only while it still holds our value. */
const RENEW = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) else return 0 end`;
/** Deletes a lease only while it still holds our value. */
const RELEASE = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) else return 0 end`;
/** Raises a counter to at least ARGV[1] (after Redis lost its data, the database knows higher fences). */
const RAISE = `local v = tonumber(redis.call('GET', KEYS[1]) or '0') if v < tonumber(ARGV[1]) then redis.call('SET', KEYS[1], ARGV[1]) return tonumber(ARGV[1]) end return v`;

export function parseHolder(value: string | null): LeaseHolder | null {
	if (!value) return null;
	const at = value.lastIndexOf('|');
	const fence = Number(value.slice(at + 1));
	return at > 0 && Number.isInteger(fence) ? { instanceId: value.slice(0, at), fence } : null;
}

type Held = { fence: number; value: string; validUntil: number };

export class RoomLeases {
	private readonly held = new Map<string, Held>();
	private renewTimer: NodeJS.Timeout | null = null;
	private renewing = false;
	/** Our view of a lease ends this much before Redis' own TTL, for clock drift and the renewal's round trip. */
	private readonly validFor: number;

	constructor(
		private readonly redis: Redis,
		private readonly settings: ClusterSettings,
		/** Called once when a held lease is lost; the owner stops serving the room. */
		private readonly onLost: (room: string, reason: string) => void
	) {
		this.validFor = Math.floor(settings.leaseTtlMs * 0.8);
	}

	/** The fence if this instance holds the room's lease and can still prove it, else null. */
	fenceOf(room: string): number | null {
		const held = this.held.get(room);
		return held && Date.now() < held.validUntil ? held.fence : null;
	}

	/** Takes the lease if nobody holds it; otherwise says who does. Throws when Redis cannot be reached. */
	async acquire(room: string): Promise<Acquired> {
		const mine = this.held.get(room);
		if (mine && Date.now() < mine.validUntil) return { fence: mine.fence };
		const started = Date.now();
		const fence = await this.redis.incr(keys.fence(room));
		const value = `${this.settings.instanceId}|${fence}`;
		const taken = await this.redis.set(keys.lease(room), value, 'PX', this.settings.leaseTtlMs, 'NX');
		if (taken !== 'OK') {
			const owner = await this.holder(room);
			if (owner?.instanceId !== this.settings.instanceId) return { owner };
			// Our own lease, which we gave up here (a renewal that timed out while Redis still had it):
			// nobody serves the room. Cleared, so that it is taken afresh with a new fence; until it
			// expired by itself the room's sockets would be forwarded to ourselves.
			await this.redis.eval(RELEASE, 1, keys.lease(room), `${owner.instanceId}|${owner.fence}`);
			log('warn', 'lease.stale.cleared', { room, fence: owner.fence });
			return { owner: null };
		}
		this.held.set(room, { fence, value, validUntil: started + this.validFor });
		this.scheduleRenewal();
		log('info', 'lease.acquired', { room, fence });
		return { fence };
	}

	/** Who holds the room's lease now (null: nobody, it may be taken). */
	async holder(room: string): Promise<LeaseHolder | null> {
		return parseHolder(await this.redis.get(keys.lease(room)));
	}

	/**
	 * The database holds a fence at least this high (Redis restarted empty and counts from 1 again):
	 * raises the counter so the next acquisition gets a fence the database accepts.
	 */
	async raiseCounter(room: string, atLeast: number): Promise<void> {
		await this.redis.eval(RAISE, 1, keys.fence(room), String(atLeast));
	}

	/** Gives the room up (unloaded, shutting down, or the database refused our fence). */
	async release(room: string): Promise<void> {
		const held = this.held.get(room);
		if (!held) return;
		this.held.delete(room);
		try {
			await this.redis.eval(RELEASE, 1, keys.lease(room), held.value);
			log('info', 'lease.released', { room, fence: held.fence });
		} catch (error) {
			// It expires by itself within the TTL.
			log('warn', 'lease.release.failed', { room, error });
		}
	}

	rooms(): string[] {
		return [...this.held.keys()];
	}

	close(): void {
		if (this.renewTimer) clearTimeout(this.renewTimer);
		this.renewTimer = null;
	}

	private scheduleRenewal() {
		if (this.renewTimer || this.held.size === 0) return;
		this.renewTimer = setTimeout(() => {
			this.renewTimer = null;
			void this.renewAll().finally(() => this.scheduleRenewal());
		}, Math.max(50, Math.floor(this.settings.leaseTtlMs / 3)));
		this.renewTimer.unref();
	}

	private lose(room: string, held: Held, reason: string) {
		if (this.held.get(room) !== held) return;
		this.held.delete(room);
		log('warn', 'lease.lost', { room, fence: held.fence, reason });
		this.onLost(room, reason);
	}

	/** One pipelined round trip renews every held lease. */
	private async renewAll() {
		if (this.renewing) return;
		this.renewing = true;
		try {
			const entries = [...this.held.entries()];
			if (entries.length === 0) return;
			const sentAt = Date.now();
			const pipeline = this.redis.pipeline();
			for (const [room, held] of entries) pipeline.eval(RENEW, 1, keys.lease(room), held.value, String(this.settings.leaseTtlMs));
			let results: [Error | null, unknown][] | null;
			try {
				results = await pipeline.exec();
			} catch (error) {
				results = entries.map(() => [error instanceof Error ? error : new Error(String(error)), null]);
			}
			entries.forEach(([room, held], i) => {
				const [error, renewed] = results?.[i] ?? [new Error('no reply'), null];
				if (error) this.lose(room, held, `renewal failed: ${error.message}`);
				else if (renewed !== 1) this.lose(room, held, 'taken over or expired');
				else if (this.held.get(room) === held) held.validUntil = sentAt + this.validFor;
			});
		} finally {
			this.renewing = false;
		}
		// Our own view may run out between renewals (a stalled event loop): nothing is renewed then.
		for (const [room, held] of [...this.held.entries()]) if (Date.now() >= held.validUntil) this.lose(room, held, 'expired before renewal');
	}
}
