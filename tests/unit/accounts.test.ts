import { sql } from 'drizzle-orm';
import { afterEach, describe, expect, it } from 'vitest';
import { memoryDb } from '../helpers/db';
import type { Db } from '../../src/lib/server/db/client';
import { accessLinks, forumMembers, forums, sessions, users } from '../../src/lib/server/db/schema';
import { authenticate, createUser, hashPasswordAsync, resolveSession, startSession, verifyPassword, verifyPasswordAsync } from '../../src/lib/server/auth';
import { LinkRefused } from '../../src/lib/server/accounts/access-links';
import {
	acceptWithExistingAccount,
	acceptWithNewAccount,
	createInvitation,
	invitationFor,
	listOpenInvitations,
	renewInvitation,
	revokeInvitation
} from '../../src/lib/server/accounts/invitations';
import { changeOwnPassword, setAccountActive } from '../../src/lib/server/accounts/manage';
import { passwordProblem } from '../../src/lib/server/accounts/passwords';
import { issueResetLink, resetPassword } from '../../src/lib/server/accounts/resets';
import { completeSetup, createAdmin, isSetupPending, issueSetupToken, SetupRefused, setupTokenState } from '../../src/lib/server/accounts/setup';
import { seedDemo, DEMO_MODERATOR_EMAIL, DEMO_PASSWORD } from '../../src/lib/server/demo';
import { InputError } from '../../src/lib/server/validation';
import { translate } from '../../src/lib/i18n/translate';

const DAY = 24 * 3600 * 1000;
const GOOD = 'tiga kambing di ladang jagung';

async function world() {
	const db = await memoryDb();
	const forumId = (await db.insert(forums).values({ name: 'Forum Kampung Tulang Bawang', shortName: 'FKTB' }).returning())[0]!.id;
	const admin = (await db.insert(users).values({ email: 'admin@forum.test', name: 'Admin', passwordHash: 'x', isAdmin: true }).returning())[0]!;
	return { db, forumId, admin };
}

const TABLES = { users, access_links: accessLinks, forum_members: forumMembers };
const count = async (db: Db, table: keyof typeof TABLES) => Number((await db.select({ n: sql<number>`count(*)` }).from(TABLES[table]))[0]!.n);

async function refusal(run: () => unknown): Promise<string> {
	try {
		await run();
	} catch (e) {
		if (e instanceof LinkRefused) return e.reason;
		throw e;
	}
	throw new Error('expected the link to be refused');
}

async function fieldErrors(run: () => unknown): Promise<Record<string, string>> {
	try {
		await run();
	} catch (e) {
		if (e instanceof InputError) return Object.fromEntries(Object.entries(e.errors).map(([k, m]) => [k, translate('en', m.key, m.params)]));
		throw e;
	}
	throw new Error('expected bad input');
}

describe('passwords', () => {
	it('refuses short, common, app-named and email-derived passwords and accepts a passphrase', () => {
		const problem = (p: string, email = 'rina.kusuma@desa.id') => passwordProblem(p, email)?.key ?? null;
		expect(problem('pendek1!')).toBe('password.tooShort');
		for (const common of ['password123', 'Bismillah123', 'qwertyuiop', '1234567890', 'indonesia1945', 'sayangku123', 'kelurahan2024', 'zzzzzzzzzzzz']) {
			expect(problem(common), common).toBe('password.common');
		}
		expect(problem('RapatMufakatDesa!')).toBe('password.appName');
		expect(problem('xx-rina.kusuma-2024')).toBe('password.containsEmail');
		expect(problem(GOOD)).toBeNull();
	});

	it('hashes off the event loop in the same scheme the login verifies', async () => {
		const stored = await hashPasswordAsync(GOOD);
		expect(verifyPassword(GOOD, stored)).toBe(true);
		expect(await verifyPasswordAsync(GOOD, stored)).toBe(true);
		expect(await verifyPasswordAsync('something else entirely', stored)).toBe(false);
	});
});

