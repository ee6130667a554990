import { beforeAll, describe, expect, it } from 'vitest';
import { and, eq } from 'drizzle-orm';
import * as Y from 'yjs';
import { cellKey, readMatrix, roots, WHOLE_MATRIX } from '../../src/lib/collab/matrix-doc';
import { resolveSession, startSession } from '../../src/lib/server/auth';
import { liveRooms } from '../../src/lib/server/collab/registry';
import { getDb, type Db } from '../../src/lib/server/db/client';
import {
	attendance,
	attendanceAudit,
	commitments,
	commitmentSupporters,
	institutions,
	minutesSigners,
	minutesVersions,
	progressReports,
	representations,
	workshopInvitations
} from '../../src/lib/server/db/schema';
import { seedDemo } from '../../src/lib/server/demo';
import { approveInstitution, getInstitution, listInstitutions, retireInstitution } from '../../src/lib/server/institutions/institutions';
import { mergeInstitutions } from '../../src/lib/server/institutions/merge';
import { setWorkshopInvitations } from '../../src/lib/server/matrix/structure';
import { InputError } from '../../src/lib/server/validation';
import { checkIn, joinChoices } from '../../src/lib/server/workshops/join';
import { getWorkshop } from '../../src/lib/server/workshops/workshops';

// The merge reaches the process-wide live rooms; point their database at memory first.
process.env.DATABASE_PATH = ':memory:';
process.env.MUFAKAT_LOG_LEVEL = 'warn';
let db: Db;

/** Demo: forum 1 (Madiun) with the live workshop 3; Bappelitbangda is institution 1; forum 2 is Tanggamus. */
const LIVE = 3;
const SURVIVOR = 1;
const live = async () => (await getWorkshop(db, LIVE))!;
const matrix = async () => await liveRooms().read(LIVE, readMatrix);
const person = (over: Record<string, string>) => ({ jabatan: 'Staf Perencanaan', gender: 'P', phone: '', ...over });

async function errorKey(fn: () => unknown): Promise<string> {
	try {
		await fn();
	} catch (e) {
		if (e instanceof InputError) return Object.values(e.errors)[0]!.key;
		throw e;
	}
	return 'no error';
}

function writeCell(doc: Y.Doc, institutionId: number, componentId: number, type: string, text: string) {
	const cell = roots(doc).cells.get(cellKey(institutionId, componentId))!;
	cell.set('type', type);
	(cell.get('description') as Y.Text).insert(0, text);
}

let duplicate: number;
let siteDuplicateEntry: number;
let twinSession: string;

beforeAll(async () => {
	db = getDb();
	await seedDemo(db);
	await matrix(); // the workshop is running: its room exists

	// Two people propose "Bapeda" at the door; the moderator approves it before noticing the duplicate.
	const rina = await checkIn(db, await live(), person({ institutionId: 'new', newInstitutionName: 'Bapeda Kota Madiun', newInstitutionSector: 'pemerintah', name: 'Rina Kusuma' }));
	duplicate = rina.institutionId;
	siteDuplicateEntry = rina.id;
	await approveInstitution(db, 1, duplicate);
	// The same person checked in under both names.
	await checkIn(db, await live(), person({ institutionId: String(SURVIVOR), name: 'Siti Rahayu', phone: '081200000001' }));
	const twin = await checkIn(db, await live(), person({ institutionId: String(duplicate), name: 'siti  rahayu' }));
	twinSession = (await startSession(db, { kind: 'participant', workshopId: LIVE, attendanceId: twin.id })).token;

	await liveRooms().change(LIVE, (doc) => {
		writeCell(doc, duplicate, 1, 'DATA_KAJIAN', 'Data profil kelurahan');
		writeCell(doc, duplicate, 2, 'MONEV', 'Monitoring oleh Bapeda');
		writeCell(doc, SURVIVOR, 2, 'KEBIJAKAN', 'Perwal monitoring partisipatif');
		roots(doc).consent.get(String(duplicate))!.set(WHOLE_MATRIX, 'agree');
		roots(doc).consent.get(String(duplicate))!.set(cellKey(duplicate, 1), 'abstain');
	});

	await db.insert(workshopInvitations).values({ workshopId: 1, institutionId: duplicate });
	const led = (await db.insert(commitments).values({ forumId: 1, number: 'K-90', statement: 'Dipimpin duplikat', leadInstitutionId: duplicate }).returning())[0]!;
	const ledBySurvivor = (await db.insert(commitments).values({ forumId: 1, number: 'K-91', statement: 'Dipimpin penyintas', leadInstitutionId: SURVIVOR }).returning())[0]!;
	const other = (await db.insert(commitments).values({ forumId: 1, number: 'K-92', statement: 'Dipimpin lain', leadInstitutionId: 2 }).returning())[0]!;
	await db.insert(commitmentSupporters).values({ commitmentId: ledBySurvivor.id, institutionId: duplicate });
	await db.insert(commitmentSupporters).values({ commitmentId: other.id, institutionId: duplicate });
	await db.insert(progressReports)
		.values({ commitmentId: led.id, periodType: 'quarter', periodYear: 2024, periodIndex: 1, reporterName: 'Rina', reporterInstitutionId: duplicate, submittedAt: new Date() });
	const version = (await db
		.insert(minutesVersions)
		.values({ workshopId: 1, version: 90, nomor: 'X', content: '{}', textHash: 'x', finalizedAt: new Date() })
		.returning())[0]!;
	await db.insert(minutesSigners)
		.values({ minutesVersionId: version.id, attendanceId: rina.id, institutionId: duplicate, role: 'party', name: 'Rina Kusuma', jabatan: 'Staf', instansi: 'Bapeda Kota Madiun', linkToken: 'merge-test-token-0001' });
});

