import { beforeEach, describe, expect, it } from 'vitest';
import { memoryDb } from '../helpers/db';
import type { Db } from '../../src/lib/server/db/client';
import { forums, workshops } from '../../src/lib/server/db/schema';
import {
	addAgendaItem,
	createWorkshop,
	findWorkshopByCode,
	listAgenda,
	moveAgendaItem,
	setWorkshopStatus
} from '../../src/lib/server/workshops/workshops';
import { setWorkshopInvitations } from '../../src/lib/server/matrix/structure';
import { createInstitution } from '../../src/lib/server/institutions/institutions';
import { createProgramme } from '../../src/lib/server/programmes/programmes';
import { InputError } from '../../src/lib/server/validation';

let db: Db;
let forumId: number;
const details = { title: 'Lokakarya', date: '2026-11-26', startTime: '09:00', place: 'Aula Kelurahan', kind: 'lokakarya' };

beforeEach(async () => {
	db = await memoryDb();
	forumId = (await db.insert(forums).values({ name: 'Forum Uji', shortName: 'FU' }).returning())[0]!.id;
});

describe('workshops', () => {
	it('validates details and stores nothing when any field is bad', async () => {
		await expect(createWorkshop(db, forumId, { ...details, title: '', date: '26/11/2026', startTime: '25:00' })).rejects.toThrow(InputError);
		expect(await db.select().from(workshops)).toHaveLength(0);
	});

	it('hands out a readable join code when it goes live, and finds it however typed', async () => {
		const draft = await createWorkshop(db, forumId, details);
		expect(draft.joinCode).toBeNull();
		const live = await setWorkshopStatus(db, draft, 'live');
		expect(live.joinCode).toMatch(/^[A-HJ-KMNP-Z2-9]{6}$/);
		expect((await findWorkshopByCode(db, ` ${live.joinCode!.toLowerCase().slice(0, 3)}-${live.joinCode!.slice(3)} `))?.id).toBe(live.id);
		expect(await findWorkshopByCode(db, 'ZZZZZZ')).toBeNull();
	});

	it('moves status only forward along draft → live → closed → signed', async () => {
		const draft = await createWorkshop(db, forumId, details);
		await expect(setWorkshopStatus(db, draft, 'signed')).rejects.toThrow(InputError);
		const closed = await setWorkshopStatus(db, await setWorkshopStatus(db, draft, 'live'), 'closed');
		expect(closed.status).toBe('closed');
		expect((await setWorkshopStatus(db, closed, 'live')).joinCode).toBe(closed.joinCode);
	});

	it('keeps agenda order and reorders on request', async () => {
		const w = await createWorkshop(db, forumId, details);
		await addAgendaItem(db, w.id, { title: 'Pembukaan', durationMinutes: '15' });
		await addAgendaItem(db, w.id, { title: 'Diskusi', durationMinutes: '90' });
		const diskusi = (await listAgenda(db, w.id))[1]!;
		await moveAgendaItem(db, w.id, diskusi.id, 'up');
		expect((await listAgenda(db, w.id)).map((a) => a.title)).toEqual(['Diskusi', 'Pembukaan']);
		await expect(addAgendaItem(db, w.id, { title: 'Rehat', durationMinutes: '0' })).rejects.toThrow(InputError);
	});

	it('links a new workshop of a programme to the previous one (follow-up)', async () => {
		const programme = await createProgramme(db, forumId, { name: 'Kelurahan Mandiri' });
		const first = await createWorkshop(db, forumId, { ...details, date: '2021-11-08', programmeId: String(programme.id) });
		const second = await createWorkshop(db, forumId, { ...details, date: '2022-05-10', programmeId: String(programme.id) });
		expect(second.previousWorkshopId).toBe(first.id);
	});

	it('refuses to invite an institution of another forum', async () => {
		const other = (await db.insert(forums).values({ name: 'Lain', shortName: 'L' }).returning())[0]!.id;
		const foreign = await createInstitution(db, other, { officialName: 'Dinas Lain', sector: 'pemerintah' });
		const w = await createWorkshop(db, forumId, details);
		await expect(setWorkshopInvitations(db, w, [foreign.id])).rejects.toThrow(InputError);
	});
});
