/**
 * Joint commitments (komitmen bersama): typed as plain text in the meeting or promoted from a
 * frozen matrix cell, completed later by the secretariat, who is prompted for what is missing.
 */
import { and, asc, eq, inArray, sql } from 'drizzle-orm';
import { areaCodeProblem, countVillagesUnder, describeAreas, findArea, type AreaPath } from '../areas';
import { transaction, type Db } from '../db/client';
import {
	areas,
	commitments,
	commitmentSites,
	commitmentSupporters,
	components,
	COMMITMENT_STATUSES,
	COMMITMENT_TYPES,
	evidenceFiles,
	institutions,
	matrixVersions,
	programmes,
	progressReports,
	workshops
} from '../db/schema';
import { evidenceDir, removeUnreferenced } from './evidence';
import { getMatrixVersion } from '../matrix/freeze';
import { readDecimal, type Commitment } from './progress';
import { parseDeadline } from '../../commitments/deadlines';
import { parseDecimal } from '../../commitments/periods';
import { InputError, InputReader } from '../validation';

export type { Commitment };

/** What the secretariat is prompted for, in the order a form asks it. */
export const COMMITMENT_FIELDS = ['indicator', 'unit', 'baseline', 'baselineSource', 'target', 'deadline', 'lead', 'supporters'] as const;
export type CommitmentField = (typeof COMMITMENT_FIELDS)[number];

/**
 * The fields still missing. Milestone and policy commitments are done or not done, so they need no
 * unit, baseline or target value; a baseline needs its year and source to be checkable.
 */
export function missingFields(c: Commitment, supporterCount: number): CommitmentField[] {
	const missing: CommitmentField[] = [];
	const numeric = c.type === 'numeric';
	if (!c.indicator) missing.push('indicator');
	if (numeric && !c.unit) missing.push('unit');
	if (numeric && c.baselineValue == null) missing.push('baseline');
	if (numeric && c.baselineValue != null && (c.baselineYear == null || !c.baselineSource)) missing.push('baselineSource');
	if (numeric && c.targetValue == null) missing.push('target');
	if (!c.targetDeadline) missing.push('deadline');
	if (c.leadInstitutionId == null) missing.push('lead');
	if (supporterCount === 0) missing.push('supporters');
	return missing;
}

export type CommitmentDetail = Commitment & {
	lead: { id: number; shortName: string; sector: string } | null;
	supporters: { id: number; shortName: string; sector: string }[];
	sites: AreaPath[];
	componentName: string | null;
	programmeName: string | null;
	missing: CommitmentField[];
};

/** Commitments of a forum (optionally one programme), by number, with names resolved. */
export async function listCommitments(db: Db, forumId: number, opts: { programmeId?: number | null; ids?: number[] } = {}): Promise<CommitmentDetail[]> {
	const conditions = [eq(commitments.forumId, forumId)];
	if (opts.programmeId != null) conditions.push(eq(commitments.programmeId, opts.programmeId));
	if (opts.ids) conditions.push(inArray(commitments.id, opts.ids.length ? opts.ids : [-1]));
	const rows = await db.select().from(commitments).where(and(...conditions));
	rows.sort((a, b) => a.number.localeCompare(b.number, 'id', { numeric: true }) || a.id - b.id);
	return await withDetails(db, rows);
}

