import { beforeAll, describe, expect, it } from 'vitest';
import { eq } from 'drizzle-orm';
import { getDb, type Db } from '../../src/lib/server/db/client';
import { users } from '../../src/lib/server/db/schema';
import { DEMO_MODERATOR_EMAIL, seedDemo } from '../../src/lib/server/demo';
import { freezeMatrix } from '../../src/lib/server/matrix/freeze';
import { ensureMinutesDraft, finalizeMinutes, listSigners, signMinutes } from '../../src/lib/server/minutes';
import { InputError } from '../../src/lib/server/validation';
import { listAttendance } from '../../src/lib/server/workshops/attendance';
import { chooseSignatory, removeAttendance } from '../../src/lib/server/workshops/attendance-corrections';
import { getWorkshop } from '../../src/lib/server/workshops/workshops';

process.env.DATABASE_PATH = ':memory:';
process.env.MUFAKAT_LOG_LEVEL = 'warn';
let db: Db;
const workshop = async () => (await getWorkshop(db, 1))!;
const strokes = JSON.stringify({ width: 300, height: 120, strokes: [[[10, 60], [80, 20], [150, 90], [290, 30]]] });

beforeAll(async () => {
	db = getDb();
	await seedDemo(db);
	await freezeMatrix(db, await workshop(), null);
	await ensureMinutesDraft(db, await workshop());
});

describe('who signs the berita acara', () => {
	it('takes each institution’s chosen signatory, else its first to check in, and the officials without an attendance entry', async () => {
		const rows = await listAttendance(db, 1);
		const bappelitbangda = rows.filter((r) => r.institutionName.startsWith('Badan Perencanaan'));
		expect(bappelitbangda.map((r) => r.name)).toEqual(['Drs. Bambang Setiawan, M.Si.', 'Ratna Dewi Lestari, S.E.']);
		await chooseSignatory(db, await workshop(), bappelitbangda[1]!.id, null);
		// A removed entry neither signs nor counts.
		const lesse = rows.find((r) => r.name === 'Rizky Ramadhan')!;
		await removeAttendance(db, await workshop(), lesse.id, null);

		const version = await finalizeMinutes(db, await workshop(), null, { acknowledging: 'chair', witness: ['moderator', String(rows.find((r) => r.name === 'Fajar Nugroho')!.id)] });
		const signers = await listSigners(db, version.id);
		const parties = signers.filter((s) => s.role === 'party');
		expect(parties.find((s) => s.instansi.startsWith('Badan Perencanaan'))?.name).toBe('Ratna Dewi Lestari, S.E.');
		expect(parties.map((s) => s.name)).not.toContain('Drs. Bambang Setiawan, M.Si.');
		expect(parties.map((s) => s.name)).not.toContain('Rizky Ramadhan');
		expect(parties.map((s) => s.name)).not.toContain('Fajar Nugroho');
		expect(parties).toHaveLength(15); // 17 institutions present, Lesse removed, USAID-MADANI's only person a witness

		const chair = signers.find((s) => s.role === 'acknowledging')!;
		expect(chair).toMatchObject({ attendanceId: null, institutionId: null, name: 'Drs. Bambang Setiawan, M.Si.', jabatan: 'Pimpinan Rapat', instansi: 'Kepala Bidang Perencanaan, Bappelitbangda' });
		const witnesses = signers.filter((s) => s.role === 'witness');
		expect(witnesses.map((s) => [s.name, s.jabatan, s.instansi])).toEqual([
			['Dian Puspitasari', 'Moderator', 'Forpemma'],
			['Fajar Nugroho', 'Koordinator Lapangan', 'USAID-MADANI']
		]);

		// The chair signs from their own link, with no participant session and no check-in.
		const signed = await signMinutes(db, chair.linkToken, { consent: 'on', shownHash: version.textHash, strokes }, { ip: '10.0.0.9', userAgent: 'test', participantAttendanceId: null });
		expect(signed.status).toBe('signed');
	});

	it('refuses an official the workshop does not name and a signer chosen twice', async () => {
		const errors = async (input: Record<string, unknown>) => {
			try {
				// The chair has signed the version before: only a moderator with a reason may replace it.
				const moderator = (await db.select().from(users).where(eq(users.email, DEMO_MODERATOR_EMAIL)))[0]!;
				await finalizeMinutes(db, { ...await workshop(), notetakerName: '' }, moderator.id, { reason: 'Penanda tangan perlu diperbaiki', ...input });
			} catch (e) {
				if (e instanceof InputError) return Object.keys(e.errors);
			}
			return [];
		};
		expect(await errors({ acknowledging: 'notetaker' })).toEqual(['acknowledging']);
		expect(await errors({ acknowledging: 'chair', witness: 'chair' })).toEqual(['witness']);
		expect(await errors({ acknowledging: '999999' })).toEqual(['acknowledging']);
	});
});
