import { randomInt } from 'node:crypto';
import { and, asc, desc, eq, isNull, sql } from 'drizzle-orm';
import { refreshLiveStructure } from '../collab/registry';
import { affectedRows, type Db } from '../db/client';
import { transaction } from '../db/client';
import {
	agendaItems,
	institutions,
	programmes,
	workshopInvitations,
	workshops,
	WORKSHOP_KINDS,
	type WorkshopStatus
} from '../db/schema';
import { InputError, InputReader } from '../validation';

export type Workshop = typeof workshops.$inferSelect;

/** No 0/O, 1/I/L: codes are read aloud and copied off a projector. */
const CODE_ALPHABET = 'ABCDEFGHJKMNPQRSTUVWXYZ23456789';
export const JOIN_CODE_LENGTH = 6;
/**
 * An institution's own code speaks for it at once, so it must not be guessable: 31^10 ≈ 8·10^14,
 * against join attempts throttled per address.
 */
export const INVITATION_CODE_LENGTH = 10;

export function normaliseJoinCode(code: string): string {
	return code.trim().toUpperCase().replace(/[^A-Z0-9]/g, '');
}

function randomCode(length: number): string {
	let code = '';
	for (let i = 0; i < length; i++) code += CODE_ALPHABET[randomInt(CODE_ALPHABET.length)];
	return code;
}

async function newJoinCode(db: Db): Promise<string> {
	for (;;) {
		const code = randomCode(JOIN_CODE_LENGTH);
		if (!(await db.select().from(workshops).where(eq(workshops.joinCode, code)))[0]) return code;
	}
}

/** A fresh institution invitation code, unused by any invitation. */
export async function newInvitationCode(db: Db): Promise<string> {
	for (;;) {
		const code = randomCode(INVITATION_CODE_LENGTH);
		if (!(await db.select().from(workshopInvitations).where(eq(workshopInvitations.code, code)))[0]) return code;
	}
}

/** Gives every invitation of a workshop that has none (seeded or older data) its own code. */
export async function ensureInvitationCodes(db: Db, workshopId: number): Promise<void> {
	const missing = await db
		.select({ institutionId: workshopInvitations.institutionId })
		.from(workshopInvitations)
		.where(and(eq(workshopInvitations.workshopId, workshopId), isNull(workshopInvitations.code)));
	for (const { institutionId } of missing)
		await db.update(workshopInvitations)
			.set({ code: await newInvitationCode(db) })
			.where(and(eq(workshopInvitations.workshopId, workshopId), eq(workshopInvitations.institutionId, institutionId)));
}

export type InvitationCode = { institutionId: number; shortName: string; officialName: string; code: string };

/** Each invited institution with its own code, by name (the undangan and the workshop page). */
export async function listInvitationCodes(db: Db, workshopId: number): Promise<InvitationCode[]> {
	await ensureInvitationCodes(db, workshopId);
	return (await db
		.select({
			institutionId: workshopInvitations.institutionId,
			shortName: institutions.shortName,
			officialName: institutions.officialName,
			code: workshopInvitations.code
		})
		.from(workshopInvitations)
		.innerJoin(institutions, eq(institutions.id, workshopInvitations.institutionId))
		.where(eq(workshopInvitations.workshopId, workshopId)))
		.map((r) => ({ ...r, code: r.code! }))
		.sort((a, b) => a.shortName.localeCompare(b.shortName, 'id'));
}

export async function listWorkshops(db: Db, forumId: number): Promise<Workshop[]> {
	return await db.select().from(workshops).where(eq(workshops.forumId, forumId)).orderBy(desc(workshops.date));
}

export async function getWorkshop(db: Db, id: number): Promise<Workshop | null> {
	return (await db.select().from(workshops).where(eq(workshops.id, id)))[0] ?? null;
}

export async function findWorkshopByCode(db: Db, code: string): Promise<Workshop | null> {
	const normalised = normaliseJoinCode(code);
	if (!normalised) return null;
	return (await db.select().from(workshops).where(eq(workshops.joinCode, normalised)))[0] ?? null;
}

/**
 * What a code on the join page opens: the workshop's general code (any institution, confirmed
 * later by the moderator) or one institution's invitation (bound to it, confirmed at once).
 */
export type JoinTarget = { workshop: Workshop; invitedInstitutionId: number | null };

export async function findJoinTarget(db: Db, code: string): Promise<JoinTarget | null> {
	const workshop = await findWorkshopByCode(db, code);
	if (workshop) return { workshop, invitedInstitutionId: null };
	const normalised = normaliseJoinCode(code);
	if (normalised.length !== INVITATION_CODE_LENGTH) return null;
	const invitation = (await db.select().from(workshopInvitations).where(eq(workshopInvitations.code, normalised)))[0];
	const invited = invitation ? await getWorkshop(db, invitation.workshopId) : null;
	return invited && invitation ? { workshop: invited, invitedInstitutionId: invitation.institutionId } : null;
}

