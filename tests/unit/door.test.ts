import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { eq } from 'drizzle-orm';
import { memoryDb } from '../helpers/db';
import { principalFromViewer } from '../../src/lib/server/collab/principal';
import { CLOSE } from '../../src/lib/server/collab/rooms';
import type { Db } from '../../src/lib/server/db/client';
import { attendance, forums, users, workshopInvitations } from '../../src/lib/server/db/schema';
import { createInstitution } from '../../src/lib/server/institutions/institutions';
import { addInstitutionToWorkshop, setWorkshopInvitations } from '../../src/lib/server/matrix/structure';
import { throttle } from '../../src/lib/server/throttle';
import { confirmAttendance, revokeAttendance } from '../../src/lib/server/workshops/confirmation';
import { checkIn } from '../../src/lib/server/workshops/join';
import {
	createWorkshop,
	findJoinTarget,
	INVITATION_CODE_LENGTH,
	listInvitationCodes,
	setWorkshopStatus,
	type Workshop
} from '../../src/lib/server/workshops/workshops';
import type { AttendanceRow } from '../../src/lib/server/workshops/attendance';

let db: Db;
let workshop: Workshop;
let bappeda: number;
let dinsos: number;
let karang: number;
let moderatorId: number;

/** Stands in for the process's live rooms: records which sockets would be closed, and how. */
const ROOMS = Symbol.for('mufakat.collab.rooms');
type Closed = { workshopId: number; subjects: string[]; code: number };
let closed: Closed[];
function fakeRooms() {
	closed = [];
	const subjects = ['attendance:1', 'attendance:2', 'attendance:3', 'attendance:4'];
	(globalThis as Record<symbol, unknown>)[ROOMS] = {
		isLoaded: () => false,
		closeConnections(workshopId: number, match: (p: { subject: string }) => boolean, code: number) {
			const hit = subjects.filter((subject) => match({ subject }));
			closed.push({ workshopId, subjects: hit, code });
			return hit.length;
		}
	};
}

const person = { name: 'Siti Rahayu', jabatan: 'Kepala Bidang', gender: 'P' };
const viewerOf = (row: AttendanceRow) =>
	({ kind: 'participant', workshopId: row.workshopId, attendanceId: row.id, institutionId: row.institutionId, name: row.name }) as const;
const roleOf = async (row: AttendanceRow) => (await principalFromViewer(db, viewerOf(row), workshop.id))?.role;
const entry = async (id: number) => (await db.select().from(attendance).where(eq(attendance.id, id)))[0]!;

beforeEach(async () => {
	db = await memoryDb();
	const forum = (await db.insert(forums).values({ name: 'Forum Uji', shortName: 'FU' }).returning())[0]!;
	moderatorId = (await db.insert(users).values({ email: 'mod@uji.test', name: 'Moderator', passwordHash: 'x' }).returning())[0]!.id;
	bappeda = (await createInstitution(db, forum.id, { officialName: 'Bappeda Kota Uji', shortName: 'Bappeda', sector: 'pemerintah' })).id;
	dinsos = (await createInstitution(db, forum.id, { officialName: 'Dinas Sosial Kota Uji', shortName: 'Dinsos', sector: 'pemerintah' })).id;
	karang = (await createInstitution(db, forum.id, { officialName: 'Karang Taruna', shortName: 'Karang Taruna', sector: 'komunitas' })).id;
	const draft = await createWorkshop(db, forum.id, { title: 'Lokakarya Uji', date: '2026-11-26', startTime: '09:00', place: 'Aula', kind: 'lokakarya' });
	workshop = await setWorkshopStatus(db, draft, 'live');
	await setWorkshopInvitations(db, workshop, [bappeda, dinsos]);
	fakeRooms();
});

afterEach(() => {
	delete (globalThis as Record<symbol, unknown>)[ROOMS];
});

