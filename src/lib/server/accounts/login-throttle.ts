import { and, eq, inArray, like, lt } from 'drizzle-orm';
import { authenticate, HashingBusyError } from '../auth';
import { transaction, type Db } from '../db/client';
import { throttleBuckets } from '../db/schema';
import { log } from '../log';

/** So many failures within `windowMs` lock the key for `lockMs`. */
export type FailureLimit = { failures: number; windowMs: number; lockMs: number };

const MINUTE = 60_000;

function positiveFromEnv(name: string, fallback: number): number {
	const value = Number(process.env[name]);
	return Number.isInteger(value) && value > 0 ? value : fallback;
}

/**
 * Per account (keyed by the typed email, known or not, so a lockout reveals nothing) and per
 * client address. A hall's whole LAN may reach us through one NAT address, hence its higher limit.
 */
export function loginLimits(): { account: FailureLimit; address: FailureLimit } {
	return {
		account: { failures: positiveFromEnv('MUFAKAT_LOGIN_FAILURES_PER_ACCOUNT', 10), windowMs: 15 * MINUTE, lockMs: 15 * MINUTE },
		address: { failures: positiveFromEnv('MUFAKAT_LOGIN_FAILURES_PER_ADDRESS', 50), windowMs: 15 * MINUTE, lockMs: 15 * MINUTE }
	};
}

function keysFor(email: string, address: string) {
	return { account: `login:account:${email.trim().toLowerCase()}`, address: `login:address:${address}` };
}

/** The latest moment any of these keys stays locked, or null when none is locked now. */
export async function lockedUntil(db: Db, keys: string[], now = Date.now()): Promise<Date | null> {
	const rows = await db.select().from(throttleBuckets).where(inArray(throttleBuckets.key, keys));
	const until = Math.max(0, ...rows.map((r) => r.lockedUntil?.getTime() ?? 0));
	return until > now ? new Date(until) : null;
}

/** Counts one failure against `key`; reaching the limit locks it. Returns whether it is now locked. */
export async function recordFailure(db: Db, key: string, limit: FailureLimit, now = Date.now()): Promise<boolean> {
	return await transaction(db, async (tx) => {
		const row = (await tx.select().from(throttleBuckets).where(eq(throttleBuckets.key, key)))[0];
		const current = row && row.windowStart.getTime() + limit.windowMs > now ? row : null;
		const count = current ? current.count + 1 : 1;
		const lockedUntil = count >= limit.failures ? new Date(now + limit.lockMs) : (row?.lockedUntil ?? null);
		const values = { count, windowStart: current ? current.windowStart : new Date(now), lockedUntil };
		await tx.insert(throttleBuckets)
			.values({ key, ...values })
			.onConflictDoUpdate({ target: throttleBuckets.key, set: values });
		return count >= limit.failures;
	});
}

export async function clearFailures(db: Db, key: string): Promise<void> {
	await db.delete(throttleBuckets).where(eq(throttleBuckets.key, key));
}

/**
 * Login buckets whose window and any lock from it are over carry nothing; the table stays small.
 * Other throttles share the table under their own prefixes and are left alone.
 */
async function forgetStale(db: Db, now: number): Promise<void> {
	const { account, address } = loginLimits();
	const oldest = new Date(now - Math.max(account.windowMs, address.windowMs) - Math.max(account.lockMs, address.lockMs));
	await db.delete(throttleBuckets).where(and(like(throttleBuckets.key, 'login:%'), lt(throttleBuckets.windowStart, oldest)));
}

export type SignInOutcome =
	| { ok: true; user: NonNullable<Awaited<ReturnType<typeof authenticate>>> }
	| { ok: false; reason: 'wrong' }
	| { ok: false; reason: 'locked'; minutes: number }
	| { ok: false; reason: 'busy' };

/**
 * A sign-in attempt with throttling. While the account or the address is locked even the right
 * password is refused, and no hash is computed (the lock is keyed by the typed email, so skipping
 * it tells nothing about whether the account exists).
 */
export async function signIn(db: Db, input: { email: string; password: string; address: string }, now = Date.now()): Promise<SignInOutcome> {
	const limits = loginLimits();
	const keys = keysFor(input.email, input.address);
	await forgetStale(db, now);
	const locked = await lockedUntil(db, [keys.account, keys.address], now);
	if (locked) return { ok: false, reason: 'locked', minutes: Math.max(1, Math.ceil((locked.getTime() - now) / MINUTE)) };
	let user: Awaited<ReturnType<typeof authenticate>>;
	try {
		user = await authenticate(db, input.email, input.password);
	} catch (e) {
		if (e instanceof HashingBusyError) {
			log('warn', 'login.busy', { address: input.address });
			return { ok: false, reason: 'busy' };
		}
		throw e;
	}
	if (user) {
		await clearFailures(db, keys.account);
		return { ok: true, user };
	}
	const accountLocked = await recordFailure(db, keys.account, limits.account, now);
	const addressLocked = await recordFailure(db, keys.address, limits.address, now);
	if (accountLocked || addressLocked) {
		log('info', 'login.locked', { address: input.address, by: accountLocked ? 'account' : 'address' });
		const lockMs = accountLocked ? limits.account.lockMs : limits.address.lockMs;
		return { ok: false, reason: 'locked', minutes: Math.ceil(lockMs / MINUTE) };
	}
	return { ok: false, reason: 'wrong' };
}
