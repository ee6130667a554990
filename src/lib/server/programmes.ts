import { and, asc, eq, sql } from 'drizzle-orm';
import type { Db } from './db/client';
import { describeAreas, findArea } from './areas';
import { components, pilotSites, PILOT_STAGES, programmes } from './db/schema';
import { InputError, InputReader } from './validation';

export function listProgrammes(db: Db, forumId: number) {
	return db.select().from(programmes).where(eq(programmes.forumId, forumId)).orderBy(asc(programmes.id)).all();
}

export function getProgramme(db: Db, id: number) {
	return db.select().from(programmes).where(eq(programmes.id, id)).get() ?? null;
}

export function createProgramme(db: Db, forumId: number, input: FormData | Record<string, unknown>) {
	const form = new InputReader(input);
	const name = form.text('name', { required: true, max: 200 });
	const vision = form.paragraph('vision', { max: 2000 });
	form.done();
	return db.insert(programmes).values({ forumId, name, vision }).returning().get();
}

export function listComponents(db: Db, programmeId: number) {
	return db
		.select()
		.from(components)
		.where(eq(components.programmeId, programmeId))
		.orderBy(asc(components.position), asc(components.id))
		.all();
}

export function addComponent(db: Db, programmeId: number, input: FormData | Record<string, unknown>) {
	const form = new InputReader(input);
	const name = form.text('name', { required: true, max: 160 });
	const kind = form.choice('kind', ['focus', 'action'] as const, { required: false }) ?? 'focus';
	form.done();
	const last = db
		.select({ max: sql<number | null>`max(${components.position})` })
		.from(components)
		.where(eq(components.programmeId, programmeId))
		.get();
	return db
		.insert(components)
		.values({ programmeId, name, kind, position: (last?.max ?? 0) + 1 })
		.returning()
		.get();
}

export function renameComponent(db: Db, programmeId: number, id: number, input: FormData | Record<string, unknown>) {
	const form = new InputReader(input);
	const name = form.text('name', { required: true, max: 160 });
	form.done();
	db.update(components)
		.set({ name })
		.where(and(eq(components.programmeId, programmeId), eq(components.id, id)))
		.run();
}

export function removeComponent(db: Db, programmeId: number, id: number): void {
	db.delete(components).where(and(eq(components.programmeId, programmeId), eq(components.id, id))).run();
}

/** Swaps a component with its neighbour; positions are rewritten densely so order stays unambiguous. */
export function moveComponent(db: Db, programmeId: number, id: number, direction: 'up' | 'down'): void {
	const list = listComponents(db, programmeId);
	const index = list.findIndex((c) => c.id === id);
	const target = direction === 'up' ? index - 1 : index + 1;
	if (index < 0 || target < 0 || target >= list.length) return;
	[list[index], list[target]] = [list[target]!, list[index]!];
	db.transaction((tx) => {
		list.forEach((c, i) => tx.update(components).set({ position: i + 1 }).where(eq(components.id, c.id)).run());
	});
}

export function listPilotSites(db: Db, programmeId: number) {
	const rows = db
		.select()
		.from(pilotSites)
		.where(eq(pilotSites.programmeId, programmeId))
		.orderBy(asc(pilotSites.id))
		.all();
	const paths = new Map(describeAreas(db, rows.map((r) => r.areaCode)).map((p) => [p.code, p]));
	return rows.map((r) => ({ ...r, area: paths.get(r.areaCode) ?? null }));
}

export function addPilotSite(db: Db, programmeId: number, input: FormData | Record<string, unknown>) {
	const form = new InputReader(input);
	const areaCode = form.text('areaCode', { required: true, max: 13 });
	const stage = form.choice('stage', PILOT_STAGES, { required: false }) ?? 'piloting';
	const area = areaCode ? findArea(db, areaCode) : null;
	if (areaCode && (!area || area.level !== 4)) form.fail('areaCode', 'error.unknownArea');
	form.done();
	const exists = db
		.select()
		.from(pilotSites)
		.where(and(eq(pilotSites.programmeId, programmeId), eq(pilotSites.areaCode, areaCode)))
		.get();
	if (exists) throw new InputError({ areaCode: { key: 'error.pilotExists' } });
	return db.insert(pilotSites).values({ programmeId, areaCode, stage }).returning().get();
}

export function setPilotStage(db: Db, programmeId: number, id: number, input: FormData | Record<string, unknown>) {
	const form = new InputReader(input);
	const stage = form.choice('stage', PILOT_STAGES);
	form.done();
	db.update(pilotSites)
		.set({ stage: stage! })
		.where(and(eq(pilotSites.programmeId, programmeId), eq(pilotSites.id, id)))
		.run();
}

export function removePilotSite(db: Db, programmeId: number, id: number): void {
	db.delete(pilotSites).where(and(eq(pilotSites.programmeId, programmeId), eq(pilotSites.id, id))).run();
}