describe('invitation codes', () => {
	it('gives each invited institution its own unguessable code from the unambiguous alphabet', async () => {
		const codes = await listInvitationCodes(db, workshop.id);
		expect(codes.map((c) => c.institutionId).sort()).toEqual([bappeda, dinsos].sort());
		for (const { code } of codes) {
			expect(code).toHaveLength(INVITATION_CODE_LENGTH);
			expect(code.length).toBeGreaterThanOrEqual(10);
			expect(code).toMatch(/^[ABCDEFGHJKMNPQRSTUVWXYZ23456789]+$/);
		}
		expect(new Set(codes.map((c) => c.code)).size).toBe(2);
		expect(codes.every((c) => c.code !== workshop.joinCode)).toBe(true);
	});

	it('keeps the code of an institution that stays invited (it may already be printed) and drops the uninvited one', async () => {
		const before = new Map((await listInvitationCodes(db, workshop.id)).map((c) => [c.institutionId, c.code]));
		await setWorkshopInvitations(db, workshop, [bappeda, karang]);
		const after = new Map((await listInvitationCodes(db, workshop.id)).map((c) => [c.institutionId, c.code]));
		expect(after.get(bappeda)).toBe(before.get(bappeda));
		expect(after.has(dinsos)).toBe(false);
		expect(after.get(karang)).toHaveLength(INVITATION_CODE_LENGTH);
		expect(await findJoinTarget(db, before.get(dinsos)!)).toBeNull();
	});

	it('gives an institution added to the matrix during the workshop a code too, and fills in codes missing from older invitations', async () => {
		await addInstitutionToWorkshop(db, workshop, karang);
		await db.update(workshopInvitations).set({ code: null }).where(eq(workshopInvitations.institutionId, dinsos));
		const codes = await listInvitationCodes(db, workshop.id);
		expect(codes).toHaveLength(3);
		expect(codes.every((c) => c.code.length === INVITATION_CODE_LENGTH)).toBe(true);
	});

	it('finds the workshop by its general code (no institution) or by an institution code (bound), in any case and spacing', async () => {
		const code = (await listInvitationCodes(db, workshop.id)).find((c) => c.institutionId === dinsos)!.code;
		expect(await findJoinTarget(db, workshop.joinCode!)).toMatchObject({ workshop: { id: workshop.id }, invitedInstitutionId: null });
		expect(await findJoinTarget(db, ` ${code.slice(0, 5).toLowerCase()}-${code.slice(5)} `)).toMatchObject({ workshop: { id: workshop.id }, invitedInstitutionId: dinsos });
		expect(await findJoinTarget(db, 'ZZZZZZZZZZ')).toBeNull();
	});
});

describe('who speaks for an institution', () => {
	it('binds a check-in with an institution code to that institution, whatever the form says, and confirms it at once', async () => {
		const row = await checkIn(db, workshop, { ...person, institutionId: String(karang) }, new Date(), { invitedInstitutionId: dinsos });
		expect(row.institutionId).toBe(dinsos);
		expect(row.confirmedAt).not.toBeNull();
		expect(await roleOf(row)).toBe('representative');
		expect((await principalFromViewer(db, viewerOf(row), workshop.id))?.institutionId).toBe(dinsos);
	});

	it('keeps a check-in with the general code a viewer until the moderator confirms it; its socket is sent to reconnect', async () => {
		const row = await checkIn(db, workshop, { ...person, institutionId: String(bappeda) });
		expect(row.confirmedAt).toBeNull();
		expect(await roleOf(row)).toBe('viewer');
		await confirmAttendance(db, workshop, row.id, moderatorId);
		expect(await entry(row.id)).toMatchObject({ confirmedBy: moderatorId });
		expect(await roleOf(row)).toBe('representative');
		expect(closed).toEqual([{ workshopId: workshop.id, subjects: [`attendance:${row.id}`], code: CLOSE.rightsChanged }]);
	});

	it('keeps someone who proposes a new institution a viewer even once confirmed, until the institution is approved', async () => {
		const row = await checkIn(db, workshop, { ...person, institutionId: 'new', newInstitutionName: 'Komunitas Baru', newInstitutionSector: 'komunitas' });
		await confirmAttendance(db, workshop, row.id, moderatorId);
		expect(await roleOf(row)).toBe('viewer');
	});

	it('revokes a representative: viewer from then on, socket cut for good, and a second confirmation restores them', async () => {
		const row = await checkIn(db, workshop, person, new Date(), { invitedInstitutionId: bappeda });
		await revokeAttendance(db, workshop, row.id);
		expect((await entry(row.id)).revokedAt).not.toBeNull();
		expect(await roleOf(row)).toBe('viewer');
		expect(closed.at(-1)).toEqual({ workshopId: workshop.id, subjects: [`attendance:${row.id}`], code: CLOSE.forbidden });
		await confirmAttendance(db, workshop, row.id, moderatorId);
		expect((await entry(row.id)).revokedAt).toBeNull();
		expect(await roleOf(row)).toBe('representative');
	});
});

describe('throttle', () => {
	const opts = { limit: 3, windowMs: 60_000, lockMs: 300_000 };

	it('allows the limit within a window, then locks the key for the lockout, then starts afresh', async () => {
		const t0 = 1_000_000;
		for (let i = 0; i < 3; i++) expect((await throttle(db, 'join:ip:10.0.0.9', opts, t0 + i)).allowed).toBe(true);
		expect(await throttle(db, 'join:ip:10.0.0.9', opts, t0 + 10)).toEqual({ allowed: false, retryAfterMs: 300_000 });
		expect(await throttle(db, 'join:ip:10.0.0.9', opts, t0 + 60_000)).toEqual({ allowed: false, retryAfterMs: 240_010 });
		expect((await throttle(db, 'join:ip:10.0.0.8', opts, t0 + 10)).allowed).toBe(true);
		expect((await throttle(db, 'join:ip:10.0.0.9', opts, t0 + 310_010)).allowed).toBe(true);
	});

	it('counts a fresh window once the old one has passed', async () => {
		const t0 = 5_000_000;
		for (let i = 0; i < 3; i++) await throttle(db, 'sign:ip:a', opts, t0);
		expect((await throttle(db, 'sign:ip:a', opts, t0 + 60_000)).allowed).toBe(true);
	});
});