describe('invitations', () => {
	it('creates a single-use invitation that a new person accepts with their own password', async () => {
		const { db, forumId, admin } = await world();
		const { token } = await createInvitation(db, forumId, admin.id, { role: 'moderator', name: 'Maya', email: 'maya@forum.test' });
		expect(await invitationFor(db, token)).toMatchObject({ role: 'moderator', forumId, name: 'Maya' });
		expect(await listOpenInvitations(db, forumId)).toHaveLength(1);

		const { user } = await acceptWithNewAccount(db, token, { name: 'Maya Sari', email: 'Maya@Forum.test', password: GOOD, passwordConfirm: GOOD });
		expect(user.email).toBe('maya@forum.test');
		expect((await authenticate(db, 'maya@forum.test', GOOD))?.id).toBe(user.id);
		expect(await db.select().from(forumMembers)).toEqual([{ forumId, userId: user.id, role: 'moderator' }]);
		expect(await listOpenInvitations(db, forumId)).toHaveLength(0);

		// Used once: a second acceptance, new account or existing, is refused and stores nothing.
		expect(await refusal(() => acceptWithNewAccount(db, token, { name: 'Lain', email: 'lain@forum.test', password: GOOD, passwordConfirm: GOOD }))).toBe('used');
		expect(await refusal(() => acceptWithExistingAccount(db, token, { email: 'maya@forum.test', password: GOOD }))).toBe('used');
		expect(await count(db, 'users')).toBe(2);
	});

	it('refuses an expired invitation and stores nothing', async () => {
		const { db, forumId, admin } = await world();
		const now = Date.now();
		const { token } = await createInvitation(db, forumId, admin.id, { role: 'secretariat', name: 'Sekar', days: '2' }, now);
		const later = now + 2 * DAY + 1;
		expect(await refusal(() => acceptWithNewAccount(db, token, { name: 'Sekar', email: 'sekar@forum.test', password: GOOD, passwordConfirm: GOOD }, later))).toBe('expired');
		expect(await count(db, 'users')).toBe(1);
		expect(await count(db, 'forum_members')).toBe(0);
		// Renewing gives a new link; the old token stays dead.
		const renewed = (await renewInvitation(db, forumId, (await listOpenInvitations(db, forumId))[0]!.id, later))!;
		expect(await refusal(async () => await invitationFor(db, token, later))).toBe('unknown');
		expect((await invitationFor(db, renewed.token, later)).role).toBe('secretariat');
	});

	it('revokes an open invitation: its link then reads as unknown', async () => {
		const { db, forumId, admin } = await world();
		const { token, invitation } = await createInvitation(db, forumId, admin.id, { role: 'observer', name: 'Obi' });
		const other = (await db.insert(forums).values({ name: 'Lain', shortName: 'L' }).returning())[0]!.id;
		expect(await revokeInvitation(db, other, invitation.id)).toBe(false);
		expect(await revokeInvitation(db, forumId, invitation.id)).toBe(true);
		expect(await refusal(() => acceptWithNewAccount(db, token, { name: 'Obi', email: 'obi@forum.test', password: GOOD, passwordConfirm: GOOD }))).toBe('unknown');
		expect(await count(db, 'access_links')).toBe(0);
	});

	it('answers bad input field by field and leaves the link usable', async () => {
		const { db, forumId, admin } = await world();
		expect(await fieldErrors(async () => await createInvitation(db, forumId, admin.id, { role: 'chair', name: '', email: 'not-an-email' }))).toMatchObject({
			role: 'Not a valid choice.',
			name: 'Required.',
			email: 'Not a valid email address.'
		});
		const { token } = await createInvitation(db, forumId, admin.id, { role: 'moderator', name: 'Maya' });
		const weak = await fieldErrors(() => acceptWithNewAccount(db, token, { name: 'Maya', email: 'maya@forum.test', password: 'password123', passwordConfirm: 'password123' }));
		expect(weak.password).toMatch(/too common/);
		const mismatch = await fieldErrors(() => acceptWithNewAccount(db, token, { name: 'Maya', email: 'maya@forum.test', password: GOOD, passwordConfirm: GOOD + '!' }));
		expect(mismatch.passwordConfirm).toBe('The two passwords differ.');
		const taken = await fieldErrors(() => acceptWithNewAccount(db, token, { name: 'Maya', email: 'admin@forum.test', password: GOOD, passwordConfirm: GOOD }));
		expect(taken.email).toMatch(/already has an account/);
		expect(await count(db, 'users')).toBe(1);
		expect((await invitationFor(db, token)).usedAt).toBeNull();
	});

	it('gives the role to an existing account that signs in with its own password', async () => {
		const { db, forumId, admin } = await world();
		const maya = await createUser(db, { email: 'maya@forum.test', name: 'Maya', password: GOOD });
		const { token } = await createInvitation(db, forumId, admin.id, { role: 'observer', name: 'Maya', email: 'maya@forum.test' });
		expect(await fieldErrors(() => acceptWithExistingAccount(db, token, { email: 'maya@forum.test', password: 'wrong password here' }))).toEqual({ password: 'Wrong email or password.' });
		expect((await invitationFor(db, token)).usedAt).toBeNull();
		await acceptWithExistingAccount(db, token, { email: 'maya@forum.test', password: GOOD });
		expect(await db.select().from(forumMembers)).toEqual([{ forumId, userId: maya.id, role: 'observer' }]);
		// The same role twice is pointless: refused at invitation time.
		expect(await fieldErrors(async () => await createInvitation(db, forumId, admin.id, { role: 'observer', name: 'Maya', email: 'maya@forum.test' }))).toHaveProperty('email');
	});
});

