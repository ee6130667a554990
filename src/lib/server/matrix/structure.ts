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
import type { Db } from '../db/client';
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
function assertMatrixOpen(db: Db, workshopId: number) {
	if (isMatrixFrozen(db, workshopId)) throw new InputError({ matrix: { key: 'error.matrixFrozen' } });
}

/**
 * Components are shared by every workshop of the programme, so a column change waits while any of
 * them has a frozen matrix that is not yet signed (its minutes are about to cite that version).
 * Signed workshops keep their own frozen copy and do not hold the programme back.
 */
function assertProgrammeOpen(db: Db, programmeId: number, scope: ComponentScope) {
	const frozen = db
		.select({ id: workshops.id, title: workshops.title, status: workshops.status })
		.from(workshops)
		.where(eq(workshops.programmeId, programmeId))
		.all()
		.filter((w) => w.status !== 'signed' && isMatrixFrozen(db, w.id));
	if (frozen.length === 0) return;
	if (frozen.some((w) => w.id === scope.id)) throw new InputError({ matrix: { key: 'error.matrixFrozen' } });
	throw new InputError({ matrix: { key: 'component.frozenIn', params: { title: frozen[0]!.title } } });
}

function workshopsOfProgramme(db: Db, programmeId: number): number[] {
	return db
		.select({ id: workshops.id })
		.from(workshops)
		.where(eq(workshops.programmeId, programmeId))
		.all()
		.map((w) => w.id);
}

function findComponent(db: Db, programmeId: number, componentId: number): Component {
	const found = db
		.select()
		.from(components)
		.where(and(eq(components.programmeId, programmeId), eq(components.id, componentId)))
		.get();
	if (!found) throw new InputError({ id: { key: 'error.notFound' } });
	return found;
}

export function addComponent(db: Db, scope: ComponentScope, input: FormData | Record<string, unknown>): Component {
	const programmeId = programmeOf(scope);
	assertProgrammeOpen(db, programmeId, scope);
	const form = new InputReader(input);
	const name = form.text('name', { required: true, max: 160 });
	const kind = form.choice('kind', ['focus', 'action'] as const, { required: false }) ?? 'focus';
	form.done();
	const component = db.transaction((tx) => {
		const last = tx
			.select({ max: sql<number | null>`max(${components.position})` })
			.from(components)
			.where(eq(components.programmeId, programmeId))
			.get();
		return tx
			.insert(components)
			.values({ programmeId, name, kind, position: (last?.max ?? 0) + 1 })
			.returning()
			.get();
	});
	refreshLiveStructure(db, workshopsOfProgramme(db, programmeId), 'component.add');
	return component;
}

export function renameComponent(db: Db, scope: ComponentScope, componentId: number, input: FormData | Record<string, unknown>): void {
	const programmeId = programmeOf(scope);
	assertProgrammeOpen(db, programmeId, scope);
	const form = new InputReader(input);
	const name = form.text('name', { required: true, max: 160 });
	form.done();
	findComponent(db, programmeId, componentId);
	db.update(components).set({ name }).where(eq(components.id, componentId)).run();
	refreshLiveStructure(db, workshopsOfProgramme(db, programmeId), 'component.rename');
}

/** Swaps a component with its neighbour; positions are rewritten densely so order stays unambiguous. */
export function moveComponent(db: Db, scope: ComponentScope, componentId: number, direction: 'up' | 'down'): void {
	const programmeId = programmeOf(scope);
	assertProgrammeOpen(db, programmeId, scope);
	findComponent(db, programmeId, componentId);
	const moved = db.transaction((tx) => {
		const list = tx
			.select()
			.from(components)
			.where(eq(components.programmeId, programmeId))
			.orderBy(asc(components.position), asc(components.id))
			.all();
		const index = list.findIndex((c) => c.id === componentId);
		const target = direction === 'up' ? index - 1 : index + 1;
		if (target < 0 || target >= list.length) return false;
		[list[index], list[target]] = [list[target]!, list[index]!];
		list.forEach((c, i) => tx.update(components).set({ position: i + 1 }).where(eq(components.id, c.id)).run());
		return true;
	});
	if (moved) refreshLiveStructure(db, workshopsOfProgramme(db, programmeId), 'component.move');
}

