import { describe, expect, it } from 'vitest';
import { memoryDb } from '../helpers/db';
import { forums } from '../../src/lib/server/db/schema';
import { createInstitution, listInstitutions, missingSectors, sectorCoverage } from '../../src/lib/server/institutions/institutions';
import { seedDemo } from '../../src/lib/server/demo';
import { InputError } from '../../src/lib/server/validation';

describe('institutions', () => {
	it('recognises a known institution under any of its aliases', async () => {
		const db = await memoryDb();
		const forumId = (await db.insert(forums).values({ name: 'F', shortName: 'F' }).returning())[0]!.id;
		await createInstitution(db, forumId, { officialName: 'Badan Perencanaan', shortName: 'Bappelitbangda', sector: 'pemerintah', aliases: 'Bapelitbangda, Bappeda' });
		await expect(createInstitution(db, forumId, { officialName: 'Bappeda', sector: 'pemerintah' })).rejects.toThrow(InputError);
		expect(await listInstitutions(db, forumId)).toHaveLength(1);
		expect((await listInstitutions(db, forumId))[0]?.aliases).toEqual(['Bapelitbangda', 'Bappeda']);
	});

	it('shows the demo forum’s missing media sector as a gap', async () => {
		const db = await memoryDb();
		await seedDemo(db);
		const madiun = (await db.select().from(forums)).find((f) => f.shortName === 'Forpemma')!;
		const list = await listInstitutions(db, madiun.id);
		expect(list).toHaveLength(17);
		expect(missingSectors(sectorCoverage(list))).toEqual(['media']);
	});
});
