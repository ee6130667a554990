/**
 * Pilot sites (lokasi piloting) of a programme and their stage: survey, piloting, replication,
 * handover (pemandirian). A site is an official Kemendagri village code, checked on the server
 * against the area table whatever the page offered.
 */
import { and, asc, eq } from 'drizzle-orm';
import { describeAreas, findArea } from '../areas';
import type { Db } from '../db/client';
import { pilotSites, PILOT_STAGES } from '../db/schema';
import { InputError, InputReader } from '../validation';

export type PilotSite = typeof pilotSites.$inferSelect;

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

export function addPilotSite(db: Db, programmeId: number, input: FormData | Record<string, unknown>): PilotSite {
	const form = new InputReader(input);
	const areaCode = form.text('areaCode', { required: true, max: 13 });
	const stage = form.choice('stage', PILOT_STAGES, { required: false }) ?? 'piloting';
	const area = areaCode ? findArea(db, areaCode) : null;
	if (areaCode && (!area || area.level !== 4)) form.fail('areaCode', 'error.unknownArea');
	form.done();
	return db.transaction((tx) => {
		const exists = tx
			.select()
			.from(pilotSites)
			.where(and(eq(pilotSites.programmeId, programmeId), eq(pilotSites.areaCode, areaCode)))
			.get();
		if (exists) throw new InputError({ areaCode: { key: 'error.pilotExists' } });
		return tx.insert(pilotSites).values({ programmeId, areaCode, stage }).returning().get();
	});
}

function assertSite(db: Db, programmeId: number, id: number) {
	const site = Number.isInteger(id)
		? db.select().from(pilotSites).where(and(eq(pilotSites.programmeId, programmeId), eq(pilotSites.id, id))).get()
		: undefined;
	if (!site) throw new InputError({ id: { key: 'error.notFound' } });
	return site;
}

export function setPilotStage(db: Db, programmeId: number, id: number, input: FormData | Record<string, unknown>): void {
	const form = new InputReader(input);
	const stage = form.choice('stage', PILOT_STAGES);
	form.done();
	assertSite(db, programmeId, id);
	db.update(pilotSites).set({ stage: stage! }).where(eq(pilotSites.id, id)).run();
}

export function removePilotSite(db: Db, programmeId: number, id: number): void {
	assertSite(db, programmeId, id);
	db.delete(pilotSites).where(eq(pilotSites.id, id)).run();
}
