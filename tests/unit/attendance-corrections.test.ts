import { beforeEach, describe, expect, it } from 'vitest';
import { eq } from 'drizzle-orm';
import { memoryDb } from '../helpers/db';
import { resolveSession, startSession } from '../../src/lib/server/auth';
import type { Db } from '../../src/lib/server/db/client';
import { accessLinks, attendance, attendanceAudit, forums, persons, sessions, users } from '../../src/lib/server/db/schema';
import { createInstitution } from '../../src/lib/server/institutions/institutions';
import { InputError } from '../../src/lib/server/validation';
import { countAttendance, listAttendance } from '../../src/lib/server/workshops/attendance';
import {
	chooseSignatory,
	editAttendance,
	listAttendanceAudit,
	partySignatories,
	removeAttendance,
	restoreAttendance
} from '../../src/lib/server/workshops/attendance-corrections';
import { checkIn } from '../../src/lib/server/workshops/join';
import { inspectReentryLink, issueReentryLink, redeemReentryLink, REENTRY_TTL_MS } from '../../src/lib/server/workshops/reentry';
import { createWorkshop, setWorkshopStatus, type Workshop } from '../../src/lib/server/workshops/workshops';
import { setWorkshopInvitations } from '../../src/lib/server/matrix/structure';

let db: Db;
let workshop: Workshop;
let bappeda: number;
let dinsos: number;
let staffId: number;

async function errorKey(fn: () => unknown): Promise<string> {
	try {
		await fn();
	} catch (e) {
		if (e instanceof InputError) return Object.values(e.errors)[0]!.key;
		throw e;
	}
	return 'no error';
}

const join = async (over: Record<string, string> = {}) =>
	await checkIn(db, workshop, { institutionId: String(bappeda), name: 'Siti Rahayu', jabatan: 'Kepala Bidang', gender: 'P', phone: '081200001111', ...over });
const audit = async () => await db.select().from(attendanceAudit);

beforeEach(async () => {
	db = await memoryDb();
	const forum = (await db.insert(forums).values({ name: 'Forum Uji', shortName: 'FU' }).returning())[0]!;
	staffId = (await db.insert(users).values({ email: 'sek@uji.test', name: 'Sekretariat Uji', passwordHash: 'x' }).returning())[0]!.id;
	bappeda = (await createInstitution(db, forum.id, { officialName: 'Bappeda Kota Uji', shortName: 'Bappeda', sector: 'pemerintah' })).id;
	dinsos = (await createInstitution(db, forum.id, { officialName: 'Dinas Sosial Kota Uji', shortName: 'Dinsos', sector: 'pemerintah' })).id;
	await createInstitution(db, forum.id, { officialName: 'Karang Taruna', sector: 'komunitas' });
	const draft = await createWorkshop(db, forum.id, { title: 'Lokakarya Uji', date: '2026-11-26', startTime: '09:00', place: 'Aula', kind: 'lokakarya' });
	workshop = await setWorkshopStatus(db, draft, 'live');
});

