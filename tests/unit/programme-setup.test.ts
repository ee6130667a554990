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
const names = () => listComponents(db, programme.id).map((c) => c.name);

function errorKey(fn: () => unknown): string {
	try {
		fn();
	} catch (e) {
		if (e instanceof InputError) return Object.values(e.errors)[0]!.key;
		throw e;
	}
	return 'no error';
}

// The official area list is big: load it once into one database, and start each test with a new programme.
beforeAll(() => {
	db = memoryDb();
	importAreas(db);
	forumId = db.insert(forums).values({ name: 'Forum Kampung', shortName: 'FK', regencyCode: '18.05', villageWord: 'kampung' }).returning().get().id;
});
beforeEach(() => {
	programme = createProgramme(db, forumId, { name: 'Dana Kampung', vision: 'Kampung mandiri', legalBasis: 'Perbup 12/2024', listed: 'on' });
});

describe('programme details', () => {
	it('stores name, vision, legal basis and whether the front door lists it', () => {
		expect(programme).toMatchObject({ name: 'Dana Kampung', legalBasis: 'Perbup 12/2024', listed: true });
		const updated = updateProgramme(db, programme, { name: 'Dana Kampung 2025', vision: '', legalBasis: 'Perbup 3/2025' });
		expect(updated).toMatchObject({ name: 'Dana Kampung 2025', legalBasis: 'Perbup 3/2025', listed: false });
		expect(errorKey(() => updateProgramme(db, updated, { name: '  ' }))).toBe('error.required');
		expect(getForumProgramme(db, forumId, programme.id)?.name).toBe('Dana Kampung 2025');
		expect(getForumProgramme(db, forumId + 1, programme.id)).toBeNull();
	});
});

describe('programme components', () => {
	it('keeps the order the moderator gives, with dense positions', () => {
		for (const name of ['Kapasitas warga', 'Monitoring partisipatif', 'Profil UMKM']) addComponent(db, scope(), { name });
		const [first, , third] = listComponents(db, programme.id);
		moveComponent(db, scope(), third!.id, 'up');
		expect(names()).toEqual(['Kapasitas warga', 'Profil UMKM', 'Monitoring partisipatif']);
		moveComponent(db, scope(), first!.id, 'up'); // already first: nothing moves
		moveComponent(db, scope(), first!.id, 'down');
		expect(names()).toEqual(['Profil UMKM', 'Kapasitas warga', 'Monitoring partisipatif']);
		expect(listComponents(db, programme.id).map((c) => c.position)).toEqual([1, 2, 3]);

		renameComponent(db, scope(), first!.id, { name: 'Kapasitas warga kampung' });
		expect(names()[1]).toBe('Kapasitas warga kampung');
		expect(errorKey(() => renameComponent(db, scope(), first!.id, { name: '' }))).toBe('error.required');
	});

	it('removes a component unless commitments report against it', () => {
		const used = addComponent(db, scope(), { name: 'Dipakai' });
		const free = addComponent(db, scope(), { name: 'Bebas' });
		db.insert(commitments).values({ forumId, programmeId: programme.id, number: 'K-1', statement: 'Uji', componentId: used.id }).run();
		expect(errorKey(() => removeComponent(db, scope(), used.id))).toBe('component.inUse');
		removeComponent(db, scope(), free.id);
		expect(names()).toEqual(['Dipakai']);
	});

	it('refuses a component of another programme as not found', () => {
		const other = createProgramme(db, forumId, { name: 'Lain' });
		const theirs = addComponent(db, { programmeId: other.id }, { name: 'Milik program lain' });
		expect(errorKey(() => removeComponent(db, scope(), theirs.id))).toBe('error.notFound');
		expect(listComponents(db, other.id)).toHaveLength(1);
	});
});

describe('pilot sites', () => {
	const count = () => db.select().from(pilotSites).all().filter((s) => s.programmeId === programme.id).length;

	it('refuses an area code that does not exist, or is not a village, and stores nothing', () => {
		expect(errorKey(() => addPilotSite(db, programme.id, { areaCode: '18.05.01.2999' }))).toBe('error.unknownArea');
		expect(errorKey(() => addPilotSite(db, programme.id, { areaCode: '18.05.01' }))).toBe('error.unknownArea');
		expect(errorKey(() => addPilotSite(db, programme.id, { areaCode: "35.77.03.10'" }))).toBe('error.unknownArea');
		expect(errorKey(() => addPilotSite(db, programme.id, { areaCode: '' }))).toBe('error.required');
		expect(count()).toBe(0);
	});

	it('adds real villages anywhere in Indonesia once each, changes their stage and removes them', () => {
		const taman = addPilotSite(db, programme.id, { areaCode: '35.77.03.1009' });
		expect(taman.stage).toBe('piloting');
		expect(errorKey(() => addPilotSite(db, programme.id, { areaCode: '35.77.03.1009' }))).toBe('error.pilotExists');
		const desa = addPilotSite(db, programme.id, { areaCode: '18.06.20.2005', stage: 'survey' });
		setPilotStage(db, programme.id, taman.id, { stage: 'replication' });
		expect(errorKey(() => setPilotStage(db, programme.id, taman.id, { stage: 'finished' }))).toBe('error.invalidChoice');
		const sites = listPilotSites(db, programme.id);
		expect(sites.map((s) => [s.areaCode, s.stage, s.area?.name])).toEqual([
			['35.77.03.1009', 'replication', 'Taman'],
			['18.06.20.2005', 'survey', sites[1]!.area?.name]
		]);
		expect(sites[1]!.area?.isKelurahan).toBe(false);

		const other = createProgramme(db, forumId, { name: 'Lain' });
		expect(errorKey(() => removePilotSite(db, other.id, desa.id))).toBe('error.notFound');
		removePilotSite(db, programme.id, desa.id);
		expect(count()).toBe(1);
		expect(db.select().from(programmes).all().length).toBeGreaterThan(1);
	});
});
