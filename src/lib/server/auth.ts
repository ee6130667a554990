import { createHash, randomBytes, scrypt, scryptSync, timingSafeEqual } from 'node:crypto';
import { and, eq, gt, lt, ne } from 'drizzle-orm';
import { demoModeOn } from './accounts/demo-mode';
import { affectedRows, type Db } from './db/client';
import { attendance, forumMembers, sessions, users, type ForumRole } from './db/schema';

const SCRYPT = { N: 16384, r: 8, p: 1, keylen: 32 } as const;
export const SESSION_COOKIE = 'mufakat_session';
const ACCOUNT_SESSION_MS = 14 * 24 * 3600 * 1000;
const PARTICIPANT_SESSION_MS = 3 * 24 * 3600 * 1000;

/** scrypt (Node's own, memory-hard) in a self-describing string so parameters can change later. */
export function hashPassword(password: string): string {
	const salt = randomBytes(16);
	const key = scryptSync(password, salt, SCRYPT.keylen, { N: SCRYPT.N, r: SCRYPT.r, p: SCRYPT.p });
	return `scrypt$${SCRYPT.N}$${SCRYPT.r}$${SCRYPT.p}$${salt.toString('base64')}$${key.toString('base64')}`;
}

export function verifyPassword(password: string, stored: string): boolean {
	const parsed = parseHash(stored);
	if (!parsed) return false;
	const actual = scryptSync(password, parsed.salt, parsed.key.length, parsed.params);
	return timingSafeEqual(parsed.key, actual);
}

function parseHash(stored: string) {
	const [scheme, n, r, p, salt, key] = stored.split('$');
	if (scheme !== 'scrypt' || !n || !r || !p || !salt || !key) return null;
	return { params: { N: Number(n), r: Number(r), p: Number(p) }, salt: Buffer.from(salt, 'base64'), key: Buffer.from(key, 'base64') };
}

/** Hashes running at once: each takes a libuv thread and 16 MB; more would starve file and DNS work. */
const HASH_CONCURRENCY = 2;
/** Hashes waiting for a slot; beyond this a login answers "try again" instead of queueing for ever. */
const HASH_QUEUE = 64;

/** Every hashing slot is taken and the queue is full: the caller should ask the person to try again. */
export class HashingBusyError extends Error {
	constructor() {
		super('password hashing queue is full');
	}
}

let hashesRunning = 0;
const hashesWaiting: (() => void)[] = [];

async function inHashPool<T>(work: () => Promise<T>): Promise<T> {
	if (hashesRunning < HASH_CONCURRENCY) hashesRunning++;
	else if (hashesWaiting.length >= HASH_QUEUE) throw new HashingBusyError();
	else await new Promise<void>((resolve) => hashesWaiting.push(resolve));
	try {
		return await work();
	} finally {
		// The slot passes straight to the next waiter, so the count never dips and lets a newcomer jump the queue.
		const next = hashesWaiting.shift();
		if (next) next();
		else hashesRunning--;
	}
}

function scryptOffLoop(password: string, salt: Buffer, keylen: number, params: { N: number; r: number; p: number }): Promise<Buffer> {
	return inHashPool(
		() => new Promise((resolve, reject) => scrypt(password, salt, keylen, params, (err, key) => (err ? reject(err) : resolve(key))))
	);
}

/** Same scheme as `hashPassword`, computed on libuv's thread pool so other requests keep moving. */
export async function hashPasswordAsync(password: string): Promise<string> {
	const salt = randomBytes(16);
	const key = await scryptOffLoop(password, salt, SCRYPT.keylen, { N: SCRYPT.N, r: SCRYPT.r, p: SCRYPT.p });
	return `scrypt$${SCRYPT.N}$${SCRYPT.r}$${SCRYPT.p}$${salt.toString('base64')}$${key.toString('base64')}`;
}

export async function verifyPasswordAsync(password: string, stored: string): Promise<boolean> {
	const parsed = parseHash(stored);
	if (!parsed) return false;
	const actual = await scryptOffLoop(password, parsed.salt, parsed.key.length, parsed.params);
	return timingSafeEqual(parsed.key, actual);
}

/** Whether this account may sign in now: active, and a demo account only while the demo is on. */
export function maySignIn(user: { active: boolean; isDemo: boolean }): boolean {
	return user.active && (!user.isDemo || demoModeOn());
}

function hashToken(token: string): string {
	return createHash('sha256').update(token).digest('hex');
}

export async function createUser(db: Db, input: { email: string; name: string; password: string; isDemo?: boolean }) {
	const [user] = await db
		.insert(users)
		.values({ email: input.email.toLowerCase(), name: input.name, passwordHash: hashPassword(input.password), isDemo: input.isDemo ?? false })
		.returning();
	return user!;
}