async function withDetails(db: Db, rows: Commitment[]): Promise<CommitmentDetail[]> {
	if (rows.length === 0) return [];
	const ids = rows.map((r) => r.id);
	const supporterRows = await db.select().from(commitmentSupporters).where(inArray(commitmentSupporters.commitmentId, ids));
	const siteRows = await db.select().from(commitmentSites).where(inArray(commitmentSites.commitmentId, ids));
	const instIds = [...new Set([...rows.map((r) => r.leadInstitutionId), ...supporterRows.map((s) => s.institutionId)].filter((v): v is number => v != null))];
	const insts = new Map(
		instIds.length
			? (await db
					.select({ id: institutions.id, shortName: institutions.shortName, sector: institutions.sector })
					.from(institutions)
					.where(inArray(institutions.id, instIds)))
					.map((i) => [i.id, i])
			: []
	);
	const paths = new Map((await describeAreas(db, [...new Set(siteRows.map((s) => s.areaCode))])).map((p) => [p.code, p]));
	const compIds = [...new Set(rows.map((r) => r.componentId).filter((v): v is number => v != null))];
	const comps = new Map(compIds.length ? (await db.select().from(components).where(inArray(components.id, compIds))).map((c) => [c.id, c.name]) : []);
	const progIds = [...new Set(rows.map((r) => r.programmeId).filter((v): v is number => v != null))];
	const progs = new Map(progIds.length ? (await db.select().from(programmes).where(inArray(programmes.id, progIds))).map((p) => [p.id, p.name]) : []);
	return rows.map((r) => {
		const supporters = supporterRows
			.filter((s) => s.commitmentId === r.id)
			.map((s) => insts.get(s.institutionId))
			.filter((i): i is NonNullable<typeof i> => !!i)
			.sort((a, b) => a.shortName.localeCompare(b.shortName));
		return {
			...r,
			lead: r.leadInstitutionId != null ? (insts.get(r.leadInstitutionId) ?? null) : null,
			supporters,
			sites: siteRows
				.filter((s) => s.commitmentId === r.id)
				.map((s) => paths.get(s.areaCode) ?? { code: s.areaCode, name: s.areaCode, isKelurahan: false, district: '', regency: '', province: '' })
				.sort((a, b) => a.code.localeCompare(b.code)),
			componentName: r.componentId != null ? (comps.get(r.componentId) ?? null) : null,
			programmeName: r.programmeId != null ? (progs.get(r.programmeId) ?? null) : null,
			missing: missingFields(r, supporters.length)
		};
	});
}

export async function getCommitment(db: Db, forumId: number, id: number): Promise<Commitment | null> {
	if (!Number.isInteger(id)) return null;
	return (await db.select().from(commitments).where(and(eq(commitments.forumId, forumId), eq(commitments.id, id))))[0] ?? null;
}

export async function getCommitmentDetail(db: Db, forumId: number, id: number): Promise<CommitmentDetail | null> {
	const row = await getCommitment(db, forumId, id);
	return row ? (await withDetails(db, [row]))[0]! : null;
}

/** The next free whole number in a programme (or among a forum's commitments without one). */
async function nextNumber(db: Db, forumId: number, programmeId: number | null): Promise<number> {
	const taken = (await db
		.select({ number: commitments.number })
		.from(commitments)
		.where(and(eq(commitments.forumId, forumId), programmeId == null ? sql`${commitments.programmeId} is null` : eq(commitments.programmeId, programmeId))))
		.map((r) => Number(r.number))
		.filter((n) => Number.isInteger(n));
	return Math.max(0, ...taken) + 1;
}

async function numberTaken(db: Db, forumId: number, programmeId: number | null, number: string, exceptId?: number): Promise<boolean> {
	return (await db
		.select({ id: commitments.id })
		.from(commitments)
		.where(and(eq(commitments.forumId, forumId), programmeId == null ? sql`${commitments.programmeId} is null` : eq(commitments.programmeId, programmeId), eq(commitments.number, number))))
		.some((r) => r.id !== exceptId);
}

async function readProgramme(db: Db, form: InputReader, forumId: number, field = 'programmeId'): Promise<number | null> {
	const raw = form.text(field, { max: 12 });
	if (!raw) return null;
	const programme = (await db.select().from(programmes).where(eq(programmes.id, Number(raw))))[0];
	if (!programme || programme.forumId !== forumId) {
		form.fail(field, 'error.invalidChoice');
		return null;
	}
	return programme.id;
}

async function readWorkshop(db: Db, form: InputReader, forumId: number): Promise<number | null> {
	const raw = form.text('workshopId', { max: 12 });
	if (!raw) return null;
	const workshop = (await db.select().from(workshops).where(eq(workshops.id, Number(raw))))[0];
	if (!workshop || workshop.forumId !== forumId) {
		form.fail('workshopId', 'error.invalidChoice');
		return null;
	}
	return workshop.id;
}

async function forumInstitutionIds(db: Db, forumId: number): Promise<Set<number>> {
	return new Set(
		(await db
			.select({ id: institutions.id })
			.from(institutions)
			.where(and(eq(institutions.forumId, forumId), eq(institutions.approved, true))))
			.map((i) => i.id)
	);
}