describe('attendance corrections', () => {
	it('edits an entry, its person and institution, and writes before and after to the audit trail', async () => {
		const row = await join();
		await editAttendance(db, workshop, row.id, { name: 'Siti Rahayu, S.E.', jabatan: 'Kepala Bidang', gender: 'P', phone: '081200002222', institutionId: String(dinsos) }, staffId);
		const [after] = await listAttendance(db, workshop.id);
		expect(after).toMatchObject({ name: 'Siti Rahayu, S.E.', phone: '081200002222', institutionId: dinsos, institutionName: 'Dinas Sosial Kota Uji' });
		expect((await db.select().from(persons).where(eq(persons.id, row.personId)))[0]).toMatchObject({ name: 'Siti Rahayu, S.E.', phone: '081200002222' });
		expect(await audit()).toEqual([
			expect.objectContaining({
				action: 'edit',
				byUserId: staffId,
				before: expect.objectContaining({ name: 'Siti Rahayu', phone: '081200001111', institutionId: bappeda }),
				after: expect.objectContaining({ name: 'Siti Rahayu, S.E.', phone: '081200002222', institutionId: dinsos })
			})
		]);
		expect((await listAttendanceAudit(db, workshop.id))[0]).toMatchObject({ entryName: 'Siti Rahayu, S.E.', byName: 'Sekretariat Uji' });
	});

	it('refuses an edit that would clash with another entry, storing nothing', async () => {
		const siti = await join();
		await join({ name: 'Budi Santoso', phone: '081200003333' });
		const before = JSON.stringify(await listAttendance(db, workshop.id));
		try {
			await editAttendance(db, workshop, siti.id, { name: 'budi  SANTOSO', jabatan: '', gender: 'P', phone: '081200003333', institutionId: String(bappeda) }, staffId);
			throw new Error('no error');
		} catch (e) {
			const errors = (e as InputError).errors;
			expect(errors.name?.key).toBe('error.alreadyCheckedIn');
			expect(errors.phone?.key).toBe('error.alreadyCheckedIn');
			expect(errors.jabatan?.key).toBe('error.required');
		}
		expect(JSON.stringify(await listAttendance(db, workshop.id))).toBe(before);
		expect(await audit()).toEqual([]);
	});

	it('removes an entry: counted nowhere, its session ended, the name free again; restores it unless that clashes', async () => {
		await setWorkshopInvitations(db, workshop, [bappeda, dinsos]);
		const siti = await join();
		const session = await startSession(db, { kind: 'participant', workshopId: workshop.id, attendanceId: siti.id });
		expect(await countAttendance(db, workshop)).toEqual({ people: 1, invitedPresent: 1, invited: 2, uninvitedPresent: 0 });

		await removeAttendance(db, workshop, siti.id, staffId);
		expect(await listAttendance(db, workshop.id)).toEqual([]);
		expect(await listAttendance(db, workshop.id, { includeRemoved: true })).toHaveLength(1);
		expect(await countAttendance(db, workshop)).toEqual({ people: 0, invitedPresent: 0, invited: 2, uninvitedPresent: 0 });
		expect(await resolveSession(db, session.token)).toBeNull();
		expect(await db.select().from(sessions).where(eq(sessions.attendanceId, siti.id))).toEqual([]);
		expect(await errorKey(async () => await removeAttendance(db, workshop, siti.id, staffId))).toBe('attendance.alreadyRemoved');
		expect(await errorKey(async () => await editAttendance(db, workshop, siti.id, { name: 'X' }, staffId))).toBe('attendance.entryRemoved');

		await restoreAttendance(db, workshop, siti.id, staffId);
		expect((await listAttendance(db, workshop.id)).map((r) => r.id)).toEqual([siti.id]);
		// A restored entry does not bring its old session back.
		expect(await resolveSession(db, session.token)).toBeNull();

		await removeAttendance(db, workshop, siti.id, staffId);
		const again = await join({ phone: '' });
		expect(await errorKey(async () => await restoreAttendance(db, workshop, siti.id, staffId))).toBe('error.alreadyCheckedIn');
		expect((await listAttendance(db, workshop.id)).map((r) => r.id)).toEqual([again.id]);
		expect((await audit()).map((a) => a.action)).toEqual(['remove', 'restore', 'remove']);
	});

	it('refuses an entry of another workshop as not found', async () => {
		const other = await setWorkshopStatus(db, await createWorkshop(db, workshop.forumId, { title: 'Lain', date: '2026-12-01', startTime: '09:00', place: 'Aula', kind: 'lokakarya' }), 'live');
		const stranger = await checkIn(db, other, { institutionId: String(bappeda), name: 'Orang Lain', jabatan: 'Staf', gender: 'L', phone: '' });
		expect(await errorKey(async () => await removeAttendance(db, workshop, stranger.id, staffId))).toBe('error.notFound');
		expect(await errorKey(async () => await issueReentryLink(db, workshop, stranger.id, staffId))).toBe('error.notFound');
	});
});

