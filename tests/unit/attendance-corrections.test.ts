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

function errorKey(fn: () => unknown): string {
	try {
		fn();
	} catch (e) {
		if (e instanceof InputError) return Object.values(e.errors)[0]!.key;
		throw e;
	}
	return 'no error';
}

const join = (over: Record<string, string> = {}) =>
	checkIn(db, workshop, { institutionId: String(bappeda), name: 'Siti Rahayu', jabatan: 'Kepala Bidang', gender: 'P', phone: '081200001111', ...over });
const audit = () => db.select().from(attendanceAudit).all();

beforeEach(() => {
	db = memoryDb();
	const forum = db.insert(forums).values({ name: 'Forum Uji', shortName: 'FU' }).returning().get();
	staffId = db.insert(users).values({ email: 'sek@uji.test', name: 'Sekretariat Uji', passwordHash: 'x' }).returning().get().id;
	bappeda = createInstitution(db, forum.id, { officialName: 'Bappeda Kota Uji', shortName: 'Bappeda', sector: 'pemerintah' }).id;
	dinsos = createInstitution(db, forum.id, { officialName: 'Dinas Sosial Kota Uji', shortName: 'Dinsos', sector: 'pemerintah' }).id;
	createInstitution(db, forum.id, { officialName: 'Karang Taruna', sector: 'komunitas' });
	const draft = createWorkshop(db, forum.id, { title: 'Lokakarya Uji', date: '2026-11-26', startTime: '09:00', place: 'Aula', kind: 'lokakarya' });
	workshop = setWorkshopStatus(db, draft, 'live');
});

describe('attendance corrections', () => {
	it('edits an entry, its person and institution, and writes before and after to the audit trail', () => {
		const row = join();
		editAttendance(db, workshop, row.id, { name: 'Siti Rahayu, S.E.', jabatan: 'Kepala Bidang', gender: 'P', phone: '081200002222', institutionId: String(dinsos) }, staffId);
		const [after] = listAttendance(db, workshop.id);
		expect(after).toMatchObject({ name: 'Siti Rahayu, S.E.', phone: '081200002222', institutionId: dinsos, institutionName: 'Dinas Sosial Kota Uji' });
		expect(db.select().from(persons).where(eq(persons.id, row.personId)).get()).toMatchObject({ name: 'Siti Rahayu, S.E.', phone: '081200002222' });
		expect(audit()).toEqual([
			expect.objectContaining({
				action: 'edit',
				byUserId: staffId,
				before: expect.objectContaining({ name: 'Siti Rahayu', phone: '081200001111', institutionId: bappeda }),
				after: expect.objectContaining({ name: 'Siti Rahayu, S.E.', phone: '081200002222', institutionId: dinsos })
			})
		]);
		expect(listAttendanceAudit(db, workshop.id)[0]).toMatchObject({ entryName: 'Siti Rahayu, S.E.', byName: 'Sekretariat Uji' });
	});

	it('refuses an edit that would clash with another entry, storing nothing', () => {
		const siti = join();
		join({ name: 'Budi Santoso', phone: '081200003333' });
		const before = JSON.stringify(listAttendance(db, workshop.id));
		try {
			editAttendance(db, workshop, siti.id, { name: 'budi  SANTOSO', jabatan: '', gender: 'P', phone: '081200003333', institutionId: String(bappeda) }, staffId);
			throw new Error('no error');
		} catch (e) {
			const errors = (e as InputError).errors;
			expect(errors.name?.key).toBe('error.alreadyCheckedIn');
			expect(errors.phone?.key).toBe('error.alreadyCheckedIn');
			expect(errors.jabatan?.key).toBe('error.required');
		}
		expect(JSON.stringify(listAttendance(db, workshop.id))).toBe(before);
		expect(audit()).toEqual([]);
	});

	it('removes an entry: counted nowhere, its session ended, the name free again; restores it unless that clashes', () => {
		setWorkshopInvitations(db, workshop, [bappeda, dinsos]);
		const siti = join();
		const session = startSession(db, { kind: 'participant', workshopId: workshop.id, attendanceId: siti.id });
		expect(countAttendance(db, workshop)).toEqual({ people: 1, invitedPresent: 1, invited: 2, uninvitedPresent: 0 });

		removeAttendance(db, workshop, siti.id, staffId);
		expect(listAttendance(db, workshop.id)).toEqual([]);
		expect(listAttendance(db, workshop.id, { includeRemoved: true })).toHaveLength(1);
		expect(countAttendance(db, workshop)).toEqual({ people: 0, invitedPresent: 0, invited: 2, uninvitedPresent: 0 });
		expect(resolveSession(db, session.token)).toBeNull();
		expect(db.select().from(sessions).where(eq(sessions.attendanceId, siti.id)).all()).toEqual([]);
		expect(errorKey(() => removeAttendance(db, workshop, siti.id, staffId))).toBe('attendance.alreadyRemoved');
		expect(errorKey(() => editAttendance(db, workshop, siti.id, { name: 'X' }, staffId))).toBe('attendance.entryRemoved');

		restoreAttendance(db, workshop, siti.id, staffId);
		expect(listAttendance(db, workshop.id).map((r) => r.id)).toEqual([siti.id]);
		// A restored entry does not bring its old session back.
		expect(resolveSession(db, session.token)).toBeNull();

		removeAttendance(db, workshop, siti.id, staffId);
		const again = join({ phone: '' });
		expect(errorKey(() => restoreAttendance(db, workshop, siti.id, staffId))).toBe('error.alreadyCheckedIn');
		expect(listAttendance(db, workshop.id).map((r) => r.id)).toEqual([again.id]);
		expect(audit().map((a) => a.action)).toEqual(['remove', 'restore', 'remove']);
	});

	it('refuses an entry of another workshop as not found', () => {
		const other = setWorkshopStatus(db, createWorkshop(db, workshop.forumId, { title: 'Lain', date: '2026-12-01', startTime: '09:00', place: 'Aula', kind: 'lokakarya' }), 'live');
		const stranger = checkIn(db, other, { institutionId: String(bappeda), name: 'Orang Lain', jabatan: 'Staf', gender: 'L', phone: '' });
		expect(errorKey(() => removeAttendance(db, workshop, stranger.id, staffId))).toBe('error.notFound');
		expect(errorKey(() => issueReentryLink(db, workshop, stranger.id, staffId))).toBe('error.notFound');
	});
});

