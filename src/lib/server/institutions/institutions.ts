import { and, asc, eq } from 'drizzle-orm';
import { refreshLiveStructure, workshopsWithLiveDoc } from '../collab/registry';
import { matrixInstitutions } from '../collab/seed';
import type { Db } from '../db/client';
import { institutions, SECTORS, workshops, type Sector } from '../db/schema';
import { InputReader } from '../validation';

export type Institution = typeof institutions.$inferSelect;

export function listInstitutions(db: Db, forumId: number, opts: { includeProposed?: boolean } = {}): Institution[] {
	const rows = db
		.select()
		.from(institutions)
		.where(eq(institutions.forumId, forumId))
		.orderBy(asc(institutions.sector), asc(institutions.shortName))
		.all();
	return opts.includeProposed ? rows : rows.filter((r) => r.approved);
}

export function getInstitution(db: Db, forumId: number, id: number): Institution | null {
	return (
		db
			.select()
			.from(institutions)
			.where(and(eq(institutions.forumId, forumId), eq(institutions.id, id)))
			.get() ?? null
	);
}

function readInstitution(db: Db, forumId: number, input: FormData | Record<string, unknown>) {
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
		if (!getInstitution(db, forumId, parentId)) form.fail('parentId', 'error.invalidChoice');
	}
	const aliases = aliasesRaw
		.split(',')
		.map((a) => a.trim())
		.filter(Boolean);
	return { form, values: { officialName, shortName, sector: sector as Sector, subtype, aliases, parentId } };
}

function assertUniqueName(db: Db, forumId: number, form: InputReader, shortName: string, exceptId?: number) {
	const key = shortName.toLowerCase();
	const clash = listInstitutions(db, forumId, { includeProposed: true }).find(
		(i) =>
			i.id !== exceptId &&
			(i.shortName.toLowerCase() === key ||
				i.officialName.toLowerCase() === key ||
				i.aliases.some((a) => a.toLowerCase() === key))
	);
	if (clash) form.fail('shortName', 'error.institutionExists', { name: clash.shortName });
}

export function createInstitution(
	db: Db,
	forumId: number,
	input: FormData | Record<string, unknown>,
	opts: { proposed?: boolean } = {}
): Institution {
	const { form, values } = readInstitution(db, forumId, input);
	if (values.officialName) assertUniqueName(db, forumId, form, values.shortName);
	form.done();
	return db
		.insert(institutions)
		.values({ forumId, ...values, approved: !opts.proposed })
		.returning()
		.get();
}

export function updateInstitution(db: Db, forumId: number, id: number, input: FormData | Record<string, unknown>): void {
	const { form, values } = readInstitution(db, forumId, input);
	if (!getInstitution(db, forumId, id)) form.fail('id', 'error.notFound');
	if (values.parentId === id) form.fail('parentId', 'error.invalidChoice');
	if (values.officialName) assertUniqueName(db, forumId, form, values.shortName, id);
	form.done();
	db.update(institutions).set(values).where(and(eq(institutions.forumId, forumId), eq(institutions.id, id))).run();
	refreshLiveStructure(db, workshopsWithRow(db, forumId, id), 'institution.update');
}

/** An approved institution that was invited or checked in becomes a matrix row. */
export function approveInstitution(db: Db, forumId: number, id: number): boolean {
	const result = db
		.update(institutions)
		.set({ approved: true })
		.where(and(eq(institutions.forumId, forumId), eq(institutions.id, id)))
		.run();
	if (result.changes === 1) refreshLiveStructure(db, workshopsWithRow(db, forumId, id), 'institution.approve');
	return result.changes === 1;
}

/** The forum's live matrices that have this institution as a row: where its record shows. */
function workshopsWithRow(db: Db, forumId: number, institutionId: number): number[] {
	const forumWorkshops = db
		.select({ id: workshops.id })
		.from(workshops)
		.where(eq(workshops.forumId, forumId))
		.all()
		.map((w) => w.id);
	return workshopsWithLiveDoc(db, forumWorkshops).filter((workshopId) =>
		matrixInstitutions(db, workshopId, forumId).some((i) => i.id === institutionId)
	);
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