describe('deactivation and resets', () => {
	it('ends every session of a deactivated account at once and lets it back in after reactivation', async () => {
		const { db, admin } = await world();
		const maya = await createUser(db, { email: 'maya@forum.test', name: 'Maya', password: GOOD });
		const phone = await startSession(db, { kind: 'account', userId: maya.id });
		const laptop = await startSession(db, { kind: 'account', userId: maya.id });
		expect((await resolveSession(db, phone.token))?.kind).toBe('account');

		expect(await setAccountActive(db, admin.id, maya.id, false)).toEqual({ name: 'Maya' });
		expect((await db.select().from(sessions)).filter((s) => s.userId === maya.id)).toHaveLength(0);
		expect(await resolveSession(db, laptop.token)).toBeNull();
		expect(await authenticate(db, 'maya@forum.test', GOOD)).toBeNull();

		await setAccountActive(db, admin.id, maya.id, true);
		expect((await authenticate(db, 'maya@forum.test', GOOD))?.id).toBe(maya.id);
	});

	it('never leaves the instance without an active administrator', async () => {
		const { db, admin } = await world();
		expect(await fieldErrors(async () => await setAccountActive(db, admin.id, admin.id, false))).toEqual({ account: 'You cannot deactivate your own account.' });
		const second = (await db.insert(users).values({ email: 'dua@forum.test', name: 'Dua', passwordHash: 'x', isAdmin: true }).returning())[0]!;
		await setAccountActive(db, admin.id, second.id, false);
		expect((await db.select().from(users)).find((u) => u.id === second.id)?.active).toBe(false);
	});

	it('sets a new password once through a reset link and ends the old sessions', async () => {
		const { db, admin } = await world();
		const maya = await createUser(db, { email: 'maya@forum.test', name: 'Maya', password: GOOD });
		const old = await startSession(db, { kind: 'account', userId: maya.id });
		const first = (await issueResetLink(db, maya.id, admin.id))!;
		const second = (await issueResetLink(db, maya.id, admin.id))!;
		expect(await refusal(() => resetPassword(db, first.token, { password: 'x', passwordConfirm: 'x' }))).toBe('unknown');

		expect(await fieldErrors(() => resetPassword(db, second.token, { password: 'maya.forum2024', passwordConfirm: 'maya.forum2024' }))).toEqual({
			password: 'The password may not contain the first part of your email address.'
		});
		const fresh = 'burung hantu di menara air';
		await resetPassword(db, second.token, { password: fresh, passwordConfirm: fresh });
		expect((await authenticate(db, 'maya@forum.test', fresh))?.id).toBe(maya.id);
		expect(await authenticate(db, 'maya@forum.test', GOOD)).toBeNull();
		expect(await resolveSession(db, old.token)).toBeNull();
		expect(await refusal(() => resetPassword(db, second.token, { password: GOOD, passwordConfirm: GOOD }))).toBe('used');
		expect(await refusal(() => resetPassword(db, second.token, {}, Date.now() + 2 * DAY))).toBe('used');
	});

	it('changes an own password only with the current one, keeping this session and ending the others', async () => {
		const { db } = await world();
		const maya = await createUser(db, { email: 'maya@forum.test', name: 'Maya', password: GOOD });
		const here = await startSession(db, { kind: 'account', userId: maya.id });
		const elsewhere = await startSession(db, { kind: 'account', userId: maya.id });
		const fresh = 'burung hantu di menara air';
		expect(await fieldErrors(() => changeOwnPassword(db, maya.id, { currentPassword: 'not the password', password: fresh, passwordConfirm: fresh }, here.token))).toEqual({
			currentPassword: 'The current password is wrong.'
		});
		expect((await authenticate(db, 'maya@forum.test', GOOD))?.id).toBe(maya.id);
		expect(await changeOwnPassword(db, maya.id, { currentPassword: GOOD, password: fresh, passwordConfirm: fresh }, here.token)).toEqual({ endedSessions: 1 });
		expect((await resolveSession(db, here.token))?.kind).toBe('account');
		expect(await resolveSession(db, elsewhere.token)).toBeNull();
		expect((await authenticate(db, 'maya@forum.test', fresh))?.id).toBe(maya.id);
	});
});

