import { and, asc, eq, isNull } from 'drizzle-orm';
import type { Db } from '../db/client';
import { attendance, institutions } from '../db/schema';
import { toCsv, type CsvSeparator } from '../csv';
import { DEFAULT_TIME_ZONE, formatStamp } from '../../time-zones';
import { listInvitedInstitutionIds, type Workshop } from './workshops';

export type AttendanceRow = typeof attendance.$inferSelect;

export function nameKey(name: string): string {
	return name.normalize('NFKC').trim().toLowerCase().replace(/\s+/g, ' ');
}

/** The daftar hadir in check-in order; entries removed by staff only when asked for (the audit view). */
export async function listAttendance(db: Db, workshopId: number, opts: { includeRemoved?: boolean } = {}) {
	return (await db
		.select({
			row: attendance,
			shortName: institutions.shortName,
			approved: institutions.approved
		})
		.from(attendance)
		.innerJoin(institutions, eq(institutions.id, attendance.institutionId))
		.where(opts.includeRemoved ? eq(attendance.workshopId, workshopId) : and(eq(attendance.workshopId, workshopId), isNull(attendance.removedAt)))
		.orderBy(asc(attendance.checkedInAt), asc(attendance.id)))
		.map((r) => ({ ...r.row, shortName: r.shortName, institutionApproved: r.approved }));
}

/** The daftar hadir columns from DOMAIN.md; phone numbers only in the internal copy. */
export function attendanceCsv(
	rows: AttendanceRow[],
	header: { no: string; name: string; jabatan: string; institution: string; sector: string; gender: string; phone: string; time: string },
	sectorLabel: (s: string) => string,
	opts: { includePhone: boolean; timeZone?: string; separator?: CsvSeparator; genderLabel?: (g: AttendanceRow['gender']) => string }
): string {
	const timeZone = opts.timeZone ?? DEFAULT_TIME_ZONE;
	const cols = [header.no, header.name, header.jabatan, header.institution, header.sector, header.gender];
	if (opts.includePhone) cols.push(header.phone);
	cols.push(header.time);
	return toCsv(
		cols,
		rows.map((r, i) => {
			const cells: (string | number)[] = [i + 1, r.name, r.jabatan, r.institutionName, sectorLabel(r.sector), opts.genderLabel?.(r.gender) ?? r.gender];
			if (opts.includePhone) cells.push(r.phone);
			cells.push(formatStamp(r.checkedInAt, timeZone, { seconds: false }));
			return cells;
		}),
		opts.separator
	);
}

export type AttendanceCount = {
	people: number;
	/** Invited institutions with someone present, out of `invited`. */
	invitedPresent: number;
	invited: number;
	/** Institutions present without an invitation (they joined from the forum's list or proposed themselves). */
	uninvitedPresent: number;
};

/**
 * What the daftar hadir counts: people present, and present institutions against the invited
 * ones (not against every institution of the forum). Removed entries count nowhere.
 */
export async function countAttendance(db: Db, workshop: Pick<Workshop, 'id'>): Promise<AttendanceCount> {
	const rows = await listAttendance(db, workshop.id);
	const present = new Set(rows.map((r) => r.institutionId));
	const invited = new Set(await listInvitedInstitutionIds(db, workshop.id));
	return {
		people: rows.length,
		invitedPresent: [...invited].filter((id) => present.has(id)).length,
		invited: invited.size,
		uninvitedPresent: [...present].filter((id) => !invited.has(id)).length
	};
}
