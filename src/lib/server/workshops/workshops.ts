import { randomInt } from 'node:crypto';
import { and, asc, desc, eq, isNull, sql } from 'drizzle-orm';
import { refreshLiveStructure } from '../collab/registry';
import type { Db } from '../db/client';
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

function newJoinCode(db: Db): string {
	for (;;) {
		const code = randomCode(JOIN_CODE_LENGTH);
		if (!db.select().from(workshops).where(eq(workshops.joinCode, code)).get()) return code;
	}
}

/** A fresh institution invitation code, unused by any invitation. */
export function newInvitationCode(db: Db): string {
	for (;;) {
		const code = randomCode(INVITATION_CODE_LENGTH);
		if (!db.select().from(workshopInvitations).where(eq(workshopInvitations.code, code)).get()) return code;
	}
}

/** Gives every invitation of a workshop that has none (seeded or older data) its own code. */
export function ensureInvitationCodes(db: Db, workshopId: number): void {
	const missing = db
		.select({ institutionId: workshopInvitations.institutionId })
		.from(workshopInvitations)
		.where(and(eq(workshopInvitations.workshopId, workshopId), isNull(workshopInvitations.code)))
		.all();
	for (const { institutionId } of missing)
		db.update(workshopInvitations)
			.set({ code: newInvitationCode(db) })
			.where(and(eq(workshopInvitations.workshopId, workshopId), eq(workshopInvitations.institutionId, institutionId)))
			.run();
}

export type InvitationCode = { institutionId: number; shortName: string; officialName: string; code: string };

/** Each invited institution with its own code, by name (the undangan and the workshop page). */
export function listInvitationCodes(db: Db, workshopId: number): InvitationCode[] {
	ensureInvitationCodes(db, workshopId);
	return db
		.select({
			institutionId: workshopInvitations.institutionId,
			shortName: institutions.shortName,
			officialName: institutions.officialName,
			code: workshopInvitations.code
		})
		.from(workshopInvitations)
		.innerJoin(institutions, eq(institutions.id, workshopInvitations.institutionId))
		.where(eq(workshopInvitations.workshopId, workshopId))
		.all()
		.map((r) => ({ ...r, code: r.code! }))
		.sort((a, b) => a.shortName.localeCompare(b.shortName, 'id'));
}

export function listWorkshops(db: Db, forumId: number): Workshop[] {
	return db.select().from(workshops).where(eq(workshops.forumId, forumId)).orderBy(desc(workshops.date)).all();
}

export function getWorkshop(db: Db, id: number): Workshop | null {
	return db.select().from(workshops).where(eq(workshops.id, id)).get() ?? null;
}

export function findWorkshopByCode(db: Db, code: string): Workshop | null {
	const normalised = normaliseJoinCode(code);
	if (!normalised) return null;
	return db.select().from(workshops).where(eq(workshops.joinCode, normalised)).get() ?? null;
}

/**
 * What a code on the join page opens: the workshop's general code (any institution, confirmed
 * later by the moderator) or one institution's invitation (bound to it, confirmed at once).
 */
export type JoinTarget = { workshop: Workshop; invitedInstitutionId: number | null };

export function findJoinTarget(db: Db, code: string): JoinTarget | null {
	const workshop = findWorkshopByCode(db, code);
	if (workshop) return { workshop, invitedInstitutionId: null };
	const normalised = normaliseJoinCode(code);
	if (normalised.length !== INVITATION_CODE_LENGTH) return null;
	const invitation = db.select().from(workshopInvitations).where(eq(workshopInvitations.code, normalised)).get();
	const invited = invitation ? getWorkshop(db, invitation.workshopId) : null;
	return invited && invitation ? { workshop: invited, invitedInstitutionId: invitation.institutionId } : null;
}

function readDetails(db: Db, forumId: number, input: FormData | Record<string, unknown>) {
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
		const programme = db.select().from(programmes).where(eq(programmes.id, Number(programmeRaw))).get();
		if (!programme || programme.forumId !== forumId) form.fail('programmeId', 'error.invalidChoice');
		else values.programmeId = programme.id;
	}
	return { form, values };
}

