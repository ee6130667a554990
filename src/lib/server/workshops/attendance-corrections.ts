/**
 * Staff corrections of the daftar hadir: edit an entry, remove it (kept, counted nowhere, its
 * session ended) or restore it, and choose who signs the berita acara for each institution. Every
 * change is written to the audit trail with what it was before, what it became, and who did it.
 */
import { and, desc, eq, isNull, ne } from 'drizzle-orm';
import { closeParticipantConnections, refreshLiveStructure } from '../collab/registry';
import { transaction, type Db } from '../db/client';
import { accessLinks, attendance, attendanceAudit, persons, representations, sessions, users } from '../db/schema';
import { getInstitution } from '../institutions/institutions';
import { InputError, InputReader } from '../validation';
import { nameKey, type AttendanceRow } from './attendance';
import type { Workshop } from './workshops';

export type AuditAction = (typeof attendanceAudit.$inferSelect)['action'];
type AuditValues = Record<string, unknown>;

export async function recordAttendanceAudit(
	db: Db,
	row: Pick<AttendanceRow, 'id' | 'workshopId'>,
	action: AuditAction,
	before: AuditValues | null,
	after: AuditValues | null,
	byUserId: number | null
): Promise<void> {
	await db.insert(attendanceAudit).values({ attendanceId: row.id, workshopId: row.workshopId, action, before, after, byUserId });
}

/** An entry of this workshop, or a not-found refusal (an id from another workshop included). */
export async function findEntry(db: Db, workshop: Pick<Workshop, 'id'>, attendanceId: number): Promise<AttendanceRow> {
	const row = Number.isInteger(attendanceId)
		? (await db
				.select()
				.from(attendance)
				.where(and(eq(attendance.workshopId, workshop.id), eq(attendance.id, attendanceId))))[0]
		: undefined;
	if (!row) throw new InputError({ id: { key: 'error.notFound' } });
	return row;
}

/** Refuses a name or phone already used by another present entry of the workshop. */
async function assertNoClash(db: Db, row: AttendanceRow, institutionId: number, key: string, phone: string, form?: InputReader) {
	const sameName = (await db
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
		))[0];
	const samePhone = phone
		? (await db
				.select()
				.from(attendance)
				.where(and(eq(attendance.workshopId, row.workshopId), eq(attendance.phone, phone), isNull(attendance.removedAt), ne(attendance.id, row.id))))[0]
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
export async function editAttendance(
	db: Db,
	workshop: Workshop,
	attendanceId: number,
	input: FormData | Record<string, unknown>,
	byUserId: number | null
): Promise<AttendanceRow> {
	const row = await findEntry(db, workshop, attendanceId);
	if (row.removedAt) throw new InputError({ id: { key: 'attendance.entryRemoved' } });
	const form = new InputReader(input);
	const name = form.text('name', { required: true, max: 120 });
	const jabatan = form.text('jabatan', { required: true, max: 120 });
	const gender = form.choice('gender', ['L', 'P'] as const);
	const phone = form.phone('phone');
	const institutionId = form.integer('institutionId', { min: 1 });
	const institution = institutionId !== null ? await getInstitution(db, workshop.forumId, institutionId) : null;
	// The entry's own institution stays allowed even if retired since; a new one must be on offer.
	if (institutionId !== null && (!institution || (institution.id !== row.institutionId && (!institution.approved || institution.retiredAt !== null))))
		form.fail('institutionId', 'error.invalidChoice');
	if (institution && name) await assertNoClash(db, row, institution.id, nameKey(name), phone, form);
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

	const updated = await transaction(db, async (tx) => {
		const saved = (await tx
			.update(attendance)
			.set({ ...next, nameKey: nameKey(name) })
			.where(eq(attendance.id, row.id))
			.returning())[0]!;
		await tx.update(persons).set({ name, gender: gender!, phone }).where(eq(persons.id, row.personId));
		await tx.update(representations)
			.set({ institutionId: institution!.id, jabatan })
			.where(and(eq(representations.personId, row.personId), eq(representations.institutionId, row.institutionId)));
		await recordAttendanceAudit(tx, row, 'edit', before, after, byUserId);
		return saved;
	});
	if (moved) {
		await refreshLiveStructure(db, [workshop.id], 'attendance.edit');
		closeParticipantConnections(workshop.id, [row.id], { final: false });
	}
	return updated;
}

