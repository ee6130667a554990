import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { translate, type Locale } from '../../src/lib/i18n/translate';
import { importAreas } from '../../src/lib/server/areas';
import { addBeneficiaryGroup, deleteBeneficiaryGroup, listBeneficiaryGroups, MAX_GROUPS, renameBeneficiaryGroup } from '../../src/lib/server/commitments/beneficiary-groups';
import { beneficiaryFrame, submitReport } from '../../src/lib/server/commitments/progress';
import { issueReportingLink } from '../../src/lib/server/commitments/reporting-links';
import { programmeDashboard } from '../../src/lib/server/commitments/rollups';
import type { Db } from '../../src/lib/server/db/client';
import { beneficiaryCounts, beneficiaryGroups, commitments, institutions } from '../../src/lib/server/db/schema';
import { seedDemo } from '../../src/lib/server/demo';
import { seedDemoCommitments } from '../../src/lib/server/demo-commitments';
import { InputError } from '../../src/lib/server/validation';
import { memoryDb } from '../helpers/db';

let db: Db;
let evidenceDir: string;
const NOW = new Date('2026-12-07T03:00:00Z');
const TAMAN = '35.77.03.1009';

beforeAll(async () => {
	db = await memoryDb();
	await importAreas(db);
	await seedDemo(db);
	await seedDemoCommitments(db);
	evidenceDir = mkdtempSync(join(tmpdir(), 'mufakat-groups-test-'));
});
afterAll(() => rmSync(evidenceDir, { recursive: true, force: true }));

const groupsOf = async (forumId: number) => await db.select().from(beneficiaryGroups).where(eq(beneficiaryGroups.forumId, forumId));

/** The messages of a refusal in one language, per field. */
async function refusal(run: () => unknown, locale: Locale = 'id'): Promise<Record<string, string>> {
	try {
		await run();
	} catch (e) {
		if (e instanceof InputError) return Object.fromEntries(Object.entries(e.errors).map(([f, m]) => [f, translate(locale, m.key, m.params)]));
		throw e;
	}
	throw new Error('expected a refusal');
}

