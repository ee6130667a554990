/**
 * Staff corrections of the daftar hadir: edit an entry, remove it (kept, counted nowhere, its
 * session ended) or restore it, and choose who signs the berita acara for each institution. Every
 * change is written to the audit trail with what it was before, what it became, and who did it.
 */
import { and, desc, eq, isNull, ne } from 'drizzle-orm';
import { closeParticipantConnections, refreshLiveStructure } from '../collab/registry';
import type { Db } from '../db/client';
import { accessLinks, attendance, attendanceAudit, persons, representations, sessions, users } from '../db/schema';
import { getInstitution } from '../institutions/institutions';
import { InputError, InputReader } from '../validation';
import { nameKey, type AttendanceRow } from './attendance';
import type { Workshop } from './workshops';

export type AuditAction = (typeof attendanceAudit.$inferSelect)['action'];
type AuditValues = Record<string, unknown>;

export function recordAttendanceAudit(
	db: Db,
	row: Pick<AttendanceRow, 'id' | 'workshopId'>,
	action: AuditAction,
	before: AuditValues | null,
	after: AuditValues | null,
	byUserId: number | null
): void {
	db.insert(attendanceAudit).values({ attendanceId: row.id, workshopId: row.workshopId, action, before, after, byUserId }).run();
}

/** An entry of this workshop, or a not-found refusal (an id from another workshop included). */
export function findEntry(db: Db, workshop: Pick<Workshop, 'id'>, attendanceId: number): AttendanceRow {
	const row = Number.isInteger(attendanceId)
		? db
				.select()
				.from(attendance)
				.where(and(eq(attendance.workshopId, workshop.id), eq(attendance.id, attendanceId)))
				.get()
		: undefined;
	if (!row) throw new InputError({ id: { key: 'error.notFound' } });
	return row;
}

/** Refuses a name or phone already used by another present entry of the workshop. */
function assertNoClash(db: Db, row: AttendanceRow, institutionId: number, key: string, phone: string, form?: InputReader) {
	const sameName = db
		.select()
		.from(attendance)
		.where(
			and(
				eq(attendance.workshopId, row.workshopId),
				eq(attendance.institutionId, institutionId),
				eq(attendance.nameKey, key),
				isNull(attendance.removedAt),
				ne(attendance.id, row.id)
			)
		)
		.get();
	const samePhone = phone
		? db
				.select()
				.from(attendance)
				.where(and(eq(attendance.workshopId, row.workshopId), eq(attendance.phone, phone), isNull(attendance.removedAt), ne(attendance.id, row.id)))
				.get()
		: undefined;
	const errors = new InputReader({});
	const target = form ?? errors;
	if (sameName) target.fail('name', 'error.alreadyCheckedIn', { name: sameName.name });
	if (samePhone) target.fail('phone', 'error.alreadyCheckedIn', { name: samePhone.name });
	if (!form) errors.done();
}

/**
 * Corrects name, jabatan, gender, phone or institution. The person record and the dated
 * representation made at check-in follow; a move to another institution changes the matrix rows
 * and sends the participant's live connection to reconnect with their new institution's rights.
 */
export function editAttendance(
	db: Db,
	workshop: Workshop,
	attendanceId: number,
	input: FormData | Record<string, unknown>,
	byUserId: number | null
): AttendanceRow {
	const row = findEntry(db, workshop, attendanceId);
	if (row.removedAt) throw new InputError({ id: { key: 'attendance.entryRemoved' } });
	const form = new InputReader(input);
	const name = form.text('name', { required: true, max: 120 });
	const jabatan = form.text('jabatan', { required: true, max: 120 });
	const gender = form.choice('gender', ['L', 'P'] as const);
	const phone = form.phone('phone');
	const institutionId = form.integer('institutionId', { min: 1 });
	const institution = institutionId !== null ? getInstitution(db, workshop.forumId, institutionId) : null;
	// The entry's own institution stays allowed even if retired since; a new one must be on offer.
	if (institutionId !== null && (!institution || (institution.id !== row.institutionId && (!institution.approved || institution.retiredAt !== null))))
		form.fail('institutionId', 'error.invalidChoice');
	if (institution && name) assertNoClash(db, row, institution.id, nameKey(name), phone, form);
	form.done();

	const moved = institution!.id !== row.institutionId;
	const next = {
		name,
		jabatan,
		gender: gender!,
		phone,
		institutionId: institution!.id,
		...(moved ? { institutionName: institution!.officialName, sector: institution!.sector, signatory: false } : {})
	};
	const before: AuditValues = {};
	const after: AuditValues = {};
	for (const [field, value] of Object.entries(next))
		if (row[field as keyof AttendanceRow] !== value) {
			before[field] = row[field as keyof AttendanceRow];
			after[field] = value;
		}
	if (Object.keys(after).length === 0) return row;

	const updated = db.transaction((tx) => {
		const saved = tx
			.update(attendance)
			.set({ ...next, nameKey: nameKey(name) })
			.where(eq(attendance.id, row.id))
			.returning()
			.get();
		tx.update(persons).set({ name, gender: gender!, phone }).where(eq(persons.id, row.personId)).run();
		tx.update(representations)
			.set({ institutionId: institution!.id, jabatan })
			.where(and(eq(representations.personId, row.personId), eq(representations.institutionId, row.institutionId)))
			.run();
		recordAttendanceAudit(db, row, 'edit', before, after, byUserId);
		return saved;
	});
	if (moved) {
		refreshLiveStructure(db, [workshop.id], 'attendance.edit');
		closeParticipantConnections(workshop.id, [row.id], { final: false });
	}
	return updated;
}