/**
 * Removes an entry (a mistaken or duplicate check-in). It stays for the audit trail but counts
 * nowhere; its participant session and unused re-entry links end now, and the name is free for a
 * fresh check-in.
 */
export async function removeAttendance(db: Db, workshop: Workshop, attendanceId: number, byUserId: number | null, now = new Date()): Promise<void> {
	const row = await findEntry(db, workshop, attendanceId);
	if (row.removedAt) throw new InputError({ id: { key: 'attendance.alreadyRemoved' } });
	await transaction(db, async (tx) => {
		await tx.update(attendance)
			.set({ removedAt: now, signatory: false, nameKey: `${row.nameKey}#${row.id}` })
			.where(eq(attendance.id, row.id));
		await tx.delete(sessions).where(eq(sessions.attendanceId, row.id));
		await tx.update(accessLinks)
			.set({ expiresAt: now })
			.where(and(eq(accessLinks.kind, 'reentry'), eq(accessLinks.attendanceId, row.id), isNull(accessLinks.usedAt)));
		await recordAttendanceAudit(tx, row, 'remove', { removedAt: null, signatory: row.signatory }, { removedAt: now.getTime(), signatory: false }, byUserId);
	});
	await refreshLiveStructure(db, [workshop.id], 'attendance.remove');
	closeParticipantConnections(workshop.id, [row.id], { final: true });
}

/** Brings a removed entry back, unless its person has checked in again meanwhile. */
export async function restoreAttendance(db: Db, workshop: Workshop, attendanceId: number, byUserId: number | null): Promise<void> {
	const row = await findEntry(db, workshop, attendanceId);
	if (!row.removedAt) throw new InputError({ id: { key: 'attendance.notRemoved' } });
	const key = nameKey(row.name);
	await assertNoClash(db, row, row.institutionId, key, row.phone);
	await transaction(db, async (tx) => {
		await tx.update(attendance).set({ removedAt: null, nameKey: key }).where(eq(attendance.id, row.id));
		await recordAttendanceAudit(tx, row, 'restore', { removedAt: row.removedAt!.getTime() }, { removedAt: null }, byUserId);
	});
	await refreshLiveStructure(db, [workshop.id], 'attendance.restore');
}

/** Chooses who signs the berita acara for their institution: one present representative per institution. */
export async function chooseSignatory(db: Db, workshop: Workshop, attendanceId: number, byUserId: number | null): Promise<void> {
	const row = await findEntry(db, workshop, attendanceId);
	if (row.removedAt) throw new InputError({ id: { key: 'attendance.entryRemoved' } });
	if (row.signatory) return;
	await transaction(db, async (tx) => {
		const previous = (await tx
			.select({ id: attendance.id })
			.from(attendance)
			.where(and(eq(attendance.workshopId, workshop.id), eq(attendance.institutionId, row.institutionId), eq(attendance.signatory, true))))[0];
		await tx.update(attendance)
			.set({ signatory: false })
			.where(and(eq(attendance.workshopId, workshop.id), eq(attendance.institutionId, row.institutionId)));
		await tx.update(attendance).set({ signatory: true }).where(eq(attendance.id, row.id));
		await recordAttendanceAudit(tx, row, 'signatory', { signatoryId: previous?.id ?? null }, { signatoryId: row.id }, byUserId);
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

export async function listAttendanceAudit(db: Db, workshopId: number) {
	return await db
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
		.orderBy(desc(attendanceAudit.at), desc(attendanceAudit.id));
}
