import { randomBytes, timingSafeEqual } from 'node:crypto';
import { eq, sql } from 'drizzle-orm';
import { hashPasswordAsync } from '../auth';
import { transaction, type Db } from '../db/client';
import { settings, users } from '../db/schema';
import { sha256Hex } from '../hashing';
import { parseBaseUrl } from '../network';
import { InputError, InputReader } from '../validation';
import { readEmail, readNewPassword, readPersonName } from './fields';

const SETUP_TOKEN_KEY = 'setup_token_sha256';

/** True until the instance administrator exists: the home page then says that set-up is pending. */
export async function isSetupPending(db: Db): Promise<boolean> {
	const row = (await db.select({ n: sql<number>`count(*)` }).from(users).where(eq(users.isAdmin, true)))[0];
	return (row?.n ?? 0) === 0;
}

/**
 * A fresh one-time setup token while no administrator exists (each start replaces the last one);
 * only its SHA-256 is kept. Null once set-up is done.
 */
export async function issueSetupToken(db: Db): Promise<string | null> {
	if (!await isSetupPending(db)) {
		await db.delete(settings).where(eq(settings.key, SETUP_TOKEN_KEY));
		return null;
	}
	const token = randomBytes(24).toString('base64url');
	const value = sha256Hex(token);
	await db.insert(settings).values({ key: SETUP_TOKEN_KEY, value }).onConflictDoUpdate({ target: settings.key, set: { value } });
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

export async function setupTokenState(db: Db, token: string): Promise<SetupTokenState> {
	if (!await isSetupPending(db)) return 'done';
	const stored = (await db.select().from(settings).where(eq(settings.key, SETUP_TOKEN_KEY)))[0]?.value;
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
async function insertAdmin(db: Db, input: AdminInput) {
	if ((await db.select({ id: users.id }).from(users).where(eq(users.email, input.email)))[0]) {
		throw new InputError({ email: { key: 'account.emailTaken' } });
	}
	const admin = (await db.insert(users).values({ ...input, isAdmin: true }).returning())[0]!;
	await db.delete(settings).where(eq(settings.key, SETUP_TOKEN_KEY));
	return admin;
}

/** The set-up page's form (name, email, password twice): creates the instance administrator once. */
export async function completeSetup(db: Db, token: string, source: FormData | Record<string, unknown>) {
	const input = await readAdmin(source);
	return await transaction(db, async (tx) => {
		const state = await setupTokenState(tx, token);
		if (state !== 'valid') throw new SetupRefused(state);
		return await insertAdmin(tx, input);
	});
}

/** `npm run admin -- create-admin`: an administrator for a server without a browser, at any time. */
export async function createAdmin(db: Db, source: { name: string; email: string; password: string; passwordConfirm: string }) {
	const input = await readAdmin(source);
	return await transaction(db, async (tx) => await insertAdmin(tx, input));
}
