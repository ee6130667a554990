/**
 * The Redis side of several instances sharing live rooms: the connections and every key name in one
 * place (the settings are in settings.ts). Redis holds nothing durable here (the database
 * does): leases, their counters, and the streams between instances.
 */
import { Redis, type RedisOptions } from 'ioredis';
import { log } from '../../log';
import type { ClusterSettings } from './settings';

/**
 * One connection. Commands fail at once while Redis is unreachable (no offline queue) and after
 * `commandTimeout`: an owner that cannot renew its lease must find out quickly, not have the
 * renewal wait in a queue while the lease runs out. ioredis reconnects by itself.
 */
export function openRedis(settings: ClusterSettings, purpose: string, options: RedisOptions = {}): Redis {
	const redis = new Redis(settings.redisUrl, {
		connectionName: `mufakat:${settings.instanceId}:${purpose}`,
		enableOfflineQueue: false,
		maxRetriesPerRequest: 0,
		// Half the TTL: long enough for an event loop busy for a moment (a PDF being sealed), short
		// enough that a renewal sent at a third of the TTL fails before our view of the lease runs out.
		commandTimeout: Math.max(1000, Math.floor(settings.leaseTtlMs / 2)),
		// Back off to at most a second: rooms resume soon after Redis does.
		retryStrategy: (attempt) => Math.min(50 * attempt, 1000),
		lazyConnect: false,
		...options
	});
	let reported = false;
	redis.on('error', (error: Error) => {
		// ioredis repeats the same connection error on every retry: one line per outage.
		if (reported) return;
		reported = true;
		log('error', 'redis.error', { purpose, error });
	});
	redis.on('ready', () => {
		if (reported) log('info', 'redis.ready', { purpose });
		reported = false;
	});
	return redis;
}

/** Key names. The room name in braces is a hash tag: a room's keys stay on one Redis Cluster slot. */
export const keys = {
	lease: (room: string) => `mufakat:{${room}}:lease`,
	fence: (room: string) => `mufakat:{${room}}:fence`,
	/** Non-owner instances → the owner: forwarded sockets and server changes. */
	inbound: (room: string) => `mufakat:{${room}}:in`,
	/** The owner → every instance: broadcasts, replies for one forwarded socket, acknowledgements. */
	outbound: (room: string) => `mufakat:{${room}}:out`,
	/** Set by every live instance with a TTL: an owner forgets the forwarded sockets of one that is gone. */
	alive: (instanceId: string) => `mufakat:instance:${instanceId}:alive`,
	/** Written to interrupt this instance's blocking read when it starts following another stream. */
	wake: (instanceId: string) => `mufakat:instance:${instanceId}:wake`
};