export function createWorkshop(db: Db, forumId: number, input: FormData | Record<string, unknown>): Workshop {
	const { form, values } = readDetails(db, forumId, input);
	form.done();
	return db.transaction((tx) => {
		// A new workshop of a programme follows up the latest earlier one of the same programme.
		const previous = values.programmeId
			? tx
					.select({ id: workshops.id })
					.from(workshops)
					.where(and(eq(workshops.forumId, forumId), eq(workshops.programmeId, values.programmeId)))
					.orderBy(desc(workshops.date))
					.get()
			: undefined;
		return tx
			.insert(workshops)
			.values({ forumId, ...values, previousWorkshopId: previous?.id ?? null })
			.returning()
			.get();
	});
}

export function updateWorkshop(db: Db, workshop: Workshop, input: FormData | Record<string, unknown>): void {
	const { form, values } = readDetails(db, workshop.forumId, input);
	form.done();
	db.update(workshops).set(values).where(eq(workshops.id, workshop.id)).run();
	// Another programme means other matrix columns.
	if (values.programmeId !== workshop.programmeId) refreshLiveStructure(db, [workshop.id], 'workshop.programme');
}

const NEXT_STATUS: Record<WorkshopStatus, WorkshopStatus[]> = {
	draft: ['live'],
	live: ['closed'],
	closed: ['live', 'signed'],
	signed: []
};

/** Status moves draft → live → closed → signed; going live hands out the join code. */
export function setWorkshopStatus(db: Db, workshop: Workshop, status: WorkshopStatus): Workshop {
	if (!NEXT_STATUS[workshop.status].includes(status))
		throw new InputError({ status: { key: 'error.statusChange', params: { from: workshop.status, to: status } } });
	const joinCode = status === 'live' ? (workshop.joinCode ?? newJoinCode(db)) : workshop.joinCode;
	return db.update(workshops).set({ status, joinCode }).where(eq(workshops.id, workshop.id)).returning().get();
}

export function listAgenda(db: Db, workshopId: number) {
	return db
		.select()
		.from(agendaItems)
		.where(eq(agendaItems.workshopId, workshopId))
		.orderBy(asc(agendaItems.position), asc(agendaItems.id))
		.all();
}

export function addAgendaItem(db: Db, workshopId: number, input: FormData | Record<string, unknown>) {
	const form = new InputReader(input);
	const title = form.text('title', { required: true, max: 200 });
	const durationMinutes = form.integer('durationMinutes', { min: 1, max: 600 });
	form.done();
	const last = db
		.select({ max: sql<number | null>`max(${agendaItems.position})` })
		.from(agendaItems)
		.where(eq(agendaItems.workshopId, workshopId))
		.get();
	return db
		.insert(agendaItems)
		.values({ workshopId, title, durationMinutes: durationMinutes!, position: (last?.max ?? 0) + 1 })
		.returning()
		.get();
}

export function removeAgendaItem(db: Db, workshopId: number, id: number): void {
	db.delete(agendaItems).where(and(eq(agendaItems.workshopId, workshopId), eq(agendaItems.id, id))).run();
}

export function moveAgendaItem(db: Db, workshopId: number, id: number, direction: 'up' | 'down'): void {
	const list = listAgenda(db, workshopId);
	const index = list.findIndex((a) => a.id === id);
	const target = direction === 'up' ? index - 1 : index + 1;
	if (index < 0 || target < 0 || target >= list.length) return;
	[list[index], list[target]] = [list[target]!, list[index]!];
	db.transaction((tx) => {
		list.forEach((a, i) => tx.update(agendaItems).set({ position: i + 1 }).where(eq(agendaItems.id, a.id)).run());
	});
}

export function listInvitedInstitutionIds(db: Db, workshopId: number): number[] {
	return db
		.select({ id: workshopInvitations.institutionId })
		.from(workshopInvitations)
		.where(eq(workshopInvitations.workshopId, workshopId))
		.all()
		.map((r) => r.id);
}

/** Total agenda length, shown so the moderator sees whether the day fits. */
export function agendaMinutes(items: { durationMinutes: number }[]): number {
	return items.reduce((sum, i) => sum + i.durationMinutes, 0);
}
