import { and, asc, eq } from 'drizzle-orm';
import { refreshLiveStructure } from '../collab/registry';
import type { Db } from '../db/client';
import { attendance, institutions, persons, representations, SECTORS } from '../db/schema';
import { createInstitution, getInstitution } from '../institutions/institutions';
import { InputError, InputReader } from '../validation';
import type { Workshop } from './workshops';
import { toCsv } from '../csv';

export type AttendanceRow = typeof attendance.$inferSelect;

export function nameKey(name: string): string {
	return name.normalize('NFKC').trim().toLowerCase().replace(/\s+/g, ' ');
}

/**
 * Checks a representative in: picks or proposes their institution, records the daftar hadir
 * snapshot and the dated representation, all in one transaction. An approved institution that
 * was not invited becomes a matrix row at once.
 */
export function checkIn(db: Db, workshop: Workshop, input: FormData | Record<string, unknown>, now = new Date()): AttendanceRow {
	if (workshop.status !== 'live') throw new InputError({ code: { key: 'error.workshopNotLive' } });
	const form = new InputReader(input);
	const name = form.text('name', { required: true, max: 120 });
	const jabatan = form.text('jabatan', { required: true, max: 120 });
	const gender = form.choice('gender', ['L', 'P'] as const);
	const phone = form.phone('phone');
	const institutionChoice = form.text('institutionId', { required: true, max: 12 });
	let institution = null as ReturnType<typeof getInstitution>;
	const proposing = institutionChoice === 'new';
	if (proposing) {
		form.text('newInstitutionName', { required: true, max: 160 });
		form.choice('newInstitutionSector', SECTORS);
	} else if (institutionChoice) {
		institution = getInstitution(db, workshop.forumId, Number(institutionChoice));
		if (!institution || !institution.approved) form.fail('institutionId', 'error.invalidChoice');
	}
	form.done();

	const row = db.transaction((tx) => {
		if (proposing) {
			const data = input instanceof FormData ? Object.fromEntries(input) : input;
			// Same connection, so this insert is part of the open transaction.
			institution = createInstitution(
				db,
				workshop.forumId,
				{ officialName: data.newInstitutionName, sector: data.newInstitutionSector },
				{ proposed: true }
			);
		}
		const inst = institution!;
		const key = nameKey(name);
		const already = tx
			.select()
			.from(attendance)
			.where(and(eq(attendance.workshopId, workshop.id), eq(attendance.institutionId, inst.id), eq(attendance.nameKey, key)))
			.get();
		if (already) throw new InputError({ name: { key: 'error.alreadyCheckedIn', params: { name: already.name } } });
		if (phone) {
			const samePhone = tx
				.select()
				.from(attendance)
				.where(and(eq(attendance.workshopId, workshop.id), eq(attendance.phone, phone)))
				.get();
			if (samePhone)
				throw new InputError({ phone: { key: 'error.alreadyCheckedIn', params: { name: samePhone.name } } });
		}
		const person = tx.insert(persons).values({ forumId: workshop.forumId, name, gender: gender!, phone }).returning().get();
		tx.insert(representations)
			.values({ personId: person.id, institutionId: inst.id, jabatan, fromDate: workshop.date })
			.run();
		return tx
			.insert(attendance)
			.values({
				workshopId: workshop.id,
				institutionId: inst.id,
				personId: person.id,
				name,
				nameKey: key,
				jabatan,
				institutionName: inst.officialName,
				sector: inst.sector,
				gender: gender!,
				phone,
				checkedInAt: now
			})
			.returning()
			.get();
	});
	refreshLiveStructure(db, [workshop.id], 'attendance');
	return row;
}

export function listAttendance(db: Db, workshopId: number) {
	return db
		.select({
			row: attendance,
			shortName: institutions.shortName,
			approved: institutions.approved
		})
		.from(attendance)
		.innerJoin(institutions, eq(institutions.id, attendance.institutionId))
		.where(eq(attendance.workshopId, workshopId))
		.orderBy(asc(attendance.checkedInAt), asc(attendance.id))
		.all()
		.map((r) => ({ ...r.row, shortName: r.shortName, institutionApproved: r.approved }));
}

/** The daftar hadir columns from DOMAIN.md; phone numbers only in the internal copy. */
export function attendanceCsv(
	rows: AttendanceRow[],
	header: { no: string; name: string; jabatan: string; institution: string; sector: string; gender: string; phone: string; time: string },
	sectorLabel: (s: string) => string,
	opts: { includePhone: boolean; timeZone?: string }
): string {
	const time = new Intl.DateTimeFormat('id-ID', {
		dateStyle: 'short',
		timeStyle: 'short',
		timeZone: opts.timeZone ?? 'Asia/Jakarta'
	});
	const cols = [header.no, header.name, header.jabatan, header.institution, header.sector, header.gender];
	if (opts.includePhone) cols.push(header.phone);
	cols.push(header.time);
	return toCsv(
		cols,
		rows.map((r, i) => {
			const cells: (string | number)[] = [i + 1, r.name, r.jabatan, r.institutionName, sectorLabel(r.sector), r.gender];
			if (opts.includePhone) cells.push(r.phone);
			cells.push(time.format(r.checkedInAt));
			return cells;
		})
	);
}