describe('first run', () => {
	it('accepts the printed set-up token once, and only the latest one', async () => {
		const db = await memoryDb();
		expect(await isSetupPending(db)).toBe(true);
		const stale = (await issueSetupToken(db))!;
		const token = (await issueSetupToken(db))!;
		expect(await setupTokenState(db, stale)).toBe('wrong');
		expect(await setupTokenState(db, 'guessed')).toBe('wrong');
		expect(await setupTokenState(db, token)).toBe('valid');

		const input = { name: 'Admin Forum', email: 'admin@forum.test', password: GOOD, passwordConfirm: GOOD };
		expect(await fieldErrors(() => completeSetup(db, token, { ...input, password: 'admin12345', passwordConfirm: 'admin12345' }))).toHaveProperty('password');
		await expect(completeSetup(db, stale, input)).rejects.toBeInstanceOf(SetupRefused);
		expect(await count(db, 'users')).toBe(0);

		const admin = await completeSetup(db, token, input);
		expect(admin.isAdmin).toBe(true);
		expect(await isSetupPending(db)).toBe(false);
		expect(await setupTokenState(db, token)).toBe('done');
		await expect(completeSetup(db, token, { ...input, email: 'kedua@forum.test' })).rejects.toMatchObject({ state: 'done' });
		expect(await issueSetupToken(db)).toBeNull();
		expect(await count(db, 'users')).toBe(1);
	});

	it('creates an administrator from the command line with the same checks', async () => {
		const db = await memoryDb();
		await issueSetupToken(db);
		expect(await fieldErrors(() => createAdmin(db, { name: 'Admin', email: 'admin@forum.test', password: 'mufakat-admin-2026', passwordConfirm: 'mufakat-admin-2026' }))).toHaveProperty('password');
		await createAdmin(db, { name: 'Admin', email: 'admin@forum.test', password: GOOD, passwordConfirm: GOOD });
		expect(await isSetupPending(db)).toBe(false);
		expect(await fieldErrors(() => createAdmin(db, { name: 'Admin', email: 'admin@forum.test', password: GOOD, passwordConfirm: GOOD }))).toEqual({
			email: 'An account with this email already exists.'
		});
	});
});

describe('demo accounts', () => {
	const saved = process.env.MUFAKAT_DEMO;
	afterEach(() => {
		if (saved === undefined) delete process.env.MUFAKAT_DEMO;
		else process.env.MUFAKAT_DEMO = saved;
	});

	it('sign in only while the demo is on', async () => {
		const db = await memoryDb();
		await seedDemo(db);
		delete process.env.MUFAKAT_DEMO;
		const moderator = await authenticate(db, DEMO_MODERATOR_EMAIL, DEMO_PASSWORD);
		expect(moderator?.isDemo).toBe(true);
		const { token } = await startSession(db, { kind: 'account', userId: moderator!.id });
		process.env.MUFAKAT_DEMO = 'off';
		expect(await authenticate(db, DEMO_MODERATOR_EMAIL, DEMO_PASSWORD)).toBeNull();
		expect(await resolveSession(db, token)).toBeNull();
	});
});
