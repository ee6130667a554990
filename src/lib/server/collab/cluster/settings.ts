/**
 * Cluster mode's settings from the environment. Kept apart from the Redis client (redis.ts) so that
 * asking whether cluster mode is on loads nothing: the embedded default never imports ioredis.
 */
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';

/** `REDIS_URL`, which turns cluster mode on; null when unset or blank. */
export function redisUrlFromEnv(): string | null {
	return process.env.REDIS_URL?.trim() || null;
}

export type ClusterSettings = {
	redisUrl: string;
	/** This process's name in leases and streams; unique among the instances. */
	instanceId: string;
	/** A lease not renewed for this long expires and another instance may take the room. */
	leaseTtlMs: number;
	/** Entries kept per room stream (approximately): enough for a reconnecting reader, bounded memory. */
	streamMaxLength: number;
	/** How long a server change forwarded to another instance may take before it counts as failed. */
	forwardTimeoutMs: number;
};

function positive(name: string, fallback: number): number {
	const raw = process.env[name];
	const value = raw === undefined || raw.trim() === '' ? Number.NaN : Number(raw);
	return Number.isFinite(value) && value > 0 ? value : fallback;
}

/** The settings when `REDIS_URL` is set (cluster mode), else null (one instance, no Redis). */
export function clusterSettingsFromEnv(): ClusterSettings | null {
	const redisUrl = redisUrlFromEnv();
	if (!redisUrl) return null;
	const leaseTtlMs = positive('MUFAKAT_LEASE_TTL_MS', 5000);
	return {
		redisUrl,
		instanceId: process.env.MUFAKAT_INSTANCE_ID?.trim() || `${hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`,
		leaseTtlMs,
		streamMaxLength: positive('MUFAKAT_STREAM_MAXLEN', 10_000),
		forwardTimeoutMs: positive('MUFAKAT_FORWARD_TIMEOUT_MS', Math.max(10_000, leaseTtlMs * 3))
	};
}