/**
 * Commitments typed during a meeting: one per non-empty line, numbered on from the programme's
 * last number. Everything else is completed later.
 */
export async function createCommitmentsFromText(db: Db, forumId: number, input: FormData | Record<string, unknown>): Promise<Commitment[]> {
	const form = new InputReader(input);
	const text = form.paragraph('statements', { required: true, max: 20000 });
	const programmeId = await readProgramme(db, form, forumId);
	const workshopId = await readWorkshop(db, form, forumId);
	const lines = text
		.split(/\r?\n/)
		.map((l) => l.trim().replace(/\s+/g, ' ').replace(/^\d{1,3}[.)]\s+/, ''))
		.filter(Boolean);
	if (lines.some((l) => l.length > 1000)) form.fail('statements', 'commitment.lineTooLong', { max: 1000 });
	if (lines.length > 100) form.fail('statements', 'commitment.tooManyLines', { max: 100 });
	form.done();
	return await transaction(db, async (tx) => {
		let number = await nextNumber(tx, forumId, programmeId);
		const created = [];
		for (const statement of lines)
			created.push(
				(await tx
					.insert(commitments)
					.values({ forumId, programmeId, workshopId, number: String(number++), statement, status: 'active' })
					.returning())[0]!
			);
		return created;
	});
}

/**
 * The deadline as typed: a date from the date picker, or a period a person writes ("Triwulan I
 * 2026", "Semester II 2026", "Maret 2026", "15/03/2026"), stored as the period's last day.
 */
function readDeadline(form: InputReader): string | null {
	const text = form.text('targetDeadline', { max: 60 });
	if (!text) return null;
	const deadline = parseDeadline(text);
	if (!deadline) form.fail('targetDeadline', 'error.invalidDate');
	return deadline;
}

/** Whole Rupiah as offices type it: "20.000.000", "Rp 20.000.000", "20000000". */
function readRupiah(form: InputReader, field: string): number | null {
	const text = form.text(field, { max: 40 }).replace(/^rp\.?\s*/i, '').replace(/,-$|,00$/, '');
	if (!text) return null;
	const n = parseDecimal(text);
	if (n === null) form.fail(field, 'commitment.notNumber');
	else if (n < 0) form.fail(field, 'commitment.notNegative');
	else if (!Number.isSafeInteger(Math.round(n))) form.fail(field, 'commitment.notNumber');
	else return Math.round(n);
	return null;
}

