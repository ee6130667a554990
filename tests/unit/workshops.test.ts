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

beforeEach(() => {
	db = memoryDb();
	forumId = db.insert(forums).values({ name: 'Forum Uji', shortName: 'FU' }).returning().get().id;
});

describe('workshops', () => {
	it('validates details and stores nothing when any field is bad', () => {
		expect(() => createWorkshop(db, forumId, { ...details, title: '', date: '26/11/2026', startTime: '25:00' })).toThrow(InputError);
		expect(db.select().from(workshops).all()).toHaveLength(0);
	});

	it('hands out a readable join code when it goes live, and finds it however typed', () => {
		const draft = createWorkshop(db, forumId, details);
		expect(draft.joinCode).toBeNull();
		const live = setWorkshopStatus(db, draft, 'live');
		expect(live.joinCode).toMatch(/^[A-HJ-KMNP-Z2-9]{6}$/);
		expect(findWorkshopByCode(db, ` ${live.joinCode!.toLowerCase().slice(0, 3)}-${live.joinCode!.slice(3)} `)?.id).toBe(live.id);
		expect(findWorkshopByCode(db, 'ZZZZZZ')).toBeNull();
	});

	it('moves status only forward along draft → live → closed → signed', () => {
		const draft = createWorkshop(db, forumId, details);
		expect(() => setWorkshopStatus(db, draft, 'signed')).toThrow(InputError);
		const closed = setWorkshopStatus(db, setWorkshopStatus(db, draft, 'live'), 'closed');
		expect(closed.status).toBe('closed');
		expect(setWorkshopStatus(db, closed, 'live').joinCode).toBe(closed.joinCode);
	});

	it('keeps agenda order and reorders on request', () => {
		const w = createWorkshop(db, forumId, details);
		addAgendaItem(db, w.id, { title: 'Pembukaan', durationMinutes: '15' });
		addAgendaItem(db, w.id, { title: 'Diskusi', durationMinutes: '90' });
		const diskusi = listAgenda(db, w.id)[1]!;
		moveAgendaItem(db, w.id, diskusi.id, 'up');
		expect(listAgenda(db, w.id).map((a) => a.title)).toEqual(['Diskusi', 'Pembukaan']);
		expect(() => addAgendaItem(db, w.id, { title: 'Rehat', durationMinutes: '0' })).toThrow(InputError);
	});

	it('links a new workshop of a programme to the previous one (follow-up)', () => {
		const programme = createProgramme(db, forumId, { name: 'Kelurahan Mandiri' });
		const first = createWorkshop(db, forumId, { ...details, date: '2021-11-08', programmeId: String(programme.id) });
		const second = createWorkshop(db, forumId, { ...details, date: '2022-05-10', programmeId: String(programme.id) });
		expect(second.previousWorkshopId).toBe(first.id);
	});

	it('refuses to invite an institution of another forum', () => {
		const other = db.insert(forums).values({ name: 'Lain', shortName: 'L' }).returning().get().id;
		const foreign = createInstitution(db, other, { officialName: 'Dinas Lain', sector: 'pemerintah' });
		const w = createWorkshop(db, forumId, details);
		expect(() => setWorkshopInvitations(db, w, [foreign.id])).toThrow(InputError);
	});
});
