import { and, asc, eq, isNull } from 'drizzle-orm';
import { refreshLiveStructure, workshopsWithLiveDoc } from '../collab/registry';
import { matrixInstitutions } from '../collab/seed';
import { affectedRows, type Db } from '../db/client';
import { institutions, SECTORS, workshops, type Sector } from '../db/schema';
import { InputError, InputReader } from '../validation';

export type Institution = typeof institutions.$inferSelect;

/**
 * The forum's institutions. Proposed ones (awaiting approval) and retired ones (including merged
 * duplicates) are left out unless asked for: they are offered nowhere new.
 */
export async function listInstitutions(
	db: Db,
	forumId: number,
	opts: { includeProposed?: boolean; includeRetired?: boolean } = {}
): Promise<Institution[]> {
	const rows = await db
		.select()
		.from(institutions)
		.where(eq(institutions.forumId, forumId))
		.orderBy(asc(institutions.sector), asc(institutions.shortName));
	return rows.filter((r) => (opts.includeProposed || r.approved) && (opts.includeRetired || r.retiredAt === null));
}

export async function getInstitution(db: Db, forumId: number, id: number): Promise<Institution | null> {
	return (
		(await db
			.select()
			.from(institutions)
			.where(and(eq(institutions.forumId, forumId), eq(institutions.id, id))))[0] ?? null
	);
}

async function readInstitution(db: Db, forumId: number, input: FormData | Record<string, unknown>) {
	const form = new InputReader(input);
	const officialName = form.text('officialName', { required: true, max: 160 });
	const shortName = form.text('shortName', { max: 60 }) || officialName.slice(0, 60);
	const sector = form.choice('sector', SECTORS);
	const subtype = form.text('subtype', { max: 60 });
	const aliasesRaw = form.text('aliases', { max: 400 });
	const parentRaw = form.text('parentId', { max: 12 });
	let parentId: number | null = null;
	if (parentRaw) {
		parentId = Number(parentRaw);
		if (!await getInstitution(db, forumId, parentId)) form.fail('parentId', 'error.invalidChoice');
	}
	const aliases = aliasesRaw
		.split(',')
		.map((a) => a.trim())
		.filter(Boolean);
	return { form, values: { officialName, shortName, sector: sector as Sector, subtype, aliases, parentId } };
}

async function assertUniqueName(db: Db, forumId: number, form: InputReader, shortName: string, exceptId?: number) {
	const key = shortName.toLowerCase();
	// A merged duplicate's names live on as the survivor's aliases; the duplicate itself no longer counts.
	const clash = (await listInstitutions(db, forumId, { includeProposed: true, includeRetired: true })).find(
		(i) =>
			i.id !== exceptId &&
			i.mergedIntoId === null &&
			(i.shortName.toLowerCase() === key ||
				i.officialName.toLowerCase() === key ||
				i.aliases.some((a) => a.toLowerCase() === key))
	);
	if (clash) form.fail('shortName', 'error.institutionExists', { name: clash.shortName });
}

export async function createInstitution(
	db: Db,
	forumId: number,
	input: FormData | Record<string, unknown>,
	opts: { proposed?: boolean } = {}
): Promise<Institution> {
	const { form, values } = await readInstitution(db, forumId, input);
	if (values.officialName) await assertUniqueName(db, forumId, form, values.shortName);
	form.done();
	return (await db
		.insert(institutions)
		.values({ forumId, ...values, approved: !opts.proposed })
		.returning())[0]!;
}

