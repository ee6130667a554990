import { beforeAll, describe, expect, it } from 'vitest';
import { eq } from 'drizzle-orm';
import * as Y from 'yjs';
import { cellKey, readMatrix, roomName, roots, WHOLE_MATRIX } from '../../src/lib/collab/matrix-doc';
import { checkIn } from '../../src/lib/server/workshops/join';
import { liveRooms } from '../../src/lib/server/collab/registry';
import { matrixInstitutions } from '../../src/lib/server/collab/seed';
import { getDb, type Db } from '../../src/lib/server/db/client';
import { collabSnapshots, collabUpdates, commitments } from '../../src/lib/server/db/schema';
import { seedDemo } from '../../src/lib/server/demo';
import { createInstitution, updateInstitution } from '../../src/lib/server/institutions/institutions';
import { freezeMatrix } from '../../src/lib/server/matrix/freeze';
import {
	addComponent,
	addInstitutionToWorkshop,
	moveComponent,
	removeComponent,
	renameComponent,
	setWorkshopInvitations
} from '../../src/lib/server/matrix/structure';
import { listComponents } from '../../src/lib/server/programmes/programmes';
import { InputError } from '../../src/lib/server/validation';
import { getWorkshop } from '../../src/lib/server/workshops/workshops';

// Structure operations reach the process-wide live rooms; point their database at memory first.
process.env.DATABASE_PATH = ':memory:';
process.env.MUFAKAT_LOG_LEVEL = 'warn';
let db: Db;

/** Demo: workshops 1 (closed) and 3 (live) share programme 1; only 3 has a live doc here. */
const LIVE = 3;
const NO_DOC = 1;
const PROGRAMME = 1;
const INKA = 14;
const workshop = async (id = LIVE) => (await getWorkshop(db, id))!;
const matrix = async (id = LIVE) => await liveRooms().read(id, readMatrix);
const stored = async (id: number) =>
	(await db.select().from(collabUpdates).where(eq(collabUpdates.room, roomName(id)))).length +
	(await db.select().from(collabSnapshots).where(eq(collabSnapshots.room, roomName(id)))).length;

/** The live doc shows exactly the structure SQL holds: columns in order, the workshop's rows, every cell. */
async function expectDocMatchesSql(workshopId = LIVE) {
	const m = await matrix(workshopId);
	expect(m.components.map((c) => [Number(c.id), c.name])).toEqual((await listComponents(db, PROGRAMME)).map((c) => [c.id, c.name]));
	const w = await workshop(workshopId);
	const rows = await matrixInstitutions(db, workshopId, w.forumId);
	expect(m.rows.map((r) => Number(r.id)).sort((a, b) => a - b)).toEqual(rows.map((i) => i.id).sort((a, b) => a - b));
	for (const r of m.rows) expect(r.shortName).toBe(rows.find((i) => String(i.id) === r.id)?.shortName);
	expect(Object.keys(m.cells)).toHaveLength(m.rows.length * m.components.length);
	expect(Object.keys(m.consent).sort()).toEqual(m.rows.map((r) => r.id).sort());
}

async function errorKey(fn: () => unknown): Promise<string> {
	try {
		await fn();
	} catch (e) {
		if (e instanceof InputError) return Object.values(e.errors)[0]!.key;
		throw e;
	}
	return 'no error';
}

beforeAll(async () => {
	db = getDb();
	await seedDemo(db);
	// The workshop is running: its room exists and INKA has written into column 3 and consented to it.
	await liveRooms().change(LIVE, (doc) => {
		const r = roots(doc);
		(r.cells.get(cellKey(INKA, 3))!.get('description') as Y.Text).insert(0, 'Pinjaman kemitraan TJSL');
		(r.cells.get(cellKey(INKA, 2))!.get('description') as Y.Text).insert(0, 'Data mitra binaan');
		r.consent.get(String(INKA))!.set(cellKey(INKA, 2), 'agree');
		r.consent.get(String(INKA))!.set(WHOLE_MATRIX, 'agree');
	});
});

