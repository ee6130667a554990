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
const workshop = (id = LIVE) => getWorkshop(db, id)!;
const matrix = (id = LIVE) => liveRooms().read(id, readMatrix);
const stored = (id: number) =>
	db.select().from(collabUpdates).where(eq(collabUpdates.room, roomName(id))).all().length +
	db.select().from(collabSnapshots).where(eq(collabSnapshots.room, roomName(id))).all().length;

/** The live doc shows exactly the structure SQL holds: columns in order, the workshop's rows, every cell. */
function expectDocMatchesSql(workshopId = LIVE) {
	const m = matrix(workshopId);
	expect(m.components.map((c) => [Number(c.id), c.name])).toEqual(listComponents(db, PROGRAMME).map((c) => [c.id, c.name]));
	const w = workshop(workshopId);
	const rows = matrixInstitutions(db, workshopId, w.forumId);
	expect(m.rows.map((r) => Number(r.id)).sort((a, b) => a - b)).toEqual(rows.map((i) => i.id).sort((a, b) => a - b));
	for (const r of m.rows) expect(r.shortName).toBe(rows.find((i) => String(i.id) === r.id)?.shortName);
	expect(Object.keys(m.cells)).toHaveLength(m.rows.length * m.components.length);
	expect(Object.keys(m.consent).sort()).toEqual(m.rows.map((r) => r.id).sort());
}

function errorKey(fn: () => unknown): string {
	try {
		fn();
	} catch (e) {
		if (e instanceof InputError) return Object.values(e.errors)[0]!.key;
		throw e;
	}
	return 'no error';
}

beforeAll(() => {
	db = getDb();
	seedDemo(db);
	// The workshop is running: its room exists and INKA has written into column 3 and consented to it.
	liveRooms().change(LIVE, (doc) => {
		const r = roots(doc);
		(r.cells.get(cellKey(INKA, 3))!.get('description') as Y.Text).insert(0, 'Pinjaman kemitraan TJSL');
		(r.cells.get(cellKey(INKA, 2))!.get('description') as Y.Text).insert(0, 'Data mitra binaan');
		r.consent.get(String(INKA))!.set(cellKey(INKA, 2), 'agree');
		r.consent.get(String(INKA))!.set(WHOLE_MATRIX, 'agree');
	});
});