/** Official name, short name, aliases, sector, subtype, parent; a rename reaches the open matrices. */
export async function updateInstitution(db: Db, forumId: number, id: number, input: FormData | Record<string, unknown>): Promise<void> {
	const { form, values } = await readInstitution(db, forumId, input);
	const current = await getInstitution(db, forumId, id);
	if (!current) throw new InputError({ id: { key: 'error.notFound' } });
	if (current.mergedIntoId !== null) throw new InputError({ id: { key: 'institution.alreadyMerged' } });
	if (values.parentId === id) form.fail('parentId', 'error.invalidChoice');
	if (values.officialName) await assertUniqueName(db, forumId, form, values.shortName, id);
	form.done();
	await db.update(institutions).set(values).where(and(eq(institutions.forumId, forumId), eq(institutions.id, id)));
	await refreshLiveStructure(db, await workshopsWithRow(db, forumId, id), 'institution.update');
}

/**
 * Retires an institution: it stays in every old record (attendance, matrices, commitments) but is
 * offered in no join list and no new invitation. A merged duplicate stays retired.
 */
export async function retireInstitution(db: Db, forumId: number, id: number, now = new Date()): Promise<void> {
	const current = await getInstitution(db, forumId, id);
	if (!current) throw new InputError({ id: { key: 'error.notFound' } });
	if (current.retiredAt !== null) throw new InputError({ id: { key: 'institution.alreadyRetired' } });
	await db.update(institutions).set({ retiredAt: now }).where(and(eq(institutions.id, id), isNull(institutions.retiredAt)));
	// Without invitations a workshop's matrix shows every active institution: this one leaves it.
	await refreshLiveStructure(db, await forumWorkshopsWithLiveDoc(db, forumId), 'institution.retire');
}

export async function reinstateInstitution(db: Db, forumId: number, id: number): Promise<void> {
	const current = await getInstitution(db, forumId, id);
	if (!current) throw new InputError({ id: { key: 'error.notFound' } });
	if (current.mergedIntoId !== null) throw new InputError({ id: { key: 'institution.alreadyMerged' } });
	if (current.retiredAt === null) return;
	await db.update(institutions).set({ retiredAt: null }).where(eq(institutions.id, id));
	await refreshLiveStructure(db, await forumWorkshopsWithLiveDoc(db, forumId), 'institution.reinstate');
}

/** An approved institution that was invited or checked in becomes a matrix row. */
export async function approveInstitution(db: Db, forumId: number, id: number): Promise<boolean> {
	const result = affectedRows(await db
		.update(institutions)
		.set({ approved: true })
		.where(and(eq(institutions.forumId, forumId), eq(institutions.id, id))));
	if (result === 1) await refreshLiveStructure(db, await workshopsWithRow(db, forumId, id), 'institution.approve');
	return result === 1;
}

export async function forumWorkshopsWithLiveDoc(db: Db, forumId: number): Promise<number[]> {
	const forumWorkshops = (await db
		.select({ id: workshops.id })
		.from(workshops)
		.where(eq(workshops.forumId, forumId)))
		.map((w) => w.id);
	return await workshopsWithLiveDoc(db, forumWorkshops);
}

/** The forum's live matrices that have this institution as a row: where its record shows. */
async function workshopsWithRow(db: Db, forumId: number, institutionId: number): Promise<number[]> {
	const withRow: number[] = [];
	for (const workshopId of await forumWorkshopsWithLiveDoc(db, forumId))
		if ((await matrixInstitutions(db, workshopId, forumId)).some((i) => i.id === institutionId)) withRow.push(workshopId);
	return withRow;
}

export type SectorCoverage = { sector: Sector; count: number }[];

/** How many approved institutions each sector has; a zero is a gap worth showing (Madiun 2021: no media). */
export function sectorCoverage(list: Pick<Institution, 'sector' | 'approved'>[]): SectorCoverage {
	return SECTORS.map((sector) => ({
		sector,
		count: list.filter((i) => i.approved && i.sector === sector).length
	}));
}

/** The pentahelix sectors with nobody present. Development partners are optional, never a gap. */
export function missingSectors(coverage: SectorCoverage): Sector[] {
	return coverage.filter((c) => c.count === 0 && c.sector !== 'mitra').map((c) => c.sector);
}
