import { randomBytes, timingSafeEqual } from 'node:crypto';
import { eq, sql } from 'drizzle-orm';
import { hashPasswordAsync } from '../auth';
import type { Db } from '../db/client';
import { settings, users } from '../db/schema';
import { sha256Hex } from '../hashing';
import { parseBaseUrl } from '../network';
import { InputError, InputReader } from '../validation';
import { readEmail, readNewPassword, readPersonName } from './fields';

const SETUP_TOKEN_KEY = 'setup_token_sha256';

/** True until the instance administrator exists: the home page then says that set-up is pending. */
export function isSetupPending(db: Db): boolean {
	const row = db.select({ n: sql<number>`count(*)` }).from(users).where(eq(users.isAdmin, true)).get();
	return (row?.n ?? 0) === 0;
}

/**
 * A fresh one-time setup token while no administrator exists (each start replaces the last one);
 * only its SHA-256 is kept. Null once set-up is done.
 */
export function issueSetupToken(db: Db): string | null {
	if (!isSetupPending(db)) {
		db.delete(settings).where(eq(settings.key, SETUP_TOKEN_KEY)).run();
		return null;
	}
	const token = randomBytes(24).toString('base64url');
	const value = sha256Hex(token);
	db.insert(settings).values({ key: SETUP_TOKEN_KEY, value }).onConflictDoUpdate({ target: settings.key, set: { value } }).run();
	return token;
}

/**
 * Where the start-up line points: `PUBLIC_URL`, else `ORIGIN` (adapter-node refuses form posts
 * from any other address, so a localhost link would fail with 403 on submit), else this machine's
 * own port.
 */
export function setupBaseUrl(): string {
	return parseBaseUrl(process.env.PUBLIC_URL) ?? parseBaseUrl(process.env.ORIGIN) ?? `http://localhost:${process.env.PORT ?? 3000}`;
}

/** `valid`, `wrong` (not the token printed at start-up) or `done` (an administrator exists). */
export type SetupTokenState = 'valid' | 'wrong' | 'done';

export function setupTokenState(db: Db, token: string): SetupTokenState {
	if (!isSetupPending(db)) return 'done';
	const stored = db.select().from(settings).where(eq(settings.key, SETUP_TOKEN_KEY)).get()?.value;
	if (!stored || !token) return 'wrong';
	const given = Buffer.from(sha256Hex(token), 'hex');
	const expected = Buffer.from(stored, 'hex');
	return given.length === expected.length && timingSafeEqual(given, expected) ? 'valid' : 'wrong';
}

/** Thrown when the token stopped being valid between the form's check and the write. */
export class SetupRefused extends Error {
	constructor(readonly state: Exclude<SetupTokenState, 'valid'>) {
		super(`setup token ${state}`);
		this.name = 'SetupRefused';
	}
}

type AdminInput = { name: string; email: string; passwordHash: string };

async function readAdmin(source: FormData | Record<string, unknown>): Promise<AdminInput> {
	const reader = new InputReader(source);
	const name = readPersonName(reader);
	const email = readEmail(reader);
	const password = readNewPassword(reader, source, email);
	reader.done();
	return { name, email, passwordHash: await hashPasswordAsync(password) };
}

/** Inside a transaction: the account must be new; set-up is over once it exists. */
function insertAdmin(db: Db, input: AdminInput) {
	if (db.select({ id: users.id }).from(users).where(eq(users.email, input.email)).get()) {
		throw new InputError({ email: { key: 'account.emailTaken' } });
	}
	const admin = db.insert(users).values({ ...input, isAdmin: true }).returning().get();
	db.delete(settings).where(eq(settings.key, SETUP_TOKEN_KEY)).run();
	return admin;
}

/** The set-up page's form (name, email, password twice): creates the instance administrator once. */
export async function completeSetup(db: Db, token: string, source: FormData | Record<string, unknown>) {
	const input = await readAdmin(source);
	return db.transaction(() => {
		const state = setupTokenState(db, token);
		if (state !== 'valid') throw new SetupRefused(state);
		return insertAdmin(db, input);
	});
}

/** `npm run admin -- create-admin`: an administrator for a server without a browser, at any time. */
export async function createAdmin(db: Db, source: { name: string; email: string; password: string; passwordConfirm: string }) {
	const input = await readAdmin(source);
	return db.transaction(() => insertAdmin(db, input));
}
