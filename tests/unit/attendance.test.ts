import { beforeEach, describe, expect, it } from 'vitest';
import { eq } from 'drizzle-orm';
import { memoryDb } from '../helpers/db';
import type { Db } from '../../src/lib/server/db/client';
import { attendance, institutions, persons } from '../../src/lib/server/db/schema';
import { attendanceCsv, listAttendance } from '../../src/lib/server/workshops/attendance';
import { checkIn } from '../../src/lib/server/workshops/join';
import { createInstitution } from '../../src/lib/server/institutions/institutions';
import { createWorkshop, setWorkshopStatus, type Workshop } from '../../src/lib/server/workshops/workshops';
import { forums } from '../../src/lib/server/db/schema';
import { InputError } from '../../src/lib/server/validation';

let db: Db;
let workshop: Workshop;
let bappeda: number;

async function expectInputError(fn: () => unknown, field: string, key: string) {
	try {
		await fn();
	} catch (e) {
		expect(e).toBeInstanceOf(InputError);
		expect((e as InputError).errors[field]?.key).toBe(key);
		return;
	}
	throw new Error('expected an InputError');
}

const count = async (table: typeof attendance | typeof persons | typeof institutions) =>
	(await db.select().from(table)).length;

beforeEach(async () => {
	db = await memoryDb();
	const forum = (await db.insert(forums).values({ name: 'Forum Uji', shortName: 'FU' }).returning())[0]!;
	bappeda = (await createInstitution(db, forum.id, { officialName: 'Bappeda Kota Uji', shortName: 'Bappeda', sector: 'pemerintah' })).id;
	const draft = await createWorkshop(db, forum.id, { title: 'Lokakarya Uji', date: '2026-11-26', startTime: '09:00', place: 'Aula', kind: 'lokakarya' });
	workshop = await setWorkshopStatus(db, draft, 'live');
});

const person = (over: Record<string, string> = {}) => ({
	institutionId: String(bappeda),
	name: 'Siti Rahayu',
	jabatan: 'Kepala Bidang',
	gender: 'P',
	phone: '081200001111',
	...over
});

describe('check-in (daftar hadir)', () => {
	it('records a snapshot of name, jabatan, instansi and sector', async () => {
		await checkIn(db, workshop, person());
		const [row] = await listAttendance(db, workshop.id);
		expect(row).toMatchObject({ name: 'Siti Rahayu', jabatan: 'Kepala Bidang', institutionName: 'Bappeda Kota Uji', sector: 'pemerintah', gender: 'P' });
	});

	it('refuses a second check-in of the same person, however the name is typed, and stores nothing new', async () => {
		await checkIn(db, workshop, person());
		const before = [await count(attendance), await count(persons)];
		await expectInputError(async () => await checkIn(db, workshop, person({ name: '  siti   RAHAYU ', phone: '' })), 'name', 'error.alreadyCheckedIn');
		await expectInputError(async () => await checkIn(db, workshop, person({ name: 'Orang Lain' })), 'phone', 'error.alreadyCheckedIn');
		expect([await count(attendance), await count(persons)]).toEqual(before);
	});

	it('rejects empty and over-long fields with one message per field', async () => {
		try {
			await checkIn(db, workshop, { institutionId: '', name: '', jabatan: 'x'.repeat(121), gender: 'X', phone: '12' });
			throw new Error('no error');
		} catch (e) {
			const errors = (e as InputError).errors;
			expect(errors.institutionId?.key).toBe('error.required');
			expect(errors.name?.key).toBe('error.required');
			expect(errors.jabatan).toEqual({ key: 'error.tooLong', params: { max: 120 } });
			expect(errors.gender?.key).toBe('error.invalidChoice');
			expect(errors.phone?.key).toBe('error.invalidPhone');
		}
		expect(await count(attendance)).toBe(0);
	});

	it('proposes a new institution for moderator approval', async () => {
		await checkIn(db, workshop, person({ institutionId: 'new', newInstitutionName: 'Karang Taruna Taman', newInstitutionSector: 'komunitas' }));
		const created = (await db.select().from(institutions).where(eq(institutions.officialName, 'Karang Taruna Taman')))[0];
		expect(created?.approved).toBe(false);
		expect((await listAttendance(db, workshop.id))[0]?.institutionApproved).toBe(false);
	});

	it('leaves no proposed institution behind when the check-in itself fails', async () => {
		await checkIn(db, workshop, person());
		const before = await count(institutions);
		await expectInputError(
			async () => await checkIn(db, workshop, person({ institutionId: 'new', newInstitutionName: 'Lembaga Baru', newInstitutionSector: 'komunitas', name: 'Budi', phone: '081200001111' })),
			'phone',
			'error.alreadyCheckedIn'
		);
		expect(await count(institutions)).toBe(before);
	});

	it('accepts no check-in before the workshop is live or after it closes', async () => {
		const closed = await setWorkshopStatus(db, workshop, 'closed');
		await expectInputError(async () => await checkIn(db, closed, person()), 'code', 'error.workshopNotLive');
		expect(await count(attendance)).toBe(0);
	});

	it('exports CSV for Excel, with phone numbers only in the internal copy', async () => {
		await checkIn(db, workshop, person({ name: 'Ahmad Syafiʼi', phone: '081299990000', gender: 'L' }));
		const header = { no: 'No', name: 'Nama', jabatan: 'Jabatan', institution: 'Instansi', sector: 'Unsur', gender: 'L/P', phone: 'No. HP', time: 'Waktu' };
		const internal = attendanceCsv(await listAttendance(db, workshop.id), header, (s) => s, { includePhone: true });
		const publicCopy = attendanceCsv(await listAttendance(db, workshop.id), header, (s) => s, { includePhone: false });
		expect(internal.startsWith('\uFEFFNo,Nama,Jabatan,Instansi,Unsur,L/P,No. HP,Waktu')).toBe(true);
		expect(internal).toContain('Ahmad Syafiʼi');
		expect(internal).toContain('081299990000');
		expect(publicCopy).not.toContain('081299990000');
		expect(publicCopy).not.toContain('No. HP');
	});
});