async function readDetails(db: Db, forumId: number, input: FormData | Record<string, unknown>) {
	const form = new InputReader(input);
	const values = {
		title: form.text('title', { required: true, max: 300 }),
		theme: form.paragraph('theme', { max: 1000 }),
		kind: form.choice('kind', WORKSHOP_KINDS) ?? 'lokakarya',
		date: form.date('date'),
		startTime: form.time('startTime'),
		place: form.text('place', { required: true, max: 300 }),
		chairName: form.text('chairName', { max: 120 }),
		moderatorName: form.text('moderatorName', { max: 120 }),
		notetakerName: form.text('notetakerName', { max: 120 }),
		programmeId: null as number | null
	};
	const programmeRaw = form.text('programmeId', { max: 12 });
	if (programmeRaw) {
		const programme = (await db.select().from(programmes).where(eq(programmes.id, Number(programmeRaw))))[0];
		if (!programme || programme.forumId !== forumId) form.fail('programmeId', 'error.invalidChoice');
		else values.programmeId = programme.id;
	}
	return { form, values };
}

export async function createWorkshop(db: Db, forumId: number, input: FormData | Record<string, unknown>): Promise<Workshop> {
	const { form, values } = await readDetails(db, forumId, input);
	form.done();
	return await transaction(db, async (tx) => {
		// A new workshop of a programme follows up the latest earlier one of the same programme.
		const previous = values.programmeId
			? (await tx
					.select({ id: workshops.id })
					.from(workshops)
					.where(and(eq(workshops.forumId, forumId), eq(workshops.programmeId, values.programmeId)))
					.orderBy(desc(workshops.date)))[0]
			: undefined;
		return (await tx
			.insert(workshops)
			.values({ forumId, ...values, previousWorkshopId: previous?.id ?? null })
			.returning())[0]!;
	});
}

export async function updateWorkshop(db: Db, workshop: Workshop, input: FormData | Record<string, unknown>): Promise<void> {
	const { form, values } = await readDetails(db, workshop.forumId, input);
	form.done();
	await db.update(workshops).set(values).where(eq(workshops.id, workshop.id));
	// Another programme means other matrix columns.
	if (values.programmeId !== workshop.programmeId) await refreshLiveStructure(db, [workshop.id], 'workshop.programme');
}

const NEXT_STATUS: Record<WorkshopStatus, WorkshopStatus[]> = {
	draft: ['live'],
	live: ['closed'],
	closed: ['live', 'signed'],
	signed: []
};

/** Status moves draft → live → closed → signed; going live hands out the join code. */
export async function setWorkshopStatus(db: Db, workshop: Workshop, status: WorkshopStatus): Promise<Workshop> {
	if (!NEXT_STATUS[workshop.status].includes(status))
		throw new InputError({ status: { key: 'error.statusChange', params: { from: workshop.status, to: status } } });
	const joinCode = status === 'live' ? (workshop.joinCode ?? await newJoinCode(db)) : workshop.joinCode;
	return (await db.update(workshops).set({ status, joinCode }).where(eq(workshops.id, workshop.id)).returning())[0]!;
}

export async function listAgenda(db: Db, workshopId: number) {
	return await db
		.select()
		.from(agendaItems)
		.where(eq(agendaItems.workshopId, workshopId))
		.orderBy(asc(agendaItems.position), asc(agendaItems.id));
}

export async function addAgendaItem(db: Db, workshopId: number, input: FormData | Record<string, unknown>) {
	const form = new InputReader(input);
	const title = form.text('title', { required: true, max: 200 });
	const durationMinutes = form.integer('durationMinutes', { min: 1, max: 600 });
	form.done();
	const last = (await db
		.select({ max: sql<number | null>`max(${agendaItems.position})` })
		.from(agendaItems)
		.where(eq(agendaItems.workshopId, workshopId)))[0];
	return (await db
		.insert(agendaItems)
		.values({ workshopId, title, durationMinutes: durationMinutes!, position: (last?.max ?? 0) + 1 })
		.returning())[0]!;
}

export async function removeAgendaItem(db: Db, workshopId: number, id: number): Promise<void> {
	await db.delete(agendaItems).where(and(eq(agendaItems.workshopId, workshopId), eq(agendaItems.id, id)));
}

export async function moveAgendaItem(db: Db, workshopId: number, id: number, direction: 'up' | 'down'): Promise<void> {
	const list = await listAgenda(db, workshopId);
	const index = list.findIndex((a) => a.id === id);
	const target = direction === 'up' ? index - 1 : index + 1;
	if (index < 0 || target < 0 || target >= list.length) return;
	[list[index], list[target]] = [list[target]!, list[index]!];
	await transaction(db, async (tx) => {
		for (const [i, a] of list.entries()) await tx.update(agendaItems).set({ position: i + 1 }).where(eq(agendaItems.id, a.id));
	});
}

export async function listInvitedInstitutionIds(db: Db, workshopId: number): Promise<number[]> {
	return (await db
		.select({ id: workshopInvitations.institutionId })
		.from(workshopInvitations)
		.where(eq(workshopInvitations.workshopId, workshopId)))
		.map((r) => r.id);
}

/** Total agenda length, shown so the moderator sees whether the day fits. */
export function agendaMinutes(items: { durationMinutes: number }[]): number {
	return items.reduce((sum, i) => sum + i.durationMinutes, 0);
}
