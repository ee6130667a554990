/**
 * Pilot sites (lokasi piloting) of a programme and their stage: survey, piloting, replication,
 * handover (pemandirian). A site is an official Kemendagri village code, checked on the server
 * against the area table whatever the page offered.
 */
import { and, asc, eq } from 'drizzle-orm';
import { describeAreas, findArea } from '../areas';
import { transaction, type Db } from '../db/client';
import { pilotSites, PILOT_STAGES } from '../db/schema';
import { InputError, InputReader } from '../validation';

export type PilotSite = typeof pilotSites.$inferSelect;

export async function listPilotSites(db: Db, programmeId: number) {
	const rows = await db
		.select()
		.from(pilotSites)
		.where(eq(pilotSites.programmeId, programmeId))
		.orderBy(asc(pilotSites.id));
	const paths = new Map((await describeAreas(db, rows.map((r) => r.areaCode))).map((p) => [p.code, p]));
	return rows.map((r) => ({ ...r, area: paths.get(r.areaCode) ?? null }));
}

export async function addPilotSite(db: Db, programmeId: number, input: FormData | Record<string, unknown>): Promise<PilotSite> {
	const form = new InputReader(input);
	const areaCode = form.text('areaCode', { required: true, max: 13 });
	const stage = form.choice('stage', PILOT_STAGES, { required: false }) ?? 'piloting';
	const area = areaCode ? await findArea(db, areaCode) : null;
	if (areaCode && (!area || area.level !== 4)) form.fail('areaCode', 'error.unknownArea');
	form.done();
	return await transaction(db, async (tx) => {
		const exists = (await tx
			.select()
			.from(pilotSites)
			.where(and(eq(pilotSites.programmeId, programmeId), eq(pilotSites.areaCode, areaCode))))[0];
		if (exists) throw new InputError({ areaCode: { key: 'error.pilotExists' } });
		return (await tx.insert(pilotSites).values({ programmeId, areaCode, stage }).returning())[0]!;
	});
}

async function assertSite(db: Db, programmeId: number, id: number) {
	const site = Number.isInteger(id)
		? (await db.select().from(pilotSites).where(and(eq(pilotSites.programmeId, programmeId), eq(pilotSites.id, id))))[0]
		: undefined;
	if (!site) throw new InputError({ id: { key: 'error.notFound' } });
	return site;
}

export async function setPilotStage(db: Db, programmeId: number, id: number, input: FormData | Record<string, unknown>): Promise<void> {
	const form = new InputReader(input);
	const stage = form.choice('stage', PILOT_STAGES);
	form.done();
	await assertSite(db, programmeId, id);
	await db.update(pilotSites).set({ stage: stage! }).where(eq(pilotSites.id, id));
}

export async function removePilotSite(db: Db, programmeId: number, id: number): Promise<void> {
	await assertSite(db, programmeId, id);
	await db.delete(pilotSites).where(eq(pilotSites.id, id));
}