let dummyHash: Promise<string> | undefined;

/** A hash no password matches, made once: unknown emails cost one scrypt, exactly like known ones. */
function unknownAccountHash(): Promise<string> {
	dummyHash ??= hashPasswordAsync(randomBytes(32).toString('base64')).catch((e: unknown) => {
		dummyHash = undefined;
		throw e;
	});
	return dummyHash;
}

/**
 * The account for this email and password, or null. Always exactly one scrypt, off the event loop
 * and through the bounded pool (may throw `HashingBusyError`), whether or not the email exists.
 */
export async function authenticate(db: Db, email: string, password: string) {
	const user = (await db.select().from(users).where(eq(users.email, email.trim().toLowerCase())))[0];
	const ok = await verifyPasswordAsync(password, user?.passwordHash ?? (await unknownAccountHash()));
	return user && ok && maySignIn(user) ? user : null;
}

export type SessionGrant =
	| { kind: 'account'; userId: number }
	| { kind: 'participant'; workshopId: number; attendanceId: number };

/** Returns the cookie token; only its hash is stored. */
export async function startSession(db: Db, grant: SessionGrant, now = Date.now()): Promise<{ token: string; expiresAt: Date }> {
	const token = randomBytes(32).toString('base64url');
	const expiresAt = new Date(now + (grant.kind === 'account' ? ACCOUNT_SESSION_MS : PARTICIPANT_SESSION_MS));
	await db.delete(sessions).where(lt(sessions.expiresAt, new Date(now)));
	await db.insert(sessions)
		.values({
			tokenHash: hashToken(token),
			userId: grant.kind === 'account' ? grant.userId : null,
			workshopId: grant.kind === 'participant' ? grant.workshopId : null,
			attendanceId: grant.kind === 'participant' ? grant.attendanceId : null,
			expiresAt
		});
	return { token, expiresAt };
}

export async function endSession(db: Db, token: string): Promise<void> {
	await db.delete(sessions).where(eq(sessions.tokenHash, hashToken(token)));
}

/** Ends every session of an account (deactivation, reset), or every one but `keepToken`'s (own password change). */
export async function endSessionsOf(db: Db, userId: number, keepToken?: string): Promise<number> {
	const mine = eq(sessions.userId, userId);
	const where = keepToken ? and(mine, ne(sessions.tokenHash, hashToken(keepToken))) : mine;
	return affectedRows(await db.delete(sessions).where(where));
}

export type Viewer =
	| { kind: 'account'; user: { id: number; name: string; email: string; isAdmin: boolean }; roles: { forumId: number; role: ForumRole }[] }
	| {
			kind: 'participant';
			workshopId: number;
			attendanceId: number;
			institutionId: number;
			name: string;
	  };

/** Resolves a cookie token to who is asking, or null when the token is unknown or expired. */
export async function resolveSession(db: Db, token: string, now = Date.now()): Promise<Viewer | null> {
	const session = (await db
		.select()
		.from(sessions)
		.where(and(eq(sessions.tokenHash, hashToken(token)), gt(sessions.expiresAt, new Date(now)))))[0];
	if (!session) return null;
	if (session.userId != null) {
		const user = (await db.select().from(users).where(eq(users.id, session.userId)))[0];
		if (!user || !maySignIn(user)) return null;
		const roles = await db
			.select({ forumId: forumMembers.forumId, role: forumMembers.role })
			.from(forumMembers)
			.where(eq(forumMembers.userId, user.id));
		return { kind: 'account', user: { id: user.id, name: user.name, email: user.email, isAdmin: user.isAdmin }, roles };
	}
	if (session.workshopId != null && session.attendanceId != null) {
		const row = (await db.select().from(attendance).where(eq(attendance.id, session.attendanceId)))[0];
		// An entry removed by staff ends its session, even one its cookie still names.
		if (!row || row.workshopId !== session.workshopId || row.removedAt) return null;
		return {
			kind: 'participant',
			workshopId: row.workshopId,
			attendanceId: row.id,
			institutionId: row.institutionId,
			name: row.name
		};
	}
	return null;
}

export async function grantRole(db: Db, forumId: number, userId: number, role: ForumRole): Promise<void> {
	await db.insert(forumMembers).values({ forumId, userId, role }).onConflictDoNothing();
}

/** Account roles in one forum; empty for participants and strangers. */
export function rolesIn(viewer: Viewer | null, forumId: number): ForumRole[] {
	if (viewer?.kind !== 'account') return [];
	return viewer.roles.filter((r) => r.forumId === forumId).map((r) => r.role);
}
