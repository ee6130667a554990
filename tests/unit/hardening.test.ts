import { describe, expect, it } from 'vitest';
import { memoryDb } from '../helpers/db';
import { createUser } from '../../src/lib/server/auth';
import { signIn } from '../../src/lib/server/accounts/login-throttle';
import { localPath } from '../../src/lib/server/local-path';
import { echoedValues } from '../../src/lib/server/forms';
import { InputReader } from '../../src/lib/server/validation';
import { collabSecret, collabTokenClaims, mintCollabToken, verifyCollabToken } from '../../src/lib/server/collab/principal';
import { isCollabTokenRevoked, revokeCollabToken } from '../../src/lib/server/collab/revocation';

const GOOD = 'kata-sandi-yang-panjang';

describe('sign-in throttling', () => {
	it('locks an account after ten failures, refusing even the right password, and unlocks after the lock', async () => {
		const db = await memoryDb();
		await createUser(db, { email: 'maya@forum.test', name: 'Maya', password: GOOD });
		const now = Date.now();
		const input = (password: string, address = '10.0.0.1') => ({ email: 'Maya@forum.test', password, address });
		for (let i = 0; i < 9; i++) expect((await signIn(db, input('salah'), now)).ok).toBe(false);
		expect(await signIn(db, input('salah'), now)).toMatchObject({ ok: false, reason: 'locked', minutes: 15 });
		expect(await signIn(db, input(GOOD, '10.0.0.2'), now + 60_000)).toMatchObject({ ok: false, reason: 'locked', minutes: 14 });
		expect((await signIn(db, input(GOOD, '10.0.0.2'), now + 16 * 60_000)).ok).toBe(true);
	});

	it('locks an unknown email exactly like a known one, so a lockout reveals nothing', async () => {
		const db = await memoryDb();
		const now = Date.now();
		const outcomes = [];
		for (let i = 0; i < 10; i++) outcomes.push(await signIn(db, { email: 'nobody@forum.test', password: 'x', address: '10.0.0.3' }, now));
		expect(outcomes.slice(0, 9).every((o) => !o.ok && o.reason === 'wrong')).toBe(true);
		expect(outcomes[9]).toMatchObject({ ok: false, reason: 'locked' });
	});

	it('locks an address that tries many accounts', async () => {
		const db = await memoryDb();
		const now = Date.now();
		let last;
		for (let i = 0; i < 50; i++) last = await signIn(db, { email: `p${i}@forum.test`, password: 'x', address: '10.0.0.4' }, now);
		expect(last).toMatchObject({ ok: false, reason: 'locked' });
		expect(await signIn(db, { email: 'fresh@forum.test', password: 'x', address: '10.0.0.5' }, now)).toMatchObject({ reason: 'wrong' });
		// Fifty real scrypt hashes: a few seconds on an idle laptop, more on a busy CI machine.
	}, 60_000);
});

describe('redirect targets', () => {
	it('keeps paths on this site and sends everything else home', () => {
		expect(localPath('/forums/2?tab=people#x')).toBe('/forums/2?tab=people#x');
		for (const hostile of ['/%5Cevil.example', '//evil.example', '/\tevil', '/\t/evil.example', 'https://evil.example', '/\\evil.example', '/%2F%2Fevil.example', 'evil', '', '/%0a/evil', null])
			expect(localPath(hostile), String(hostile)).toBe('/');
	});
});

describe('echo on refusal', () => {
	it('sends back no more of a field than it may hold', () => {
		const form = new FormData();
		form.set('name', 'x'.repeat(10_000));
		form.set('reason', 'y'.repeat(100_000));
		form.set('password', 'rahasia');
		const reader = new InputReader(form);
		reader.text('name', { max: 80 });
		const values = echoedValues(form, reader.maxLengths);
		expect(values.name).toHaveLength(80);
		expect(values.reason).toHaveLength(2000);
		expect(values.password).toBeUndefined();
	});
});

describe('collab token revocation', () => {
	it('gives every token an id that can be revoked', async () => {
		const db = await memoryDb();
		const secret = await collabSecret(db);
		const token = mintCollabToken(secret, { workshopId: 3, role: 'viewer', institutionId: null, subject: 's', name: 'n' });
		const claims = collabTokenClaims(secret, token)!;
		expect(verifyCollabToken(secret, token)?.tokenId).toBe(claims.tokenId);
		expect(await isCollabTokenRevoked(db, claims.tokenId)).toBe(false);
		await revokeCollabToken(db, claims.tokenId, claims.expiresAt);
		expect(await isCollabTokenRevoked(db, claims.tokenId)).toBe(true);
		expect(collabTokenClaims('another secret', token)).toBeNull();
	});
});