/** Validates the full edit form; shared by update and (for its fields) by the demo. */
async function readCommitmentForm(db: Db, forumId: number, current: Commitment, input: FormData | Record<string, unknown>) {
	const form = new InputReader(input);
	const programmeId = await readProgramme(db, form, forumId);
	const number = form.text('number', { required: true, max: 20 });
	const statement = form.paragraph('statement', { required: true, max: 1000 }).replace(/\s+/g, ' ');
	const type = form.choice('type', COMMITMENT_TYPES) ?? 'numeric';
	const indicator = form.text('indicator', { max: 300 });
	const unit = form.text('unit', { max: 60 });
	const baselineValue = readDecimal(form, 'baselineValue', { min: 0 });
	const baselineYear = form.integer('baselineYear', { required: false, min: 1990, max: 2100 });
	const baselineSource = form.text('baselineSource', { max: 300 });
	const targetValue = readDecimal(form, 'targetValue', { min: 0 });
	const deadline = readDeadline(form);
	const budgetRupiah = readRupiah(form, 'budgetRupiah');
	const fundingSource = form.text('fundingSource', { max: 200 });
	const direction = form.choice('direction', ['up', 'down'] as const) ?? 'up';
	const status = form.choice('status', COMMITMENT_STATUSES) ?? 'active';
	const allowed = await forumInstitutionIds(db, forumId);
	const leadRaw = form.text('leadInstitutionId', { max: 12 });
	const leadInstitutionId = leadRaw ? Number(leadRaw) : null;
	if (leadInstitutionId != null && !allowed.has(leadInstitutionId)) form.fail('leadInstitutionId', 'error.invalidChoice');
	const raw = (name: string) => (input instanceof FormData ? input.getAll(name).map(String) : ([] as string[]).concat((input[name] as string[] | string | undefined) ?? []));
	const supporterIds = [...new Set(raw('supporterId').map(Number))].filter((id) => id !== leadInstitutionId);
	if (supporterIds.some((id) => !allowed.has(id))) form.fail('supporterId', 'error.invalidChoice');
	const componentRaw = form.text('componentId', { max: 12 });
	const componentId = componentRaw ? Number(componentRaw) : null;
	if (componentId != null) {
		const comp = (await db.select().from(components).where(eq(components.id, componentId)))[0];
		if (!comp || comp.programmeId !== programmeId) form.fail('componentId', 'error.invalidChoice');
	}
	const siteCodes = [...new Set(raw('siteCode').map((s) => s.trim()).filter(Boolean))];
	if (siteCodes.length > 100) form.fail('siteCode', 'error.invalidChoice');
	else if (siteCodes.length) {
		let problem = null;
		for (const c of siteCodes) if ((problem = await areaCodeProblem(db, c, { levels: [4] }))) break;
		if (problem) form.fail('siteCode', problem.key, problem.params);
	}
	if (number && await numberTaken(db, forumId, programmeId, number, current.id)) form.fail('number', 'commitment.numberTaken', { number });
	form.done();
	let targetDerivation = current.targetDerivation;
	let target = targetValue;
	// A derived target stays derived while nobody types over it; a new baseline re-derives it.
	if (targetDerivation && targetValue === current.targetValue) {
		if (targetDerivation.minusBaseline && baselineValue !== current.baselineValue)
			target = await countVillagesUnder(db, targetDerivation.areaCode) - (baselineValue ?? 0);
	} else targetDerivation = null;
	return {
		values: {
			programmeId,
			number,
			statement,
			type,
			indicator,
			unit,
			baselineValue,
			baselineYear,
			baselineSource,
			targetValue: target,
			targetDeadline: deadline,
			direction,
			budgetRupiah,
			fundingSource,
			status,
			leadInstitutionId,
			componentId,
			targetDerivation
		},
		supporterIds,
		siteCodes
	};
}

export async function updateCommitment(db: Db, forumId: number, id: number, input: FormData | Record<string, unknown>, now = new Date()): Promise<Commitment> {
	const current = await getCommitment(db, forumId, id);
	if (!current) throw new InputError({ id: { key: 'error.notFound' } });
	const { values, supporterIds, siteCodes } = await readCommitmentForm(db, forumId, current, input);
	return await transaction(db, async (tx) => {
		const row = (await tx.update(commitments).set({ ...values, updatedAt: now }).where(eq(commitments.id, id)).returning())[0]!;
		await tx.delete(commitmentSupporters).where(eq(commitmentSupporters.commitmentId, id));
		for (const institutionId of supporterIds) await tx.insert(commitmentSupporters).values({ commitmentId: id, institutionId });
		await tx.delete(commitmentSites).where(eq(commitmentSites.commitmentId, id));
		for (const areaCode of siteCodes) await tx.insert(commitmentSites).values({ commitmentId: id, areaCode });
		return row;
	});
}

/** Adds one village (found by the name search) to a commitment's sites. */
export async function addCommitmentSite(db: Db, forumId: number, id: number, input: FormData | Record<string, unknown>): Promise<void> {
	const form = new InputReader(input);
	const areaCode = form.text('areaCode', { required: true, max: 13 });
	const commitment = await getCommitment(db, forumId, id);
	if (!commitment) form.fail('id', 'error.notFound');
	const problem = areaCode ? await areaCodeProblem(db, areaCode, { levels: [4] }) : null;
	if (problem) form.fail('areaCode', problem.key, problem.params);
	form.done();
	await db.insert(commitmentSites).values({ commitmentId: id, areaCode }).onConflictDoNothing();
}

/** Deletes a commitment with its reports; evidence files nothing else points to leave the disk too. */
export async function deleteCommitment(db: Db, forumId: number, id: number, dir = evidenceDir()): Promise<void> {
	const files = (await db
		.select({ sha256: evidenceFiles.sha256 })
		.from(evidenceFiles)
		.innerJoin(progressReports, eq(progressReports.id, evidenceFiles.reportId))
		.where(eq(progressReports.commitmentId, id)))
		.filter((f) => f.sha256);
	await db.delete(commitments).where(and(eq(commitments.forumId, forumId), eq(commitments.id, id)));
	await removeUnreferenced(db, dir, files.map((f) => ({ sha256: f.sha256, created: true })));
}