describe('structure changes reach SQL and every live doc alike', () => {
	it('adds, renames and moves a column in SQL and in the open room', () => {
		const added = addComponent(db, workshop(), { name: 'Replikasi ke 23 kelurahan', kind: 'action' });
		expect(matrix().components.at(-1)).toMatchObject({ id: String(added.id), name: 'Replikasi ke 23 kelurahan', position: 4 });
		expect(matrix().cells[cellKey(INKA, added.id)]?.description).toBe('');
		expectDocMatchesSql();

		renameComponent(db, workshop(), added.id, { name: 'Replikasi bertahap' });
		expect(listComponents(db, PROGRAMME).at(-1)?.name).toBe('Replikasi bertahap');
		expect(matrix().components.at(-1)?.name).toBe('Replikasi bertahap');

		moveComponent(db, workshop(), added.id, 'up');
		expect(listComponents(db, PROGRAMME).map((c) => c.id)).toEqual([1, 2, added.id, 3]);
		expect(matrix().components.map((c) => [Number(c.id), c.position])).toEqual([
			[1, 1],
			[2, 2],
			[added.id, 3],
			[3, 4]
		]);
		expectDocMatchesSql();
		// Content stays where it was written.
		expect(matrix().cells[cellKey(INKA, 3)]?.description).toBe('Pinjaman kemitraan TJSL');
	});

	it('removes a column with its cells and consent marks, keeping every other cell and mark', () => {
		removeComponent(db, workshop(), 2);
		const m = matrix();
		expect(m.components.map((c) => c.id)).not.toContain('2');
		expect(Object.keys(m.cells).filter((k) => k.endsWith(':2'))).toEqual([]);
		expect(m.consent[String(INKA)]).toEqual({ [WHOLE_MATRIX]: 'agree' });
		expect(m.cells[cellKey(INKA, 3)]?.description).toBe('Pinjaman kemitraan TJSL');
		expectDocMatchesSql();
	});

	it('does not create a live doc for a workshop of the programme that never had one', () => {
		expect(stored(LIVE)).toBeGreaterThan(0);
		expect(stored(NO_DOC)).toBe(0);
		expect(liveRooms().rooms.has(NO_DOC)).toBe(false);
	});

	it('updates every stored doc of the programme, loaded or not', async () => {
		matrix(NO_DOC); // now it has one
		await liveRooms().closeAll(); // both stored, neither loaded
		addComponent(db, workshop(), { name: 'Evaluasi bersama' });
		expect(matrix(NO_DOC).components.at(-1)?.name).toBe('Evaluasi bersama');
		expect(matrix(LIVE).components.at(-1)?.name).toBe('Evaluasi bersama');
		expectDocMatchesSql(NO_DOC);
		expectDocMatchesSql(LIVE);
	});

	it('keeps a column that commitments report against', () => {
		const used = listComponents(db, PROGRAMME)[0]!;
		db.insert(commitments).values({ forumId: 1, programmeId: PROGRAMME, number: 'K-1', statement: 'Uji', componentId: used.id }).run();
		expect(errorKey(() => removeComponent(db, workshop(), used.id))).toBe('component.inUse');
		expect(matrix().components.map((c) => Number(c.id))).toContain(used.id);
	});

	it('adds and removes rows with the invitation list, and a row for an institution added during the workshop', () => {
		const invited = matrixInstitutions(db, LIVE, 1).map((i) => i.id);
		setWorkshopInvitations(db, workshop(), invited.filter((id) => id !== INKA));
		let m = matrix();
		expect(m.rows.map((r) => r.id)).not.toContain(String(INKA));
		expect(Object.keys(m.cells).filter((k) => k.startsWith(`${INKA}:`))).toEqual([]);
		expect(m.consent[String(INKA)]).toBeUndefined();
		expectDocMatchesSql();

		addInstitutionToWorkshop(db, workshop(), INKA);
		m = matrix();
		expect(m.rows.at(-1)).toMatchObject({ id: String(INKA), shortName: 'PT INKA' });
		expect(m.cells[cellKey(INKA, 3)]?.description).toBe('');
		expect(errorKey(() => addInstitutionToWorkshop(db, workshop(), INKA))).toBe('error.alreadyInMatrix');
		expectDocMatchesSql();
	});

	it('shows a renamed institution and a walk-in institution’s check-in in the live matrix', () => {
		updateInstitution(db, 1, INKA, { officialName: 'PT Industri Kereta Api (Persero)', shortName: 'INKA', sector: 'bisnis' });
		expect(matrix().rows.find((r) => r.id === String(INKA))).toMatchObject({ name: 'PT Industri Kereta Api (Persero)', shortName: 'INKA' });

		const radio = createInstitution(db, 1, { officialName: 'Radio Suara Madiun', shortName: 'Radio SM', sector: 'media' });
		checkIn(db, workshop(), { institutionId: String(radio.id), name: 'Dewi Lestari', jabatan: 'Penyiar', gender: 'P', phone: '' });
		expect(matrix().rows.at(-1)).toMatchObject({ id: String(radio.id), shortName: 'Radio SM' });
		expectDocMatchesSql();
	});

	it('refuses structure changes once the matrix is frozen, and changes nothing', async () => {
		await freezeMatrix(db, workshop(), null);
		const before = listComponents(db, PROGRAMME).length;
		expect(errorKey(() => addComponent(db, workshop(), { name: 'Terlambat' }))).toBe('error.matrixFrozen');
		expect(errorKey(() => removeComponent(db, workshop(), listComponents(db, PROGRAMME).at(-1)!.id))).toBe('error.matrixFrozen');
		expect(listComponents(db, PROGRAMME)).toHaveLength(before);
		expect(matrix().components).toHaveLength(before);
	});
});