describe('structure changes reach SQL and every live doc alike', () => {
	it('adds, renames and moves a column in SQL and in the open room', async () => {
		const added = await addComponent(db, await workshop(), { name: 'Replikasi ke 23 kelurahan', kind: 'action' });
		expect((await matrix()).components.at(-1)).toMatchObject({ id: String(added.id), name: 'Replikasi ke 23 kelurahan', position: 4 });
		expect((await matrix()).cells[cellKey(INKA, added.id)]?.description).toBe('');
		await expectDocMatchesSql();

		await renameComponent(db, await workshop(), added.id, { name: 'Replikasi bertahap' });
		expect((await listComponents(db, PROGRAMME)).at(-1)?.name).toBe('Replikasi bertahap');
		expect((await matrix()).components.at(-1)?.name).toBe('Replikasi bertahap');

		await moveComponent(db, await workshop(), added.id, 'up');
		expect((await listComponents(db, PROGRAMME)).map((c) => c.id)).toEqual([1, 2, added.id, 3]);
		expect((await matrix()).components.map((c) => [Number(c.id), c.position])).toEqual([
			[1, 1],
			[2, 2],
			[added.id, 3],
			[3, 4]
		]);
		await expectDocMatchesSql();
		// Content stays where it was written.
		expect((await matrix()).cells[cellKey(INKA, 3)]?.description).toBe('Pinjaman kemitraan TJSL');
	});

	it('removes a column with its cells and consent marks, keeping every other cell and mark', async () => {
		await removeComponent(db, await workshop(), 2);
		const m = await matrix();
		expect(m.components.map((c) => c.id)).not.toContain('2');
		expect(Object.keys(m.cells).filter((k) => k.endsWith(':2'))).toEqual([]);
		expect(m.consent[String(INKA)]).toEqual({ [WHOLE_MATRIX]: 'agree' });
		expect(m.cells[cellKey(INKA, 3)]?.description).toBe('Pinjaman kemitraan TJSL');
		await expectDocMatchesSql();
	});

	it('does not create a live doc for a workshop of the programme that never had one', async () => {
		expect(await stored(LIVE)).toBeGreaterThan(0);
		expect(await stored(NO_DOC)).toBe(0);
		expect(liveRooms().isLoaded(NO_DOC)).toBe(false);
	});

	it('updates every stored doc of the programme, loaded or not', async () => {
		await matrix(NO_DOC); // now it has one
		await liveRooms().closeAll(); // both stored, neither loaded
		await addComponent(db, await workshop(), { name: 'Evaluasi bersama' });
		expect((await matrix(NO_DOC)).components.at(-1)?.name).toBe('Evaluasi bersama');
		expect((await matrix(LIVE)).components.at(-1)?.name).toBe('Evaluasi bersama');
		await expectDocMatchesSql(NO_DOC);
		await expectDocMatchesSql(LIVE);
	});

	it('keeps a column that commitments report against', async () => {
		const used = (await listComponents(db, PROGRAMME))[0]!;
		await db.insert(commitments).values({ forumId: 1, programmeId: PROGRAMME, number: 'K-1', statement: 'Uji', componentId: used.id });
		expect(await errorKey(async () => await removeComponent(db, await workshop(), used.id))).toBe('component.inUse');
		expect((await matrix()).components.map((c) => Number(c.id))).toContain(used.id);
	});

	it('adds and removes rows with the invitation list, and a row for an institution added during the workshop', async () => {
		const invited = (await matrixInstitutions(db, LIVE, 1)).map((i) => i.id);
		await setWorkshopInvitations(db, await workshop(), invited.filter((id) => id !== INKA));
		let m = await matrix();
		expect(m.rows.map((r) => r.id)).not.toContain(String(INKA));
		expect(Object.keys(m.cells).filter((k) => k.startsWith(`${INKA}:`))).toEqual([]);
		expect(m.consent[String(INKA)]).toBeUndefined();
		await expectDocMatchesSql();

		await addInstitutionToWorkshop(db, await workshop(), INKA);
		m = await matrix();
		expect(m.rows.at(-1)).toMatchObject({ id: String(INKA), shortName: 'PT INKA' });
		expect(m.cells[cellKey(INKA, 3)]?.description).toBe('');
		expect(await errorKey(async () => await addInstitutionToWorkshop(db, await workshop(), INKA))).toBe('error.alreadyInMatrix');
		await expectDocMatchesSql();
	});

	it('shows a renamed institution and a walk-in institution’s check-in in the live matrix', async () => {
		await updateInstitution(db, 1, INKA, { officialName: 'PT Industri Kereta Api (Persero)', shortName: 'INKA', sector: 'bisnis' });
		expect((await matrix()).rows.find((r) => r.id === String(INKA))).toMatchObject({ name: 'PT Industri Kereta Api (Persero)', shortName: 'INKA' });

		const radio = await createInstitution(db, 1, { officialName: 'Radio Suara Madiun', shortName: 'Radio SM', sector: 'media' });
		await checkIn(db, await workshop(), { institutionId: String(radio.id), name: 'Dewi Lestari', jabatan: 'Penyiar', gender: 'P', phone: '' });
		expect((await matrix()).rows.at(-1)).toMatchObject({ id: String(radio.id), shortName: 'Radio SM' });
		await expectDocMatchesSql();
	});

	it('refuses structure changes once the matrix is frozen, and changes nothing', async () => {
		await freezeMatrix(db, await workshop(), null);
		const before = (await listComponents(db, PROGRAMME)).length;
		expect(await errorKey(async () => await addComponent(db, await workshop(), { name: 'Terlambat' }))).toBe('error.matrixFrozen');
		expect(await errorKey(async () => await removeComponent(db, await workshop(), (await listComponents(db, PROGRAMME)).at(-1)!.id))).toBe('error.matrixFrozen');
		expect(await listComponents(db, PROGRAMME)).toHaveLength(before);
		expect((await matrix()).components).toHaveLength(before);
	});
});
