import { describe, expect, it } from 'vitest';
import { memoryDb } from '../helpers/db';
import { countVillagesUnder, importAreas, searchVillages } from '../../src/lib/server/areas';
import { areas } from '../../src/lib/server/db/schema';
import { authenticate, createUser, resolveSession, startSession } from '../../src/lib/server/auth';
import { toCsv } from '../../src/lib/server/csv';
import { en, id } from '../../src/lib/i18n/messages';

describe('official areas (idn-area-data)', () => {
	it('finds Kelurahan Taman in Kota Madiun with its kecamatan and counts villages under a kabupaten', async () => {
		const db = await memoryDb();
		await db.delete(areas); // a test database on PostgreSQL is copied from a template that has them
		expect(await importAreas(db)).toBeGreaterThan(80_000);
		expect(await importAreas(db)).toBe(0);
		const found = await searchVillages(db, 'taman', '35.77');
		expect(found[0]).toMatchObject({ code: '35.77.03.1009', name: 'Taman', isKelurahan: true, district: 'Taman', regency: 'Kota Madiun' });
		expect(await countVillagesUnder(db, '35.77')).toBe(27);
	});
});

describe('accounts and sessions', () => {
	it('accepts the right password only, and sessions expire', async () => {
		const db = await memoryDb();
		const user = await createUser(db, { email: 'Mod@Forum.test', name: 'Mod', password: 'rahasia-sekali' });
		expect(await authenticate(db, 'mod@forum.test', 'salah')).toBeNull();
		expect((await authenticate(db, 'mod@forum.test', 'rahasia-sekali'))?.id).toBe(user.id);
		const { token } = await startSession(db, { kind: 'account', userId: user.id }, Date.now());
		expect((await resolveSession(db, token))?.kind).toBe('account');
		expect(await resolveSession(db, token, Date.now() + 15 * 24 * 3600 * 1000)).toBeNull();
		expect(await resolveSession(db, 'forged-token')).toBeNull();
	});
});

describe('i18n', () => {
	it('has every message in both languages with the same placeholders', () => {
		for (const key of Object.keys(id) as (keyof typeof id)[]) {
			expect(en[key], key).toBeTruthy();
			const names = (s: string) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();
			expect(names(en[key]), key).toEqual(names(id[key]));
		}
	});
});

describe('CSV', () => {
	it('quotes separators and defuses formulas', () => {
		const csv = toCsv(['a', 'b'], [['x, "y"', '=HYPERLINK("http://evil")'], [3, null]]);
		expect(csv).toBe('\uFEFFa,b\r\n"x, ""y""","\'=HYPERLINK(""http://evil"")"\r\n3,\r\n');
	});
});
