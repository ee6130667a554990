/**
 * The matrix's structure: its columns (the components of the workshop's programme) and its rows
 * (the institutions invited to or present at the workshop). Every structural change goes through
 * one function here, from the setup page and the matrix page alike: it changes SQL in one
 * transaction, then brings every live document concerned in step (loaded or stored, never creating
 * one), so a room that is open shows the change at once and a room loaded later has nothing to
 * repair. A programme's components are shared by all its workshops, so a column change reaches
 * each of their documents.
 */
import { and, asc, eq, inArray, sql } from 'drizzle-orm';
import { readMatrix, roots } from '../../collab/matrix-doc';
import { liveRooms, refreshLiveStructure } from '../collab/registry';
import { matrixInstitutions } from '../collab/seed';
import { affectedRows, type Db } from '../db/client';
import { transaction } from '../db/client';
import { commitments, components, institutions, workshopInvitations, workshops } from '../db/schema';
import { getInstitution } from '../institutions/institutions';
import { InputError, InputReader } from '../validation';
import { newInvitationCode, type Workshop } from '../workshops/workshops';
import { isMatrixFrozen } from './freeze';

export type Component = typeof components.$inferSelect;

/**
 * Whose components are changed: a programme, named directly (programme setup) or through one of its
 * workshops (workshop setup, matrix page). Both reach the same columns.
 */
/** `id` is the workshop's own id when the scope is a workshop. */
export type ComponentScope = { programmeId: number | null; id?: number };

function programmeOf(scope: ComponentScope): number {
	if (!scope.programmeId) throw new InputError({ programmeId: { key: 'component.needProgramme' } });
	return scope.programmeId;
}

/** A frozen matrix is what the minutes cite: its structure changes only after unfreezing. */
async function assertMatrixOpen(db: Db, workshopId: number) {
	if (await isMatrixFrozen(db, workshopId)) throw new InputError({ matrix: { key: 'error.matrixFrozen' } });
}

/**
 * Components are shared by every workshop of the programme, so a column change waits while any of
 * them has a frozen matrix that is not yet signed (its minutes are about to cite that version).
 * Signed workshops keep their own frozen copy and do not hold the programme back.
 */
async function assertProgrammeOpen(db: Db, programmeId: number, scope: ComponentScope) {
	const frozen = (await db
		.select({ id: workshops.id, title: workshops.title, status: workshops.status })
		.from(workshops)
		.where(eq(workshops.programmeId, programmeId)))
		.filter((w) => w.status !== 'signed');
	for (const w of [...frozen]) if (!(await isMatrixFrozen(db, w.id))) frozen.splice(frozen.indexOf(w), 1);
	if (frozen.length === 0) return;
	if (frozen.some((w) => w.id === scope.id)) throw new InputError({ matrix: { key: 'error.matrixFrozen' } });
	throw new InputError({ matrix: { key: 'component.frozenIn', params: { title: frozen[0]!.title } } });
}

async function workshopsOfProgramme(db: Db, programmeId: number): Promise<number[]> {
	return (await db
		.select({ id: workshops.id })
		.from(workshops)
		.where(eq(workshops.programmeId, programmeId)))
		.map((w) => w.id);
}

async function findComponent(db: Db, programmeId: number, componentId: number): Promise<Component> {
	const found = (await db
		.select()
		.from(components)
		.where(and(eq(components.programmeId, programmeId), eq(components.id, componentId))))[0];
	if (!found) throw new InputError({ id: { key: 'error.notFound' } });
	return found;
}

export async function addComponent(db: Db, scope: ComponentScope, input: FormData | Record<string, unknown>): Promise<Component> {
	const programmeId = programmeOf(scope);
	await assertProgrammeOpen(db, programmeId, scope);
	const form = new InputReader(input);
	const name = form.text('name', { required: true, max: 160 });
	const kind = form.choice('kind', ['focus', 'action'] as const, { required: false }) ?? 'focus';
	form.done();
	const component = await transaction(db, async (tx) => {
		const last = (await tx
			.select({ max: sql<number | null>`max(${components.position})` })
			.from(components)
			.where(eq(components.programmeId, programmeId)))[0];
		return (await tx
			.insert(components)
			.values({ programmeId, name, kind, position: (last?.max ?? 0) + 1 })
			.returning())[0]!;
	});
	await refreshLiveStructure(db, await workshopsOfProgramme(db, programmeId), 'component.add');
	return component;
}

export async function renameComponent(db: Db, scope: ComponentScope, componentId: number, input: FormData | Record<string, unknown>): Promise<void> {
	const programmeId = programmeOf(scope);
	await assertProgrammeOpen(db, programmeId, scope);
	const form = new InputReader(input);
	const name = form.text('name', { required: true, max: 160 });
	form.done();
	await findComponent(db, programmeId, componentId);
	await db.update(components).set({ name }).where(eq(components.id, componentId));
	await refreshLiveStructure(db, await workshopsOfProgramme(db, programmeId), 'component.rename');
}