/** Villages under an area code minus the baseline: "a BUMDes in every pekon that lacks one". */
export async function derivedTarget(db: Db, areaCode: string, baseline: number | null): Promise<{ villages: number; target: number; areaName: string } | null> {
	const area = await findArea(db, areaCode);
	if (!area || area.level >= 4) return null;
	const villages = await countVillagesUnder(db, area.code);
	return { villages, target: Math.max(0, villages - (baseline ?? 0)), areaName: area.name };
}

/** Sets the target to the number of villages under an area that the baseline does not yet cover. */
export async function applyDerivedTarget(db: Db, forumId: number, id: number, input: FormData | Record<string, unknown>, now = new Date()) {
	const form = new InputReader(input);
	const areaCode = form.text('areaCode', { required: true, max: 13 });
	const commitment = await getCommitment(db, forumId, id);
	if (!commitment) form.fail('id', 'error.notFound');
	else if (commitment.type !== 'numeric') form.fail('areaCode', 'commitment.deriveNumericOnly');
	const derived = areaCode ? await derivedTarget(db, areaCode, commitment?.baselineValue ?? null) : null;
	if (areaCode && !derived) form.fail('areaCode', 'commitment.deriveUnknownArea');
	form.done();
	await db.update(commitments)
		.set({ targetValue: derived!.target, targetDerivation: { areaCode, minusBaseline: true }, updatedAt: now })
		.where(eq(commitments.id, id));
	return { ...derived!, baseline: commitment!.baselineValue ?? 0 };
}

/** Workshops of a forum with their frozen matrix versions: where commitments can be promoted from. */
export async function frozenVersionsOf(db: Db, forumId: number) {
	return (await db
		.select({
			workshopId: workshops.id,
			title: workshops.title,
			date: workshops.date,
			version: matrixVersions.version,
			frozenAt: matrixVersions.frozenAt,
			current: sql<number>`${matrixVersions.supersededAt} is null`
		})
		.from(matrixVersions)
		.innerJoin(workshops, eq(workshops.id, matrixVersions.workshopId))
		.where(eq(workshops.forumId, forumId))
		.orderBy(sql`${workshops.date} desc`, sql`${matrixVersions.version} desc`))
		.map((r) => ({ ...r, current: Boolean(r.current) }));
}

async function promotedFrom(db: Db, workshopId: number) {
	return await db
		.select({ id: commitments.id, number: commitments.number, institutionId: commitments.sourceInstitutionId, componentId: commitments.sourceComponentId })
		.from(commitments)
		.innerJoin(matrixVersions, eq(matrixVersions.id, commitments.matrixVersionId))
		.where(eq(matrixVersions.workshopId, workshopId));
}

/** The non-empty cells of a frozen version, each with the commitment already promoted from it. */
export async function promotableCells(db: Db, forumId: number, workshopId: number, version: number) {
	const workshop = (await db.select().from(workshops).where(eq(workshops.id, workshopId)))[0];
	if (!workshop || workshop.forumId !== forumId) return null;
	const v = await getMatrixVersion(db, workshopId, version);
	if (!v) return null;
	const promoted = await promotedFrom(db, workshopId);
	const rowOrder = new Map(v.rows.map((r, i) => [Number(r.id), i]));
	const colOrder = new Map(v.components.map((c, i) => [Number(c.id), i]));
	return {
		workshop: { id: workshop.id, title: workshop.title, date: workshop.date },
		version: v.version,
		contentHash: v.contentHash,
		cells: v.cells
			.filter((c) => c.type || c.description.trim() || c.volume != null)
			.sort((a, b) => (rowOrder.get(a.institutionId) ?? 0) - (rowOrder.get(b.institutionId) ?? 0) || (colOrder.get(a.componentId) ?? 0) - (colOrder.get(b.componentId) ?? 0))
			.map((c) => ({
				...c,
				commitment: promoted.find((p) => p.institutionId === c.institutionId && p.componentId === c.componentId) ?? null
			}))
	};
}