describe('signatories', () => {
	it('signs with the first to check in unless staff choose another, one per institution', () => {
		const siti = join();
		const budi = join({ name: 'Budi Santoso', phone: '' });
		const dewi = join({ name: 'Dewi', phone: '', institutionId: String(dinsos) });
		const signers = () => partySignatories(listAttendance(db, workshop.id)).map((r) => r.id);
		expect(signers()).toEqual([siti.id, dewi.id]);

		chooseSignatory(db, workshop, budi.id, staffId);
		expect(signers()).toEqual([budi.id, dewi.id]);
		chooseSignatory(db, workshop, siti.id, staffId);
		expect(signers()).toEqual([siti.id, dewi.id]);
		expect(listAttendance(db, workshop.id).filter((r) => r.signatory).map((r) => r.id)).toEqual([siti.id]);
		expect(audit().filter((a) => a.action === 'signatory').map((a) => [a.before, a.after])).toEqual([
			[{ signatoryId: null }, { signatoryId: budi.id }],
			[{ signatoryId: budi.id }, { signatoryId: siti.id }]
		]);

		// Passed over when chosen as witness: the next representative of the institution signs.
		expect(partySignatories(listAttendance(db, workshop.id), new Set([siti.id])).map((r) => r.id)).toEqual([budi.id, dewi.id]);
		// A removed signatory signs nothing; the fallback applies again.
		removeAttendance(db, workshop, siti.id, staffId);
		expect(signers()).toEqual([budi.id, dewi.id]);
	});
});

describe('re-entry links', () => {
	it('starts a session for the same entry once, and only once', () => {
		const siti = join();
		const now = new Date('2026-11-26T03:00:00Z');
		const link = issueReentryLink(db, workshop, siti.id, staffId, now);
		const stored = db.select().from(accessLinks).get()!;
		expect(stored).toMatchObject({ kind: 'reentry', attendanceId: siti.id, usedAt: null });
		expect(stored.tokenHash).not.toContain(link.token);
		expect(link.expiresAt.getTime() - now.getTime()).toBe(REENTRY_TTL_MS);

		expect(inspectReentryLink(db, link.token, now)).toMatchObject({ attendanceId: siti.id, name: 'Siti Rahayu' });
		const redeemed = redeemReentryLink(db, link.token, new Date(now.getTime() + 60_000));
		expect(resolveSession(db, redeemed.session.token, now.getTime() + 120_000)).toMatchObject({ kind: 'participant', attendanceId: siti.id, workshopId: workshop.id });
		expect(errorKey(() => redeemReentryLink(db, link.token, new Date(now.getTime() + 120_000)))).toBe('reentry.used');
		expect(audit().map((a) => a.action)).toEqual(['reentry']);
	});

	it('expires after a few hours, and a newer link replaces an older one', () => {
		const siti = join();
		const now = new Date('2026-11-26T03:00:00Z');
		const first = issueReentryLink(db, workshop, siti.id, staffId, now);
		expect(errorKey(() => redeemReentryLink(db, first.token, new Date(now.getTime() + REENTRY_TTL_MS + 1)))).toBe('reentry.expired');
		const second = issueReentryLink(db, workshop, siti.id, staffId, new Date(now.getTime() + 1000));
		const third = issueReentryLink(db, workshop, siti.id, staffId, new Date(now.getTime() + 2000));
		expect(errorKey(() => redeemReentryLink(db, second.token, new Date(now.getTime() + 3000)))).toBe('reentry.expired');
		expect(redeemReentryLink(db, third.token, new Date(now.getTime() + 3000)).attendanceId).toBe(siti.id);
		expect(db.select().from(sessions).all()).toHaveLength(1);
	});

	it('refuses unknown tokens and entries removed since', () => {
		const siti = join();
		const link = issueReentryLink(db, workshop, siti.id, staffId);
		expect(errorKey(() => redeemReentryLink(db, 'not-a-real-token-at-all-1234', new Date()))).toBe('reentry.unknown');
		removeAttendance(db, workshop, siti.id, staffId);
		expect(errorKey(() => redeemReentryLink(db, link.token, new Date()))).toBe('reentry.entryRemoved');
		expect(errorKey(() => issueReentryLink(db, workshop, siti.id, staffId))).toBe('attendance.entryRemoved');
		expect(db.select().from(sessions).all()).toEqual([]);
		expect(db.select().from(attendance).get()?.removedAt).not.toBeNull();
	});
});