describe('merging a duplicate institution into its survivor', () => {
	it('refuses a merge into itself and one across forums, changing nothing', async () => {
		const before = JSON.stringify(await db.select().from(institutions));
		expect(await errorKey(async () => await mergeInstitutions(db, 1, { duplicateId: duplicate, survivorId: duplicate }, null))).toBe('institution.mergeSelf');
		const tanggamus = (await listInstitutions(db, 2))[0]!.id;
		expect(await errorKey(async () => await mergeInstitutions(db, 1, { duplicateId: duplicate, survivorId: tanggamus }, null))).toBe('institution.mergeOtherForum');
		expect(await errorKey(async () => await mergeInstitutions(db, 2, { duplicateId: duplicate, survivorId: tanggamus }, null))).toBe('error.notFound');
		expect(JSON.stringify(await db.select().from(institutions))).toBe(before);
		expect((await matrix()).rows.map((r) => Number(r.id))).toContain(duplicate);
	});

	it('moves attendance, invitations, representations, commitments, reports and signers in SQL', async () => {
		const report = await mergeInstitutions(db, 1, { duplicateId: String(duplicate), survivorId: String(SURVIVOR) }, null);
		expect(report).toMatchObject({ attendance: 2, duplicateEntries: 1, invitations: 1, commitments: 1, supporters: 2, reports: 1, signers: 1 });

		const bappelitbangda = (await getInstitution(db, 1, SURVIVOR))!;
		const entries = await db.select().from(attendance).where(eq(attendance.workshopId, LIVE));
		expect(entries.filter((e) => e.institutionId === duplicate)).toEqual([]);
		const rina = entries.find((e) => e.id === siteDuplicateEntry)!;
		expect(rina).toMatchObject({ institutionId: SURVIVOR, institutionName: bappelitbangda.officialName, removedAt: null });
		// The second check-in of the same person is removed, and their session carries on as the one kept.
		const siti = entries.filter((e) => e.name.toLowerCase().includes('siti'));
		expect(siti.filter((e) => e.removedAt === null)).toHaveLength(1);
		const viewer = await resolveSession(db, twinSession);
		expect(viewer).toMatchObject({ kind: 'participant', attendanceId: siti.find((e) => e.removedAt === null)!.id, institutionId: SURVIVOR });

		const invitedTo = async (id: number) => (await db.select().from(workshopInvitations).where(eq(workshopInvitations.institutionId, id))).map((i) => i.workshopId);
		expect(await invitedTo(duplicate)).toEqual([]);
		expect(await invitedTo(SURVIVOR)).toEqual(expect.arrayContaining([1, LIVE]));
		expect(await db.select().from(representations).where(eq(representations.institutionId, duplicate))).toEqual([]);

		const byNumber = async (n: string) => (await db.select().from(commitments).where(eq(commitments.number, n)))[0]!;
		expect((await byNumber('K-90')).leadInstitutionId).toBe(SURVIVOR);
		const supporters = async (n: string) => (await db.select().from(commitmentSupporters).where(eq(commitmentSupporters.commitmentId, (await byNumber(n)).id))).map((s) => s.institutionId);
		expect(await supporters('K-91')).toEqual([]); // never beside itself as lead
		expect(await supporters('K-92')).toEqual([SURVIVOR]);
		expect((await db.select().from(progressReports)).every((r) => r.reporterInstitutionId !== duplicate)).toBe(true);
		expect((await db.select().from(minutesSigners).where(eq(minutesSigners.linkToken, 'merge-test-token-0001')))[0]).toMatchObject({ institutionId: SURVIVOR, instansi: 'Bapeda Kota Madiun' });

		const dup = (await getInstitution(db, 1, duplicate))!;
		expect(dup.mergedIntoId).toBe(SURVIVOR);
		expect(dup.retiredAt).not.toBeNull();
		expect((await getInstitution(db, 1, SURVIVOR))!.aliases).toContain('Bapeda Kota Madiun');
		const audit = await db.select().from(attendanceAudit).where(eq(attendanceAudit.attendanceId, siteDuplicateEntry));
		expect(audit).toEqual([expect.objectContaining({ action: 'edit', before: expect.objectContaining({ institutionId: duplicate }) })]);
	});

	it('removes the duplicate’s row from the live matrix and keeps its content where the survivor had none', async () => {
		const m = await matrix();
		expect(m.rows.map((r) => Number(r.id))).not.toContain(duplicate);
		expect(Object.keys(m.cells).filter((k) => k.startsWith(`${duplicate}:`))).toEqual([]);
		expect(m.cells[cellKey(SURVIVOR, 1)]).toMatchObject({ type: 'DATA_KAJIAN', description: 'Data profil kelurahan' });
		// The survivor's own words win where both had written.
		expect(m.cells[cellKey(SURVIVOR, 2)]).toMatchObject({ type: 'KEBIJAKAN', description: 'Perwal monitoring partisipatif' });
		expect(m.consent[String(SURVIVOR)]).toMatchObject({ [WHOLE_MATRIX]: 'agree', [cellKey(SURVIVOR, 1)]: 'abstain' });
		expect(m.consent[String(duplicate)]).toBeUndefined();
	});

	it('refuses to merge the same duplicate twice', async () => {
		expect(await errorKey(async () => await mergeInstitutions(db, 1, { duplicateId: duplicate, survivorId: SURVIVOR }, null))).toBe('institution.alreadyMerged');
	});

	it('finds the survivor when someone proposes the duplicate’s name again', async () => {
		expect(await errorKey(async () => await checkIn(db, await live(), person({ institutionId: 'new', newInstitutionName: 'Bapeda Kota Madiun', newInstitutionSector: 'pemerintah', name: 'Budi' })))).toBe(
			'error.institutionExists'
		);
	});
});