describe('signatories', () => {
	it('signs with the first to check in unless staff choose another, one per institution', async () => {
		const siti = await join();
		const budi = await join({ name: 'Budi Santoso', phone: '' });
		const dewi = await join({ name: 'Dewi', phone: '', institutionId: String(dinsos) });
		const signers = async () => partySignatories(await listAttendance(db, workshop.id)).map((r) => r.id);
		expect(await signers()).toEqual([siti.id, dewi.id]);

		await chooseSignatory(db, workshop, budi.id, staffId);
		expect(await signers()).toEqual([budi.id, dewi.id]);
		await chooseSignatory(db, workshop, siti.id, staffId);
		expect(await signers()).toEqual([siti.id, dewi.id]);
		expect((await listAttendance(db, workshop.id)).filter((r) => r.signatory).map((r) => r.id)).toEqual([siti.id]);
		expect((await audit()).filter((a) => a.action === 'signatory').map((a) => [a.before, a.after])).toEqual([
			[{ signatoryId: null }, { signatoryId: budi.id }],
			[{ signatoryId: budi.id }, { signatoryId: siti.id }]
		]);

		// Passed over when chosen as witness: the next representative of the institution signs.
		expect(partySignatories(await listAttendance(db, workshop.id), new Set([siti.id])).map((r) => r.id)).toEqual([budi.id, dewi.id]);
		// A removed signatory signs nothing; the fallback applies again.
		await removeAttendance(db, workshop, siti.id, staffId);
		expect(await signers()).toEqual([budi.id, dewi.id]);
	});
});

describe('re-entry links', () => {
	it('starts a session for the same entry once, and only once', async () => {
		const siti = await join();
		const now = new Date('2026-11-26T03:00:00Z');
		const link = await issueReentryLink(db, workshop, siti.id, staffId, now);
		const stored = (await db.select().from(accessLinks))[0]!;
		expect(stored).toMatchObject({ kind: 'reentry', attendanceId: siti.id, usedAt: null });
		expect(stored.tokenHash).not.toContain(link.token);
		expect(link.expiresAt.getTime() - now.getTime()).toBe(REENTRY_TTL_MS);

		expect(await inspectReentryLink(db, link.token, now)).toMatchObject({ attendanceId: siti.id, name: 'Siti Rahayu' });
		const redeemed = await redeemReentryLink(db, link.token, new Date(now.getTime() + 60_000));
		expect(await resolveSession(db, redeemed.session.token, now.getTime() + 120_000)).toMatchObject({ kind: 'participant', attendanceId: siti.id, workshopId: workshop.id });
		expect(await errorKey(async () => await redeemReentryLink(db, link.token, new Date(now.getTime() + 120_000)))).toBe('reentry.used');
		expect((await audit()).map((a) => a.action)).toEqual(['reentry']);
	});

	it('expires after a few hours, and a newer link replaces an older one', async () => {
		const siti = await join();
		const now = new Date('2026-11-26T03:00:00Z');
		const first = await issueReentryLink(db, workshop, siti.id, staffId, now);
		expect(await errorKey(async () => await redeemReentryLink(db, first.token, new Date(now.getTime() + REENTRY_TTL_MS + 1)))).toBe('reentry.expired');
		const second = await issueReentryLink(db, workshop, siti.id, staffId, new Date(now.getTime() + 1000));
		const third = await issueReentryLink(db, workshop, siti.id, staffId, new Date(now.getTime() + 2000));
		expect(await errorKey(async () => await redeemReentryLink(db, second.token, new Date(now.getTime() + 3000)))).toBe('reentry.expired');
		expect((await redeemReentryLink(db, third.token, new Date(now.getTime() + 3000))).attendanceId).toBe(siti.id);
		expect(await db.select().from(sessions)).toHaveLength(1);
	});

	it('refuses unknown tokens and entries removed since', async () => {
		const siti = await join();
		const link = await issueReentryLink(db, workshop, siti.id, staffId);
		expect(await errorKey(async () => await redeemReentryLink(db, 'not-a-real-token-at-all-1234', new Date()))).toBe('reentry.unknown');
		await removeAttendance(db, workshop, siti.id, staffId);
		expect(await errorKey(async () => await redeemReentryLink(db, link.token, new Date()))).toBe('reentry.entryRemoved');
		expect(await errorKey(async () => await issueReentryLink(db, workshop, siti.id, staffId))).toBe('attendance.entryRemoved');
		expect(await db.select().from(sessions)).toEqual([]);
		expect((await db.select().from(attendance))[0]?.removedAt).not.toBeNull();
	});
});