/** Swaps a component with its neighbour; positions are rewritten densely so order stays unambiguous. */
export async function moveComponent(db: Db, scope: ComponentScope, componentId: number, direction: 'up' | 'down'): Promise<void> {
	const programmeId = programmeOf(scope);
	await assertProgrammeOpen(db, programmeId, scope);
	await findComponent(db, programmeId, componentId);
	const moved = await transaction(db, async (tx) => {
		const list = await tx
			.select()
			.from(components)
			.where(eq(components.programmeId, programmeId))
			.orderBy(asc(components.position), asc(components.id));
		const index = list.findIndex((c) => c.id === componentId);
		const target = direction === 'up' ? index - 1 : index + 1;
		if (target < 0 || target >= list.length) return false;
		[list[index], list[target]] = [list[target]!, list[index]!];
		for (const [i, c] of list.entries()) await tx.update(components).set({ position: i + 1 }).where(eq(components.id, c.id));
		return true;
	});
	if (moved) await refreshLiveStructure(db, await workshopsOfProgramme(db, programmeId), 'component.move');
}

/**
 * Removes a column from the programme, and from every live matrix of its workshops together with
 * its cells and consent marks. Frozen versions keep their own copy. A component that commitments
 * report against stays: removing it would orphan months of progress reports.
 */
export async function removeComponent(db: Db, scope: ComponentScope, componentId: number): Promise<void> {
	const programmeId = programmeOf(scope);
	await assertProgrammeOpen(db, programmeId, scope);
	const component = await findComponent(db, programmeId, componentId);
	await transaction(db, async (tx) => {
		const used = (await tx.select({ id: commitments.id }).from(commitments).where(eq(commitments.componentId, componentId)))[0];
		if (used) throw new InputError({ id: { key: 'component.inUse', params: { name: component.name } } });
		await tx.delete(components).where(eq(components.id, componentId));
	});
	await refreshLiveStructure(db, await workshopsOfProgramme(db, programmeId), 'component.remove');
}

/**
 * Replaces the invitation list; the matrix rows follow (invited plus checked-in institutions, or
 * every approved one while nobody is invited or present). Ids from another forum are refused.
 */
export async function setWorkshopInvitations(db: Db, workshop: Workshop, institutionIds: number[]): Promise<void> {
	const own = new Map(
		(await db
			.select({ id: institutions.id, retiredAt: institutions.retiredAt })
			.from(institutions)
			.where(eq(institutions.forumId, workshop.forumId)))
			.map((r) => [r.id, r])
	);
	if (institutionIds.some((id) => !own.has(id))) throw new InputError({ invited: { key: 'error.invalidChoice' } });
	// A retired institution keeps the invitations it had, but is not invited anew.
	const already = new Set(await listInvited(db, workshop.id));
	const retired = institutionIds.find((id) => own.get(id)!.retiredAt !== null && !already.has(id));
	if (retired !== undefined) throw new InputError({ invited: { key: 'institution.retiredNotOffered' } });
	await assertMatrixOpen(db, workshop.id);
	const wanted = new Set(institutionIds);
	await transaction(db, async (tx) => {
		// Institutions that stay invited keep their code: it may already be printed on an undangan.
		const dropped = [...already].filter((id) => !wanted.has(id));
		if (dropped.length)
			await tx.delete(workshopInvitations)
				.where(and(eq(workshopInvitations.workshopId, workshop.id), inArray(workshopInvitations.institutionId, dropped)));
		for (const institutionId of wanted)
			if (!already.has(institutionId))
				await tx.insert(workshopInvitations).values({ workshopId: workshop.id, institutionId, code: await newInvitationCode(tx) });
	});
	await refreshLiveStructure(db, [workshop.id], 'invitations');
}

async function listInvited(db: Db, workshopId: number): Promise<number[]> {
	return (await db
		.select({ id: workshopInvitations.institutionId })
		.from(workshopInvitations)
		.where(eq(workshopInvitations.workshopId, workshopId)))
		.map((r) => r.id);
}

/** Adds one institution as a matrix row (by inviting it), from the matrix page during the workshop. */
export async function addInstitutionToWorkshop(db: Db, workshop: Workshop, institutionId: number): Promise<void> {
	await assertMatrixOpen(db, workshop.id);
	const inst = await getInstitution(db, workshop.forumId, institutionId);
	if (!inst || !inst.approved || inst.retiredAt) throw new InputError({ institutionId: { key: 'error.invalidChoice' } });
	if ((await matrixInstitutions(db, workshop.id, workshop.forumId)).some((i) => i.id === institutionId))
		throw new InputError({ institutionId: { key: 'error.alreadyInMatrix' } });
	await db.insert(workshopInvitations).values({ workshopId: workshop.id, institutionId, code: await newInvitationCode(db) }).onConflictDoNothing();
	await refreshLiveStructure(db, [workshop.id], 'row.add');
}

/**
 * Moves a row up or down. Row order has no SQL column: it is the moderator's arrangement of the
 * live matrix (the frozen version records it), so only the document changes, and the answer waits
 * until that change is durable.
 */
export async function moveRow(db: Db, workshop: Workshop, institutionId: number, direction: 'up' | 'down'): Promise<void> {
	await assertMatrixOpen(db, workshop.id);
	await liveRooms().change(workshop.id, (doc) => {
		const rows = readMatrix(doc).rows;
		const index = rows.findIndex((r) => r.id === String(institutionId));
		const target = direction === 'up' ? index - 1 : index + 1;
		if (index < 0 || target < 0 || target >= rows.length) return;
		[rows[index], rows[target]] = [rows[target]!, rows[index]!];
		const map = roots(doc).rows;
		rows.forEach((r, i) => {
			if (r.position !== i + 1) map.get(r.id)?.set('position', i + 1);
		});
	});
}
