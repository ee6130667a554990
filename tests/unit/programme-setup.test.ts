import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { memoryDb } from '../helpers/db';
import { importAreas } from '../../src/lib/server/areas';
import type { Db } from '../../src/lib/server/db/client';
import { commitments, forums, pilotSites, programmes } from '../../src/lib/server/db/schema';
import { addComponent, moveComponent, removeComponent, renameComponent } from '../../src/lib/server/matrix/structure';
import { addPilotSite, listPilotSites, removePilotSite, setPilotStage } from '../../src/lib/server/programmes/pilot-sites';
import { createProgramme, getForumProgramme, listComponents, updateProgramme, type Programme } from '../../src/lib/server/programmes/programmes';
import { InputError } from '../../src/lib/server/validation';

let db: Db;
let forumId: number;
let programme: Programme;
const scope = () => ({ programmeId: programme.id });
const names = async () => (await listComponents(db, programme.id)).map((c) => c.name);

async function errorKey(fn: () => unknown): Promise<string> {
	try {
		await fn();
	} catch (e) {
		if (e instanceof InputError) return Object.values(e.errors)[0]!.key;
		throw e;
	}
	return 'no error';
}

// The official area list is big: load it once into one database, and start each test with a new programme.
beforeAll(async () => {
	db = await memoryDb();
	await importAreas(db);
	forumId = (await db.insert(forums).values({ name: 'Forum Kampung', shortName: 'FK', regencyCode: '18.05', villageWord: 'kampung' }).returning())[0]!.id;
});
beforeEach(async () => {
	programme = await createProgramme(db, forumId, { name: 'Dana Kampung', vision: 'Kampung mandiri', legalBasis: 'Perbup 12/2024', listed: 'on' });
});

describe('programme details', () => {
	it('stores name, vision, legal basis and whether the front door lists it', async () => {
		expect(programme).toMatchObject({ name: 'Dana Kampung', legalBasis: 'Perbup 12/2024', listed: true });
		const updated = await updateProgramme(db, programme, { name: 'Dana Kampung 2025', vision: '', legalBasis: 'Perbup 3/2025' });
		expect(updated).toMatchObject({ name: 'Dana Kampung 2025', legalBasis: 'Perbup 3/2025', listed: false });
		expect(await errorKey(async () => await updateProgramme(db, updated, { name: '  ' }))).toBe('error.required');
		expect((await getForumProgramme(db, forumId, programme.id))?.name).toBe('Dana Kampung 2025');
		expect(await getForumProgramme(db, forumId + 1, programme.id)).toBeNull();
	});
});

describe('programme components', () => {
	it('keeps the order the moderator gives, with dense positions', async () => {
		for (const name of ['Kapasitas warga', 'Monitoring partisipatif', 'Profil UMKM']) await addComponent(db, scope(), { name });
		const [first, , third] = await listComponents(db, programme.id);
		await moveComponent(db, scope(), third!.id, 'up');
		expect(await names()).toEqual(['Kapasitas warga', 'Profil UMKM', 'Monitoring partisipatif']);
		await moveComponent(db, scope(), first!.id, 'up'); // already first: nothing moves
		await moveComponent(db, scope(), first!.id, 'down');
		expect(await names()).toEqual(['Profil UMKM', 'Kapasitas warga', 'Monitoring partisipatif']);
		expect((await listComponents(db, programme.id)).map((c) => c.position)).toEqual([1, 2, 3]);

		await renameComponent(db, scope(), first!.id, { name: 'Kapasitas warga kampung' });
		expect((await names())[1]).toBe('Kapasitas warga kampung');
		expect(await errorKey(async () => await renameComponent(db, scope(), first!.id, { name: '' }))).toBe('error.required');
	});

	it('removes a component unless commitments report against it', async () => {
		const used = await addComponent(db, scope(), { name: 'Dipakai' });
		const free = await addComponent(db, scope(), { name: 'Bebas' });
		await db.insert(commitments).values({ forumId, programmeId: programme.id, number: 'K-1', statement: 'Uji', componentId: used.id });
		expect(await errorKey(async () => await removeComponent(db, scope(), used.id))).toBe('component.inUse');
		await removeComponent(db, scope(), free.id);
		expect(await names()).toEqual(['Dipakai']);
	});

	it('refuses a component of another programme as not found', async () => {
		const other = await createProgramme(db, forumId, { name: 'Lain' });
		const theirs = await addComponent(db, { programmeId: other.id }, { name: 'Milik program lain' });
		expect(await errorKey(async () => await removeComponent(db, scope(), theirs.id))).toBe('error.notFound');
		expect(await listComponents(db, other.id)).toHaveLength(1);
	});
});

describe('pilot sites', () => {
	const count = async () => (await db.select().from(pilotSites)).filter((s) => s.programmeId === programme.id).length;

	it('refuses an area code that does not exist, or is not a village, and stores nothing', async () => {
		expect(await errorKey(async () => await addPilotSite(db, programme.id, { areaCode: '18.05.01.2999' }))).toBe('error.unknownArea');
		expect(await errorKey(async () => await addPilotSite(db, programme.id, { areaCode: '18.05.01' }))).toBe('error.unknownArea');
		expect(await errorKey(async () => await addPilotSite(db, programme.id, { areaCode: "35.77.03.10'" }))).toBe('error.unknownArea');
		expect(await errorKey(async () => await addPilotSite(db, programme.id, { areaCode: '' }))).toBe('error.required');
		expect(await count()).toBe(0);
	});

	it('adds real villages anywhere in Indonesia once each, changes their stage and removes them', async () => {
		const taman = await addPilotSite(db, programme.id, { areaCode: '35.77.03.1009' });
		expect(taman.stage).toBe('piloting');
		expect(await errorKey(async () => await addPilotSite(db, programme.id, { areaCode: '35.77.03.1009' }))).toBe('error.pilotExists');
		const desa = await addPilotSite(db, programme.id, { areaCode: '18.06.20.2005', stage: 'survey' });
		await setPilotStage(db, programme.id, taman.id, { stage: 'replication' });
		expect(await errorKey(async () => await setPilotStage(db, programme.id, taman.id, { stage: 'finished' }))).toBe('error.invalidChoice');
		const sites = await listPilotSites(db, programme.id);
		expect(sites.map((s) => [s.areaCode, s.stage, s.area?.name])).toEqual([
			['35.77.03.1009', 'replication', 'Taman'],
			['18.06.20.2005', 'survey', sites[1]!.area?.name]
		]);
		expect(sites[1]!.area?.isKelurahan).toBe(false);

		const other = await createProgramme(db, forumId, { name: 'Lain' });
		expect(await errorKey(async () => await removePilotSite(db, other.id, desa.id))).toBe('error.notFound');
		await removePilotSite(db, programme.id, desa.id);
		expect(await count()).toBe(1);
		expect((await db.select().from(programmes)).length).toBeGreaterThan(1);
	});
});
