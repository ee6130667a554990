/**
 * The beneficiary groups a forum counts beside L/P (penyandang disabilitas, lansia…): the report
 * form gets one column per group and the roll-ups and the Laporan Kemajuan total them.
 *
 * A group that reports already count cannot be deleted: `beneficiary_counts.group_id` cascades, so
 * deleting it would silently take those figures out of verified reports and sealed-report
 * reproductions. Renaming is allowed (a typo, "Difabel" → "Penyandang disabilitas"): the counts stay
 * with the group, not with its name.
 */
import { and, asc, count, countDistinct, eq, ne } from 'drizzle-orm';
import { transaction, type Db } from '../db/client';
import { beneficiaryCounts, beneficiaryGroups } from '../db/schema';
import { InputReader } from '../validation';

export const GROUP_NAME_MAX = 60;
/** Each group is a column of the report form, which must still fit a 360 px phone. */
export const MAX_GROUPS = 6;

export type BeneficiaryGroupRow = { id: number; name: string; reportCount: number };

/** The forum's groups in the order the report form shows them, with how many reports count each. */
export async function listBeneficiaryGroups(db: Db, forumId: number): Promise<BeneficiaryGroupRow[]> {
	const groups = await db.select({ id: beneficiaryGroups.id, name: beneficiaryGroups.name }).from(beneficiaryGroups).where(eq(beneficiaryGroups.forumId, forumId)).orderBy(asc(beneficiaryGroups.id));
	// A report counts a group once per desa: count the distinct reports, not the rows.
	const used = new Map(
		(await db
			.select({ groupId: beneficiaryCounts.groupId, n: countDistinct(beneficiaryCounts.reportId) })
			.from(beneficiaryCounts)
			.innerJoin(beneficiaryGroups, eq(beneficiaryGroups.id, beneficiaryCounts.groupId))
			.where(eq(beneficiaryGroups.forumId, forumId))
			.groupBy(beneficiaryCounts.groupId))
			.map((r) => [r.groupId, r.n])
	);
	return groups.map((g) => ({ ...g, reportCount: used.get(g.id) ?? 0 }));
}

/** Names compare as a person reads them: "lansia" and "Lansia " are the same group. */
const sameName = (a: string, b: string) => a.localeCompare(b, 'id', { sensitivity: 'accent' }) === 0;

async function readName(db: Db, forumId: number, form: InputReader, exceptId: number | null): Promise<string> {
	const name = form.text('name', { required: true, max: GROUP_NAME_MAX });
	if (name && !form.errors.name) {
		const others = await db
			.select({ name: beneficiaryGroups.name })
			.from(beneficiaryGroups)
			.where(exceptId == null ? eq(beneficiaryGroups.forumId, forumId) : and(eq(beneficiaryGroups.forumId, forumId), ne(beneficiaryGroups.id, exceptId)));
		if (others.some((o) => sameName(o.name, name))) form.fail('name', 'groups.duplicate', { name });
	}
	return name;
}

/** A group of this forum named by the form's `id`; another forum's group is as unknown as a missing one. */
async function readGroup(db: Db, forumId: number, form: InputReader) {
	const id = form.integer('id', { min: 1 });
	if (id === null) return null;
	const group = (await db.select().from(beneficiaryGroups).where(and(eq(beneficiaryGroups.id, id), eq(beneficiaryGroups.forumId, forumId))))[0];
	if (!group) form.fail('id', 'groups.notFound');
	return group ?? null;
}

export async function addBeneficiaryGroup(db: Db, forumId: number, input: FormData | Record<string, unknown>) {
	const form = new InputReader(input);
	const name = await readName(db, forumId, form, null);
	const existing = (await db.select({ n: count() }).from(beneficiaryGroups).where(eq(beneficiaryGroups.forumId, forumId)))[0]!.n;
	if (existing >= MAX_GROUPS) form.fail('name', 'groups.tooMany', { max: MAX_GROUPS });
	form.done();
	return (await db.insert(beneficiaryGroups).values({ forumId, name }).returning())[0]!;
}

export async function renameBeneficiaryGroup(db: Db, forumId: number, input: FormData | Record<string, unknown>) {
	const form = new InputReader(input);
	const group = await readGroup(db, forumId, form);
	const name = await readName(db, forumId, form, group?.id ?? null);
	form.done();
	return (await db.update(beneficiaryGroups).set({ name }).where(eq(beneficiaryGroups.id, group!.id)).returning())[0]!;
}

/** Deletes a group no report counts; one that reports use is refused, naming how many. */
export async function deleteBeneficiaryGroup(db: Db, forumId: number, input: FormData | Record<string, unknown>): Promise<{ name: string }> {
	// One synchronous transaction on the one connection: no report can start counting the group between the check and the delete.
	return await transaction(db, async (tx) => {
		const form = new InputReader(input);
		const group = await readGroup(tx, forumId, form);
		if (group) {
			const reports = (await tx.selectDistinct({ reportId: beneficiaryCounts.reportId }).from(beneficiaryCounts).where(eq(beneficiaryCounts.groupId, group.id))).length;
			if (reports > 0) form.fail('id', 'groups.inUse', { name: group.name, count: reports });
		}
		form.done();
		await tx.delete(beneficiaryGroups).where(eq(beneficiaryGroups.id, group!.id));
		return { name: group!.name };
	});
}