/**
 * Makes a commitment of what one institution agreed in a frozen matrix cell, keeping the link to
 * the version and cell. A cell with a volume becomes a numeric commitment (its volume the target), a
 * KEBIJAKAN cell a policy commitment, anything else a milestone. The cell's pilot sites carry over.
 */
export async function promoteCellToCommitment(db: Db, forumId: number, input: FormData | Record<string, unknown>): Promise<Commitment> {
	const form = new InputReader(input);
	const workshopId = form.integer('workshopId', { min: 1 });
	const version = form.integer('version', { min: 1 });
	const institutionId = form.integer('institutionId', { min: 1 });
	const componentId = form.integer('componentId', { min: 1 });
	form.done();
	const workshop = (await db.select().from(workshops).where(eq(workshops.id, workshopId!)))[0];
	const v = workshop && workshop.forumId === forumId ? await getMatrixVersion(db, workshop.id, version!) : null;
	const cell = v?.cells.find((c) => c.institutionId === institutionId && c.componentId === componentId);
	if (!workshop || !v || !cell) throw new InputError({ cell: { key: 'commitment.cellNotFound' } });
	const already = (await promotedFrom(db, workshop.id)).find((p) => p.institutionId === institutionId && p.componentId === componentId);
	if (already) throw new InputError({ cell: { key: 'commitment.alreadyPromoted', params: { number: already.number } } });

	const leadInstitutionId = (await forumInstitutionIds(db, forumId)).has(cell.institutionId) ? cell.institutionId : null;
	const programmeId = workshop.programmeId;
	const comp = (await db.select().from(components).where(eq(components.id, cell.componentId)))[0];
	const knownSites = cell.sites.length
		? (await db.select({ code: areas.code }).from(areas).where(and(inArray(areas.code, cell.sites), eq(areas.level, 4)))).map((a) => a.code)
		: [];
	const statement = cell.description.trim().replace(/\s+/g, ' ') || `${cell.institutionName}: ${cell.componentName}`;
	return await transaction(db, async (tx) => {
		const row = (await tx
			.insert(commitments)
			.values({
				forumId,
				programmeId,
				workshopId: workshop.id,
				number: String(await nextNumber(tx, forumId, programmeId)),
				statement: statement.slice(0, 1000),
				type: cell.type === 'KEBIJAKAN' ? 'policy' : cell.volume != null ? 'numeric' : 'milestone',
				unit: cell.unit.slice(0, 60),
				targetValue: cell.volume,
				// "Triwulan I 2026" in the matrix becomes 2026-03-31; timing that names no period ("Bulanan") none.
				targetDeadline: parseDeadline(cell.timing),
				budgetRupiah: cell.valueRupiah,
				fundingSource: cell.fundingSource.slice(0, 200),
				leadInstitutionId,
				componentId: comp && comp.programmeId === programmeId ? comp.id : null,
				status: 'active',
				matrixVersionId: v.id,
				sourceInstitutionId: cell.institutionId,
				sourceComponentId: cell.componentId
			})
			.returning())[0]!;
		for (const areaCode of knownSites) await tx.insert(commitmentSites).values({ commitmentId: row.id, areaCode });
		return row;
	});
}

/** The frozen cell a promoted commitment came from, for the "agreed as" note. */
export async function sourceCellOf(db: Db, c: Commitment) {
	if (c.matrixVersionId == null) return null;
	const version = (await db.select().from(matrixVersions).where(eq(matrixVersions.id, c.matrixVersionId)))[0];
	if (!version) return null;
	const v = await getMatrixVersion(db, version.workshopId, version.version);
	const cell = v?.cells.find((x) => x.institutionId === c.sourceInstitutionId && x.componentId === c.sourceComponentId);
	const workshop = (await db.select({ id: workshops.id, title: workshops.title, date: workshops.date }).from(workshops).where(eq(workshops.id, version.workshopId)))[0];
	return cell && workshop ? { workshop, version: version.version, contentHash: version.contentHash, cell } : null;
}

export async function listForumProgrammes(db: Db, forumId: number) {
	return await db.select({ id: programmes.id, name: programmes.name }).from(programmes).where(eq(programmes.forumId, forumId)).orderBy(asc(programmes.id));
}