/**
 * Removes a column from the programme, and from every live matrix of its workshops together with
 * its cells and consent marks. Frozen versions keep their own copy. A component that commitments
 * report against stays: removing it would orphan months of progress reports.
 */
export function removeComponent(db: Db, scope: ComponentScope, componentId: number): void {
	const programmeId = programmeOf(scope);
	assertProgrammeOpen(db, programmeId, scope);
	const component = findComponent(db, programmeId, componentId);
	db.transaction((tx) => {
		const used = tx.select({ id: commitments.id }).from(commitments).where(eq(commitments.componentId, componentId)).get();
		if (used) throw new InputError({ id: { key: 'component.inUse', params: { name: component.name } } });
		tx.delete(components).where(eq(components.id, componentId)).run();
	});
	refreshLiveStructure(db, workshopsOfProgramme(db, programmeId), 'component.remove');
}

/**
 * Replaces the invitation list; the matrix rows follow (invited plus checked-in institutions, or
 * every approved one while nobody is invited or present). Ids from another forum are refused.
 */
export function setWorkshopInvitations(db: Db, workshop: Workshop, institutionIds: number[]): void {
	const own = new Map(
		db
			.select({ id: institutions.id, retiredAt: institutions.retiredAt })
			.from(institutions)
			.where(eq(institutions.forumId, workshop.forumId))
			.all()
			.map((r) => [r.id, r])
	);
	if (institutionIds.some((id) => !own.has(id))) throw new InputError({ invited: { key: 'error.invalidChoice' } });
	// A retired institution keeps the invitations it had, but is not invited anew.
	const already = new Set(listInvited(db, workshop.id));
	const retired = institutionIds.find((id) => own.get(id)!.retiredAt !== null && !already.has(id));
	if (retired !== undefined) throw new InputError({ invited: { key: 'institution.retiredNotOffered' } });
	assertMatrixOpen(db, workshop.id);
	const wanted = new Set(institutionIds);
	db.transaction((tx) => {
		// Institutions that stay invited keep their code: it may already be printed on an undangan.
		const dropped = [...already].filter((id) => !wanted.has(id));
		if (dropped.length)
			tx.delete(workshopInvitations)
				.where(and(eq(workshopInvitations.workshopId, workshop.id), inArray(workshopInvitations.institutionId, dropped)))
				.run();
		for (const institutionId of wanted)
			if (!already.has(institutionId))
				tx.insert(workshopInvitations).values({ workshopId: workshop.id, institutionId, code: newInvitationCode(db) }).run();
	});
	refreshLiveStructure(db, [workshop.id], 'invitations');
}

function listInvited(db: Db, workshopId: number): number[] {
	return db
		.select({ id: workshopInvitations.institutionId })
		.from(workshopInvitations)
		.where(eq(workshopInvitations.workshopId, workshopId))
		.all()
		.map((r) => r.id);
}

/** Adds one institution as a matrix row (by inviting it), from the matrix page during the workshop. */
export function addInstitutionToWorkshop(db: Db, workshop: Workshop, institutionId: number): void {
	assertMatrixOpen(db, workshop.id);
	const inst = getInstitution(db, workshop.forumId, institutionId);
	if (!inst || !inst.approved || inst.retiredAt) throw new InputError({ institutionId: { key: 'error.invalidChoice' } });
	if (matrixInstitutions(db, workshop.id, workshop.forumId).some((i) => i.id === institutionId))
		throw new InputError({ institutionId: { key: 'error.alreadyInMatrix' } });
	db.insert(workshopInvitations).values({ workshopId: workshop.id, institutionId, code: newInvitationCode(db) }).onConflictDoNothing().run();
	refreshLiveStructure(db, [workshop.id], 'row.add');
}

/**
 * Moves a row up or down. Row order has no SQL column: it is the moderator's arrangement of the
 * live matrix (the frozen version records it), so only the document changes, and the answer waits
 * until that change is durable.
 */
export async function moveRow(db: Db, workshop: Workshop, institutionId: number, direction: 'up' | 'down'): Promise<void> {
	assertMatrixOpen(db, workshop.id);
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