describe('a forum’s beneficiary groups', () => {
	it('adds, renames and deletes a group; the report form then asks for it', async () => {
		const elderly = await addBeneficiaryGroup(db, 1, { name: '  Lansia  ' });
		expect(elderly.name).toBe('Lansia');
		const renamed = await renameBeneficiaryGroup(db, 1, { id: String(elderly.id), name: 'Lanjut usia' });
		expect(renamed.name).toBe('Lanjut usia');
		const training = (await db.select().from(commitments).where(and(eq(commitments.forumId, 1), eq(commitments.number, '3'))))[0]!;
		expect((await beneficiaryFrame(db, training)).groups).toEqual([{ id: elderly.id, name: 'Lanjut usia' }]);
		expect(await deleteBeneficiaryGroup(db, 1, { id: String(elderly.id) })).toEqual({ name: 'Lanjut usia' });
		expect(await groupsOf(1)).toEqual([]);
	});

	it('refuses an empty, over-long or repeated name in both languages and stores nothing', async () => {
		const disabled = await addBeneficiaryGroup(db, 1, { name: 'Penyandang disabilitas' });
		const before = await groupsOf(1);
		expect(await refusal(async () => await addBeneficiaryGroup(db, 1, { name: '   ' }))).toEqual({ name: 'Wajib diisi.' });
		expect((await refusal(async () => await addBeneficiaryGroup(db, 1, { name: '   ' }), 'en')).name).toBe('Required.');
		expect((await refusal(async () => await addBeneficiaryGroup(db, 1, { name: 'x'.repeat(61) }))).name).toContain('maksimal 60');
		expect(await refusal(async () => await addBeneficiaryGroup(db, 1, { name: 'penyandang  DISABILITAS' }))).toEqual({ name: 'Kelompok "penyandang DISABILITAS" sudah ada di forum ini.' });
		expect(await refusal(async () => await addBeneficiaryGroup(db, 1, { name: 'Penyandang disabilitas' }), 'en')).toEqual({ name: 'The forum already has a group "Penyandang disabilitas".' });
		const other = await addBeneficiaryGroup(db, 1, { name: 'Lansia' });
		expect((await refusal(async () => await renameBeneficiaryGroup(db, 1, { id: String(other.id), name: 'Penyandang Disabilitas' }))).name).toContain('sudah ada');
		// Renaming a group to its own name (or its own name in other capitals) is not a clash.
		expect((await renameBeneficiaryGroup(db, 1, { id: String(disabled.id), name: 'Penyandang Disabilitas' })).name).toBe('Penyandang Disabilitas');
		await renameBeneficiaryGroup(db, 1, { id: String(disabled.id), name: 'Penyandang disabilitas' });
		await deleteBeneficiaryGroup(db, 1, { id: String(other.id) });
		expect(await groupsOf(1)).toEqual(before);
		// The same name in another forum is that forum's own group.
		const elsewhere = await addBeneficiaryGroup(db, 2, { name: 'Penyandang disabilitas' });
		await deleteBeneficiaryGroup(db, 2, { id: String(elsewhere.id) });
	});

	it('does not let one forum rename or delete another forum’s group', async () => {
		const theirs = await addBeneficiaryGroup(db, 2, { name: 'Nelayan' });
		expect((await refusal(async () => await renameBeneficiaryGroup(db, 1, { id: String(theirs.id), name: 'Diambil' }))).id).toBe('Kelompok ini tidak ada (lagi) di forum ini.');
		expect((await refusal(async () => await deleteBeneficiaryGroup(db, 1, { id: String(theirs.id) }), 'en')).id).toBe('This group does not exist (any more) in this forum.');
		expect((await groupsOf(2)).map((g) => g.name)).toEqual(['Nelayan']);
		await deleteBeneficiaryGroup(db, 2, { id: String(theirs.id) });
	});

	it('keeps a forum to a number of groups a phone form can show', async () => {
		const made = [];
		while ((await groupsOf(2)).length < MAX_GROUPS) made.push(await addBeneficiaryGroup(db, 2, { name: `Kelompok ${made.length + 1}` }));
		expect((await refusal(async () => await addBeneficiaryGroup(db, 2, { name: 'Satu lagi' }))).name).toBe(`Paling banyak ${MAX_GROUPS} kelompok: setiap kelompok menjadi kolom di formulir laporan di ponsel.`);
		expect(await groupsOf(2)).toHaveLength(MAX_GROUPS);
		for (const g of made) await deleteBeneficiaryGroup(db, 2, { id: String(g.id) });
	});

	it('refuses to delete a group that a report counts, keeps its figures, and lets it be renamed', async () => {
		const disabled = (await groupsOf(1)).find((g) => g.name === 'Penyandang disabilitas')!;
		const training = (await db.select().from(commitments).where(and(eq(commitments.forumId, 1), eq(commitments.number, '3'))))[0]!;
		const ybn = (await db.select().from(institutions).where(and(eq(institutions.forumId, 1), eq(institutions.shortName, 'YBN'))))[0]!;
		const { link } = await issueReportingLink(db, 1, null, { institutionId: String(ybn.id) }, NOW);
		await submitReport(
			db,
			training,
			{ kind: 'link', institutionId: ybn.id, linkId: link.id, name: '' },
			{ periodType: 'quarter', periodYear: '2026', periodIndex: '1', realisation: '50', reporterName: 'Eko Purnomo', flag: 'on_track', [`ben.${TAMAN}.L`]: '20', [`ben.${TAMAN}.P`]: '25', [`ben.${TAMAN}.g${disabled.id}`]: '4' },
			{ evidenceDir, now: NOW }
		);
		expect(await listBeneficiaryGroups(db, 1)).toEqual([{ id: disabled.id, name: 'Penyandang disabilitas', reportCount: 1 }]);
		const counted = (await db.select().from(beneficiaryCounts).where(eq(beneficiaryCounts.groupId, disabled.id))).length;

		expect(await refusal(async () => await deleteBeneficiaryGroup(db, 1, { id: String(disabled.id) }))).toEqual({
			id: 'Kelompok "Penyandang disabilitas" sudah dipakai di 1 laporan dan tidak dapat dihapus: angkanya akan hilang dari laporan itu. Ganti namanya bila perlu.'
		});
		expect((await refusal(async () => await deleteBeneficiaryGroup(db, 1, { id: String(disabled.id) }), 'en')).id).toContain('is used in 1 reports and cannot be deleted');
		expect((await groupsOf(1)).map((g) => g.id)).toEqual([disabled.id]);
		expect(await db.select().from(beneficiaryCounts).where(eq(beneficiaryCounts.groupId, disabled.id))).toHaveLength(counted);

		await renameBeneficiaryGroup(db, 1, { id: String(disabled.id), name: 'Difabel' });
		const dashboard = (await programmeDashboard(db, training.programmeId!, { today: '2026-12-07' }))!;
		expect(dashboard.reached.groups).toEqual([{ groupId: disabled.id, name: 'Difabel', count: 4 }]);
	});
});
