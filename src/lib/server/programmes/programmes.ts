import { and, asc, eq } from 'drizzle-orm';
import type { Db } from '../db/client';
import { components, programmes } from '../db/schema';
import { InputReader } from '../validation';

export type Programme = typeof programmes.$inferSelect;

export async function listProgrammes(db: Db, forumId: number): Promise<Programme[]> {
	return await db.select().from(programmes).where(eq(programmes.forumId, forumId)).orderBy(asc(programmes.id));
}

export async function getProgramme(db: Db, id: number): Promise<Programme | null> {
	return (await db.select().from(programmes).where(eq(programmes.id, id)))[0] ?? null;
}

/** A programme of this forum, or null: an id from another forum is as good as unknown. */
export async function getForumProgramme(db: Db, forumId: number, id: number): Promise<Programme | null> {
	if (!Number.isInteger(id)) return null;
	return (await db.select().from(programmes).where(and(eq(programmes.forumId, forumId), eq(programmes.id, id))))[0] ?? null;
}

function readProgramme(input: FormData | Record<string, unknown>) {
	const form = new InputReader(input);
	const values = {
		name: form.text('name', { required: true, max: 200 }),
		vision: form.paragraph('vision', { max: 2000 }),
		legalBasis: form.paragraph('legalBasis', { max: 2000 }),
		listed: form.checked('listed')
	};
	return { form, values };
}

export async function createProgramme(db: Db, forumId: number, input: FormData | Record<string, unknown>): Promise<Programme> {
	const { form, values } = readProgramme(input);
	form.done();
	return (await db.insert(programmes).values({ forumId, ...values }).returning())[0]!;
}

/** Name, vision, legal basis and whether the public front door lists it. */
export async function updateProgramme(db: Db, programme: Programme, input: FormData | Record<string, unknown>): Promise<Programme> {
	const { form, values } = readProgramme(input);
	form.done();
	return (await db.update(programmes).set(values).where(eq(programmes.id, programme.id)).returning())[0]!;
}

export async function listComponents(db: Db, programmeId: number) {
	return await db
		.select()
		.from(components)
		.where(eq(components.programmeId, programmeId))
		.orderBy(asc(components.position), asc(components.id));
}
