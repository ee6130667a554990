/**
 * Joining a workshop: the institutions a representative may choose (the invited ones first, then
 * the forum's other active ones, then "propose a new institution") and the check-in itself.
 */
import { and, eq, isNull } from 'drizzle-orm';
import { refreshLiveStructure } from '../collab/registry';
import { transaction, type Db } from '../db/client';
import { attendance, persons, representations, SECTORS, type Sector } from '../db/schema';
import { createInstitution, getInstitution, listInstitutions } from '../institutions/institutions';
import { InputError, InputReader } from '../validation';
import { nameKey, type AttendanceRow } from './attendance';
import { listInvitedInstitutionIds, type Workshop } from './workshops';

export type JoinChoice = { id: number; shortName: string; officialName: string; sector: Sector };

/** Approved, active institutions: invited ones first, then the rest of the forum's; retired ones never. */
export async function joinChoices(db: Db, workshop: Pick<Workshop, 'id' | 'forumId'>): Promise<{ invited: JoinChoice[]; others: JoinChoice[] }> {
	const invitedIds = new Set(await listInvitedInstitutionIds(db, workshop.id));
	const byName = (a: JoinChoice, b: JoinChoice) => a.shortName.localeCompare(b.shortName, 'id');
	const all = (await listInstitutions(db, workshop.forumId)).map((i) => ({ id: i.id, shortName: i.shortName, officialName: i.officialName, sector: i.sector }));
	return {
		invited: all.filter((i) => invitedIds.has(i.id)).sort(byName),
		others: all.filter((i) => !invitedIds.has(i.id)).sort(byName)
	};
}

/**
 * Checks a representative in: picks or proposes their institution, records the daftar hadir
 * snapshot and the dated representation, all in one transaction. An approved institution that
 * was not invited becomes a matrix row at once. With an institution's own invitation code the
 * entry is bound to it and confirmed; with the general code it waits for the moderator.
 */
export async function checkIn(
	db: Db,
	workshop: Workshop,
	input: FormData | Record<string, unknown>,
	now = new Date(),
	opts: { invitedInstitutionId?: number | null } = {}
): Promise<AttendanceRow> {
	if (workshop.status !== 'live') throw new InputError({ code: { key: 'error.workshopNotLive' } });
	const form = new InputReader(input);
	const name = form.text('name', { required: true, max: 120 });
	const jabatan = form.text('jabatan', { required: true, max: 120 });
	const gender = form.choice('gender', ['L', 'P'] as const);
	const phone = form.phone('phone');
	// An institution's own invitation decides who it speaks for; the form offers no choice then.
	const invited = opts.invitedInstitutionId ?? null;
	const institutionChoice = invited !== null ? String(invited) : form.text('institutionId', { required: true, max: 12 });
	let institution = null as Awaited<ReturnType<typeof getInstitution>>;
	const proposing = invited === null && institutionChoice === 'new';
	if (proposing) {
		form.text('newInstitutionName', { required: true, max: 160 });
		form.choice('newInstitutionSector', SECTORS);
	} else if (institutionChoice) {
		institution = await getInstitution(db, workshop.forumId, Number(institutionChoice));
		if (!institution || !institution.approved || institution.retiredAt !== null) form.fail('institutionId', 'error.invalidChoice');
	}
	form.done();

	const row = await transaction(db, async (tx) => {
		if (proposing) {
			const data = input instanceof FormData ? Object.fromEntries(input) : input;
			// Same connection, so this insert is part of the open transaction.
			institution = await createInstitution(
				tx,
				workshop.forumId,
				{ officialName: data.newInstitutionName, sector: data.newInstitutionSector },
				{ proposed: true }
			);
		}
		const inst = institution!;
		const key = nameKey(name);
		const already = (await tx
			.select()
			.from(attendance)
			.where(
				and(
					eq(attendance.workshopId, workshop.id),
					eq(attendance.institutionId, inst.id),
					eq(attendance.nameKey, key),
					isNull(attendance.removedAt)
				)
			))[0];
		if (already) throw new InputError({ name: { key: 'error.alreadyCheckedIn', params: { name: already.name } } });
		if (phone) {
			const samePhone = (await tx
				.select()
				.from(attendance)
				.where(and(eq(attendance.workshopId, workshop.id), eq(attendance.phone, phone), isNull(attendance.removedAt))))[0];
			if (samePhone)
				throw new InputError({ phone: { key: 'error.alreadyCheckedIn', params: { name: samePhone.name } } });
		}
		const person = (await tx.insert(persons).values({ forumId: workshop.forumId, name, gender: gender!, phone }).returning())[0]!;
		await tx.insert(representations)
			.values({ personId: person.id, institutionId: inst.id, jabatan, fromDate: workshop.date });
		return (await tx
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
				checkedInAt: now,
				confirmedAt: invited !== null ? now : null
			})
			.returning())[0]!;
	});
	await refreshLiveStructure(db, [workshop.id], 'attendance');
	return row;
}