/**
 * Removes an entry (a mistaken or duplicate check-in). It stays for the audit trail but counts
 * nowhere; its participant session and unused re-entry links end now, and the name is free for a
 * fresh check-in.
 */
export function removeAttendance(db: Db, workshop: Workshop, attendanceId: number, byUserId: number | null, now = new Date()): void {
	const row = findEntry(db, workshop, attendanceId);
	if (row.removedAt) throw new InputError({ id: { key: 'attendance.alreadyRemoved' } });
	db.transaction(() => {
		db.update(attendance)
			.set({ removedAt: now, signatory: false, nameKey: `${row.nameKey}#${row.id}` })
			.where(eq(attendance.id, row.id))
			.run();
		db.delete(sessions).where(eq(sessions.attendanceId, row.id)).run();
		db.update(accessLinks)
			.set({ expiresAt: now })
			.where(and(eq(accessLinks.kind, 'reentry'), eq(accessLinks.attendanceId, row.id), isNull(accessLinks.usedAt)))
			.run();
		recordAttendanceAudit(db, row, 'remove', { removedAt: null, signatory: row.signatory }, { removedAt: now.getTime(), signatory: false }, byUserId);
	});
	refreshLiveStructure(db, [workshop.id], 'attendance.remove');
	closeParticipantConnections(workshop.id, [row.id], { final: true });
}

/** Brings a removed entry back, unless its person has checked in again meanwhile. */
export function restoreAttendance(db: Db, workshop: Workshop, attendanceId: number, byUserId: number | null): void {
	const row = findEntry(db, workshop, attendanceId);
	if (!row.removedAt) throw new InputError({ id: { key: 'attendance.notRemoved' } });
	const key = nameKey(row.name);
	assertNoClash(db, row, row.institutionId, key, row.phone);
	db.transaction(() => {
		db.update(attendance).set({ removedAt: null, nameKey: key }).where(eq(attendance.id, row.id)).run();
		recordAttendanceAudit(db, row, 'restore', { removedAt: row.removedAt!.getTime() }, { removedAt: null }, byUserId);
	});
	refreshLiveStructure(db, [workshop.id], 'attendance.restore');
}

/** Chooses who signs the berita acara for their institution: one present representative per institution. */
export function chooseSignatory(db: Db, workshop: Workshop, attendanceId: number, byUserId: number | null): void {
	const row = findEntry(db, workshop, attendanceId);
	if (row.removedAt) throw new InputError({ id: { key: 'attendance.entryRemoved' } });
	if (row.signatory) return;
	db.transaction(() => {
		const previous = db
			.select({ id: attendance.id })
			.from(attendance)
			.where(and(eq(attendance.workshopId, workshop.id), eq(attendance.institutionId, row.institutionId), eq(attendance.signatory, true)))
			.get();
		db.update(attendance)
			.set({ signatory: false })
			.where(and(eq(attendance.workshopId, workshop.id), eq(attendance.institutionId, row.institutionId)))
			.run();
		db.update(attendance).set({ signatory: true }).where(eq(attendance.id, row.id)).run();
		recordAttendanceAudit(db, row, 'signatory', { signatoryId: previous?.id ?? null }, { signatoryId: row.id }, byUserId);
	});
}

/**
 * Who signs for each institution present: the representative staff chose, else the first to check
 * in. `rows` in check-in order; entries in `exclude` (witnesses, the acknowledging official) are
 * passed over.
 */
export function partySignatories<T extends Pick<AttendanceRow, 'id' | 'institutionId' | 'signatory'>>(rows: T[], exclude: ReadonlySet<number> = new Set()): T[] {
	const byInstitution = new Map<number, T[]>();
	for (const r of rows) if (!exclude.has(r.id)) byInstitution.set(r.institutionId, [...(byInstitution.get(r.institutionId) ?? []), r]);
	return [...byInstitution.values()].map((list) => list.find((r) => r.signatory) ?? list[0]!);
}

export function listAttendanceAudit(db: Db, workshopId: number) {
	return db
		.select({
			id: attendanceAudit.id,
			attendanceId: attendanceAudit.attendanceId,
			action: attendanceAudit.action,
			before: attendanceAudit.before,
			after: attendanceAudit.after,
			at: attendanceAudit.at,
			entryName: attendance.name,
			byName: users.name
		})
		.from(attendanceAudit)
		.innerJoin(attendance, eq(attendance.id, attendanceAudit.attendanceId))
		.leftJoin(users, eq(users.id, attendanceAudit.byUserId))
		.where(eq(attendanceAudit.workshopId, workshopId))
		.orderBy(desc(attendanceAudit.at), desc(attendanceAudit.id))
		.all();
}