describe('retiring an institution', () => {
	it('hides it from the join list and new invitations, and refuses a check-in with it', async () => {
		const inka = (await listInstitutions(db, 1)).find((i) => i.shortName === 'PT INKA')!.id;
		const lesse = (await listInstitutions(db, 1)).find((i) => i.shortName === 'Lesse')!.id;
		const invitedBefore = (await joinChoices(db, await live())).invited.map((i) => i.id);
		expect(invitedBefore).toContain(inka);
		await retireInstitution(db, 1, inka);
		await retireInstitution(db, 1, lesse);
		const choices = await joinChoices(db, await live());
		expect([...choices.invited, ...choices.others].map((i) => i.id)).not.toContain(inka);
		expect(await errorKey(async () => await checkIn(db, await live(), person({ institutionId: String(inka), name: 'Lina Marlina' })))).toBe('error.invalidChoice');
		// Old records keep it: still invited to the workshop that invited it, and still a matrix row.
		const invited = (await db.select().from(workshopInvitations).where(and(eq(workshopInvitations.workshopId, LIVE), eq(workshopInvitations.institutionId, inka))))[0];
		expect(invited).toBeDefined();
		expect((await matrix()).rows.map((r) => Number(r.id))).toContain(inka);
		// Saving the list with it still ticked keeps it; inviting it anew is refused.
		const current = (await db.select().from(workshopInvitations).where(eq(workshopInvitations.workshopId, LIVE))).map((i) => i.institutionId);
		await setWorkshopInvitations(db, await live(), current.filter((id) => id !== lesse));
		expect(await errorKey(async () => await setWorkshopInvitations(db, await live(), [...current.filter((id) => id !== lesse), lesse]))).toBe('institution.retiredNotOffered');
	});

	it('lists the invited institutions first, then the forum’s other active ones', async () => {
		const choices = await joinChoices(db, await live());
		const invited = new Set((await db.select().from(workshopInvitations).where(eq(workshopInvitations.workshopId, LIVE))).map((i) => i.institutionId));
		expect(choices.invited.length).toBeGreaterThan(0);
		expect(choices.invited.every((i) => invited.has(i.id))).toBe(true);
		expect(choices.others.every((i) => !invited.has(i.id))).toBe(true);
	});
});
