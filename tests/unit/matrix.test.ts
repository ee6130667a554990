import { beforeAll, describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import * as Y from 'yjs';
import { canonicalMatrixJson, cellKey, readMatrix, roots } from '../../src/lib/collab/matrix-doc';
import { getDb, type Db } from '../../src/lib/server/db/client';
import { seedDemo } from '../../src/lib/server/demo';
import { liveRooms } from '../../src/lib/server/collab/registry';
import { freezeMatrix, listMatrixVersions, unfreezeMatrix } from '../../src/lib/server/matrix/freeze';
import { matrixVersionCsv, matrixVersionXlsx } from '../../src/lib/server/matrix/exports';
import { addComponent, addInstitutionToWorkshop, moveRow } from '../../src/lib/server/matrix/structure';
import { getWorkshop } from '../../src/lib/server/workshops/workshops';
import { createInstitution } from '../../src/lib/server/institutions/institutions';
import { InputError } from '../../src/lib/server/validation';

// The live rooms use the process-wide database; point it at memory before first use.
process.env.DATABASE_PATH = ':memory:';
let db: Db;

beforeAll(async () => {
	db = getDb();
	await seedDemo(db);
});

const workshop = async () => (await getWorkshop(db, 1))!;
const write = (fn: (doc: Y.Doc) => void) => liveRooms().change(1, fn);

describe('the live matrix and its frozen versions', () => {
	it('seeds the room from the workshop: invited institutions × programme components, cells ready', async () => {
		const m = await liveRooms().read(1, readMatrix);
		expect(m.components.map((c) => c.name)).toEqual([
			'Peningkatan kapasitas warga untuk berpartisipasi',
			'Monitoring partisipatif program',
			'Profiling UMKM lapak kelurahan'
		]);
		expect(m.rows).toHaveLength(17);
		expect(m.rows[0]?.sector).toBe('pemerintah');
		expect(Object.keys(m.cells)).toHaveLength(17 * 3);
	});

	it('adds a component and a row live, with cells for every new pair', async () => {
		await addComponent(db, await workshop(), { name: 'Replikasi ke 23 kelurahan' });
		const media = await createInstitution(db, 1, { officialName: 'Radio Suara Madiun', shortName: 'Radio SM', sector: 'media' });
		await addInstitutionToWorkshop(db, await workshop(), media.id);
		await expect(addInstitutionToWorkshop(db, await workshop(), media.id)).rejects.toThrow(InputError);
		const m = await liveRooms().read(1, readMatrix);
		expect(m.components).toHaveLength(4);
		expect(m.rows.at(-1)?.shortName).toBe('Radio SM');
		expect(m.cells[cellKey(media.id, m.components[3]!.id)]).toBeDefined();
		await moveRow(db, await workshop(), media.id, 'up');
		expect((await liveRooms().read(1, readMatrix)).rows.at(-2)?.shortName).toBe('Radio SM');
	});

	it('freezes the content into SQL with the SHA-256 of its canonical JSON, and exports it', async () => {
		await write((doc) => {
			const c = roots(doc).cells.get(cellKey(14, 3))!;
			c.set('type', 'PENDANAAN');
			(c.get('description') as Y.Text).insert(0, 'Pinjaman kemitraan TJSL bagi UMKM lapak, "tahap 1"');
			c.set('valueRupiah', 250_000_000);
			c.set('sites', ['35.77.03.1009']);
		});
		const expected = createHash('sha256').update(canonicalMatrixJson(await liveRooms().read(1, readMatrix))).digest('hex');
		// Two moderators (or a double click) freezing at once: one version, the same answer twice.
		const [first, second] = await Promise.all([freezeMatrix(db, await workshop(), null), freezeMatrix(db, await workshop(), null)]);
		expect(first).toEqual({ version: 1, contentHash: expected, alreadyFrozen: false });
		expect(second).toEqual({ version: 1, contentHash: expected, alreadyFrozen: true });
		expect(await listMatrixVersions(db, 1)).toHaveLength(1);
		expect(await liveRooms().read(1, (doc) => roots(doc).meta.get('frozen'))).toBe(true);
		await expect(addComponent(db, await workshop(), { name: 'Terlambat' })).rejects.toThrow(InputError);

		const csv = (await matrixVersionCsv(db, 1, 1, 'id'))!;
		expect(csv).toContain('Lembaga/Instansi');
		// Indonesian spreadsheets split on ";"; the site is named beside its code.
		expect(csv).toMatch(/PT INKA;Bisnis;Profiling UMKM lapak kelurahan;Pendanaan;"Pinjaman kemitraan TJSL bagi UMKM lapak, ""tahap 1""";"?[^;]*\(35\.77\.03\.1009\)/);
		expect(csv).toContain('250000000');
		expect(await matrixVersionCsv(db, 1, 1, 'en')).toContain('PT INKA,Business');
		expect(await matrixVersionCsv(db, 1, 1, 'en')).toContain('Funding');
		const xlsx = await matrixVersionXlsx(db, 1, 1, 'id');
		expect(xlsx!.subarray(0, 2).toString()).toBe('PK');
		expect(await matrixVersionCsv(db, 1, 9, 'id')).toBeNull();
	});

	it('unfreezes into a new version and keeps the old one readable', async () => {
		await unfreezeMatrix(db, await workshop());
		await write((doc) => roots(doc).cells.get(cellKey(1, 1))!.set('timing', '2022'));
		const second = await freezeMatrix(db, await workshop(), null);
		expect(second.version).toBe(2);
		const versions = await listMatrixVersions(db, 1);
		expect(versions.map((v) => [v.version, v.supersededAt === null])).toEqual([
			[2, true],
			[1, false]
		]);
		expect(versions[0]!.contentHash).not.toBe(versions[1]!.contentHash);
		expect(await matrixVersionCsv(db, 1, 1, 'id')).not.toContain(',2022,');
	});
});
