/**
 * Fixed-window throttling kept in the database (so it holds across restarts and, later, across
 * instances): `limit` attempts per `windowMs` for one key, then the key is locked for `lockMs`.
 */
import { fail } from '@sveltejs/kit';
import { eq } from 'drizzle-orm';
import { translate, type Locale } from '$lib/i18n/translate';
import { transaction, type Db } from './db/client';
import { throttleBuckets } from './db/schema';

export type ThrottleOptions = { limit: number; windowMs: number; lockMs: number };
export type ThrottleResult = { allowed: boolean; retryAfterMs: number };

/** Counts one attempt for `key` and says whether it may go ahead. */
export async function throttle(db: Db, key: string, opts: ThrottleOptions, now = Date.now()): Promise<ThrottleResult> {
	return await transaction(db, async (tx) => {
		const bucket = (await tx.select().from(throttleBuckets).where(eq(throttleBuckets.key, key)))[0];
		const lockedUntil = bucket?.lockedUntil?.getTime() ?? 0;
		if (lockedUntil > now) return { allowed: false, retryAfterMs: lockedUntil - now };
		const fresh = !bucket || now - bucket.windowStart.getTime() >= opts.windowMs || lockedUntil !== 0;
		const count = fresh ? 1 : bucket.count + 1;
		const windowStart = fresh ? new Date(now) : bucket.windowStart;
		const overLimit = count > opts.limit;
		const lock = overLimit ? new Date(now + opts.lockMs) : null;
		await tx.insert(throttleBuckets)
			.values({ key, count, windowStart, lockedUntil: lock })
			.onConflictDoUpdate({ target: throttleBuckets.key, set: { count, windowStart, lockedUntil: lock } });
		return overLimit ? { allowed: false, retryAfterMs: opts.lockMs } : { allowed: true, retryAfterMs: 0 };
	});
}

/** Join attempts per client address: generous for a hall behind one NAT, hopeless for guessing codes. */
export const JOIN_LIMIT: ThrottleOptions = { limit: 60, windowMs: 60_000, lockMs: 5 * 60_000 };
/** Sign-link attempts per client address. */
export const SIGN_LIMIT: ThrottleOptions = { limit: 30, windowMs: 60_000, lockMs: 5 * 60_000 };

/** Overridable by the operator (and the tests) without a rebuild: `MUFAKAT_JOIN_LIMIT=5`. */
export function limitFromEnv(base: ThrottleOptions, name: string): ThrottleOptions {
	const raw = Number(process.env[name]);
	return Number.isInteger(raw) && raw > 0 ? { ...base, limit: raw } : base;
}

/** The refusal, in the user's language, with how many minutes to wait (at least one). */
export function throttledMessage(locale: Locale, retryAfterMs: number): string {
	return translate(locale, 'door.tooManyAttempts', { minutes: Math.max(1, Math.ceil(retryAfterMs / 60_000)) });
}

/** A 429 for a form action that keeps what was typed (never a password) so nothing is lost. */
export async function throttledFormFailure(locale: Locale, request: Request, retryAfterMs: number) {
	const form = await request.formData().catch(() => new FormData());
	const values = Object.fromEntries(
		[...form.entries()].filter(([k, v]) => typeof v === 'string' && !/password|strokes/i.test(k)).map(([k, v]) => [k, (v as string).slice(0, 400)])
	);
	return fail(429, { errors: { code: throttledMessage(locale, retryAfterMs) }, values, action: null });
}
