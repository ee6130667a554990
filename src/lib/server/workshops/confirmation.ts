/**
 * Who speaks for an institution: a check-in with the workshop's general code (or proposing a new
 * institution) may only watch until the moderator confirms it on the daftar hadir; the moderator
 * can also revoke a representative, which cuts their live connection at once.
 */
import { eq } from 'drizzle-orm';
import { closeParticipantConnections } from '../collab/registry';
import type { Db } from '../db/client';
import { attendance } from '../db/schema';
import { InputError } from '../validation';
import type { AttendanceRow } from './attendance';
import { findEntry } from './attendance-corrections';
import type { Workshop } from './workshops';

/** Whether this entry may write for its institution (matrix row, progress reports, signing). */
export function speaksForInstitution(row: Pick<AttendanceRow, 'confirmedAt' | 'revokedAt' | 'removedAt'>): boolean {
	return row.confirmedAt !== null && row.revokedAt === null && row.removedAt === null;
}

/**
 * Confirms an entry (or restores a revoked one). The person's open socket is closed with a code the
 * client retries, so it reconnects as a representative.
 */
export async function confirmAttendance(db: Db, workshop: Pick<Workshop, 'id'>, attendanceId: number, byUserId: number | null, now = new Date()): Promise<void> {
	const row = await findEntry(db, workshop, attendanceId);
	if (row.removedAt) throw new InputError({ id: { key: 'attendance.entryRemoved' } });
	if (speaksForInstitution(row)) return;
	await db.update(attendance).set({ confirmedAt: now, confirmedBy: byUserId, revokedAt: null }).where(eq(attendance.id, row.id));
	closeParticipantConnections(workshop.id, [row.id], { final: false, reason: 'representative confirmed' });
}

/** Withdraws an entry's right to speak for its institution; its live socket is cut for good. */
export async function revokeAttendance(db: Db, workshop: Pick<Workshop, 'id'>, attendanceId: number, now = new Date()): Promise<void> {
	const row = await findEntry(db, workshop, attendanceId);
	if (row.removedAt) throw new InputError({ id: { key: 'attendance.entryRemoved' } });
	if (row.revokedAt) return;
	await db.update(attendance).set({ revokedAt: now }).where(eq(attendance.id, row.id));
	closeParticipantConnections(workshop.id, [row.id], { final: true, reason: 'representative revoked' });
}
