import { and, asc, eq } from 'drizzle-orm';
import type { Db } from '../db/client';
import { describeAreas, findArea } from '../areas';
import { components, pilotSites, PILOT_STAGES, programmes } from '../db/schema';
import { InputError, InputReader } from '../validation';

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
