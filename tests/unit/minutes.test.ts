import { beforeAll, describe, expect, it } from 'vitest';
import { eq } from 'drizzle-orm';
import * as Y from 'yjs';
import { roots } from '../../src/lib/collab/matrix-doc';
import { liveRooms } from '../../src/lib/server/collab/registry';
import { getDb, type Db } from '../../src/lib/server/db/client';
import { minutesVersions, sealedMinutes, users } from '../../src/lib/server/db/schema';
import { DEMO_MODERATOR_EMAIL, DEMO_SECRETARIAT_EMAIL, seedDemo } from '../../src/lib/server/demo';
import { importAreas } from '../../src/lib/server/areas';
import { freezeMatrix } from '../../src/lib/server/matrix/freeze';
import {
	currentMinutesVersion,
	declineSigning,
	ensureMinutesDraft,
	finalizeMinutes,
	listSigners,
	minutesContent,
	renewSignerLink,
	signMinutes,
	signingComplete
} from '../../src/lib/server/minutes';
import { sealedPdf, sealWorkshopMinutes, verifyMinutesPdf } from '../../src/lib/server/sealing';
import { InputError } from '../../src/lib/server/validation';
import { getWorkshop } from '../../src/lib/server/workshops/workshops';

process.env.DATABASE_PATH = ':memory:';
let db: Db;
const workshop = async () => (await getWorkshop(db, 1))!;
const userId = async (email: string) => (await db.select().from(users).where(eq(users.email, email)))[0]!.id;
const strokes = JSON.stringify({ width: 300, height: 120, strokes: [[[10, 60], [80, 20], [150, 90], [290, 30]]] });
const ctx = { ip: '192.168.1.23', userAgent: 'Mozilla/5.0 (Linux; Android 12) Chrome/120 Mobile', participantAttendanceId: null };

async function errorKey(fn: () => unknown): Promise<string> {
	try {
		await fn();
	} catch (e) {
		if (e instanceof InputError) return Object.values(e.errors)[0]!.key;
		throw e;
	}
	return 'no error';
}

beforeAll(async () => {
	db = getDb();
	await importAreas(db);
	await seedDemo(db);
});

describe('berita acara', () => {
	it('will not finalise while the matrix is still being edited', async () => {
		expect(await errorKey(async () => await finalizeMinutes(db, await workshop(), null))).toBe('minutes.freezeFirst');
	});

	it('drafts from the workshop and finalises a hashed version with one party per institution', async () => {
		await freezeMatrix(db, await workshop(), null);
		await ensureMinutesDraft(db, await workshop());
		const version = await finalizeMinutes(db, await workshop(), null, { acknowledging: '1' });
		const content = minutesContent(version);
		expect(content.openingFormula).toMatch(/^Pada hari ini Senin tanggal delapan bulan November tahun dua ribu dua puluh satu, pukul 08\.30 WIB, bertempat di Ruang Pertemuan Lt\. 2 Bappelitbangda/);
		expect(version.nomor).toBe('1/BA/Forpemma/XI/2021');
		expect(content.placeAndDate).toBe('Madiun, 8 November 2021');
		expect(content.agreedPoints[0]).toMatch(/matriks peran dan kontribusi parapihak Program Kelurahan Mandiri \(versi 1\)/);
		expect(content.parties.map((p) => p.name)).toContain('Ahmad Syafiʼi');
		expect(content.matrix?.components).toHaveLength(3);
		expect(version.textHash).toMatch(/^[0-9a-f]{64}$/);
		const signers = await listSigners(db, version.id);
		// 17 institutions; Bappelitbangda's first attendee acknowledges, so its second one signs as party.
		expect(signers.filter((s) => s.role === 'party')).toHaveLength(17);
		expect(signers.find((s) => s.role === 'acknowledging')?.name).toBe('Drs. Bambang Setiawan, M.Si.');
	});

	it('records a drawn signature once, only for the text shown, only by its own attendee', async () => {
		const version = (await currentMinutesVersion(db, 1))!;
		const [first, second] = (await listSigners(db, version.id)).filter((s) => s.role === 'party');
		const good = { consent: 'on', strokes, shownHash: version.textHash };
		expect(await errorKey(async () => await signMinutes(db, first!.linkToken, { ...good, shownHash: 'a'.repeat(64) }, ctx))).toBe('sign.textChanged');
		expect(await errorKey(async () => await signMinutes(db, first!.linkToken, { ...good, consent: '' }, ctx))).toBe('sign.consentRequired');
		expect(await errorKey(async () => await signMinutes(db, first!.linkToken, { ...good, strokes: JSON.stringify({ width: 300, height: 120, strokes: [[[5, 5]]] }) }, ctx))).toBe('sign.drawSignature');
		expect(await errorKey(async () => await signMinutes(db, first!.linkToken, good, { ...ctx, participantAttendanceId: second!.attendanceId }))).toBe('sign.notYours');
		const signed = await signMinutes(db, first!.linkToken, good, { ...ctx, participantAttendanceId: first!.attendanceId });
		expect(signed).toMatchObject({ status: 'signed', shownHash: version.textHash, ip: '192.168.1.23' });
		expect(signed.strokes?.strokes[0]).toHaveLength(4);
		expect(await errorKey(async () => await signMinutes(db, first!.linkToken, good, ctx))).toBe('sign.alreadySigned');
		expect(await errorKey(async () => await signMinutes(db, 'not-a-real-link-token', good, ctx))).toBe('sign.unknownLink');
	});

	it('gives a fresh link that replaces the old one, and records a refusal with its reason', async () => {
		const version = (await currentMinutesVersion(db, 1))!;
		const pending = (await listSigners(db, version.id)).filter((s) => s.status === 'pending');
		const fresh = (await renewSignerLink(db, 1, pending[0]!.id))!;
		expect(await errorKey(async () => await signMinutes(db, pending[0]!.linkToken, { consent: 'on', strokes, shownHash: version.textHash }, ctx))).toBe('sign.unknownLink');
		await signMinutes(db, fresh, { consent: 'on', strokes, shownHash: version.textHash }, ctx);
		expect(await errorKey(async () => await declineSigning(db, pending[1]!.linkToken, { reason: '' }))).toBe('error.required');
		await declineSigning(db, pending[1]!.linkToken, { reason: 'Menunggu disposisi pimpinan' });
		expect((await listSigners(db, version.id)).find((s) => s.id === pending[1]!.id)).toMatchObject({ status: 'declined', declineReason: 'Menunggu disposisi pimpinan' });
		expect(signingComplete(await listSigners(db, version.id))).toBe(false);
	});

	it('refuses a new version of signed minutes to the secretariat and to a moderator without a reason, changing nothing', async () => {
		const old = (await currentMinutesVersion(db, 1))!;
		const before = await listSigners(db, old.id);
		expect(before.some((s) => s.status === 'signed')).toBe(true);
		await liveRooms().change(1, (doc) => (roots(doc).minutes.get('points') as Y.Array<Y.Text>).push([new Y.Text('Butir tambahan')]));
		expect(await errorKey(async () => await finalizeMinutes(db, await workshop(), await userId(DEMO_SECRETARIAT_EMAIL), { reason: 'Butir tambahan dari peserta' }))).toBe('minutes.replace.moderatorOnly');
		expect(await errorKey(async () => await finalizeMinutes(db, await workshop(), null, { reason: 'Butir tambahan dari peserta' }))).toBe('minutes.replace.moderatorOnly');
		expect(await errorKey(async () => await finalizeMinutes(db, await workshop(), await userId(DEMO_MODERATOR_EMAIL)))).toBe('minutes.replace.reasonTooShort');
		expect(await errorKey(async () => await finalizeMinutes(db, await workshop(), await userId(DEMO_MODERATOR_EMAIL), { reason: 'ralat' }))).toBe('minutes.replace.reasonTooShort');
		expect((await currentMinutesVersion(db, 1))!.id).toBe(old.id);
		expect(await db.select().from(minutesVersions).where(eq(minutesVersions.workshopId, 1))).toHaveLength(1);
		expect(await listSigners(db, old.id)).toEqual(before);
	});

	it('lets a moderator replace signed minutes with a reason, keeping the old version and its signatures on record', async () => {
		const old = (await currentMinutesVersion(db, 1))!;
		const before = await listSigners(db, old.id);
		const moderator = await userId(DEMO_MODERATOR_EMAIL);
		const next = await finalizeMinutes(db, await workshop(), moderator, { reason: 'Butir tambahan disepakati setelah penandatanganan' });
		expect(next.version).toBe(2);
		expect(next.textHash).not.toBe(old.textHash);
		const replaced = (await db.select().from(minutesVersions).where(eq(minutesVersions.id, old.id)))[0]!;
		expect(replaced).toMatchObject({ voidReason: 'Butir tambahan disepakati setelah penandatanganan', voidedBy: moderator, textHash: old.textHash });
		expect(replaced.voidedAt).not.toBeNull();
		const after = await listSigners(db, old.id);
		for (const s of before) {
			const kept = after.find((a) => a.id === s.id)!;
			// Signatures and refusals stay as given; only links nobody answered stop working.
			expect(kept.status).toBe(s.status === 'pending' ? 'void' : s.status);
			expect(kept.strokes).toEqual(s.strokes);
		}
		const signedBefore = before.find((s) => s.status === 'signed')!;
		expect(await errorKey(async () => await signMinutes(db, signedBefore.linkToken, { consent: 'on', strokes, shownHash: old.textHash }, ctx))).toBe('sign.versionVoid');
		expect((await listSigners(db, old.id)).find((s) => s.id === signedBefore.id)?.status).toBe('signed');
		const pendingBefore = before.find((s) => s.status === 'pending')!;
		expect(await errorKey(async () => await signMinutes(db, pendingBefore.linkToken, { consent: 'on', strokes, shownHash: old.textHash }, ctx))).toBe('sign.versionVoid');
		expect((await listSigners(db, next.id)).every((s) => s.status === 'pending')).toBe(true);
	});

	it('lets the secretariat re-finalise a version nobody has signed yet, as before', async () => {
		const unsigned = (await currentMinutesVersion(db, 1))!;
		const next = await finalizeMinutes(db, await workshop(), await userId(DEMO_SECRETARIAT_EMAIL));
		expect(next.version).toBe(unsigned.version + 1);
		expect((await listSigners(db, unsigned.id)).every((s) => s.status === 'void')).toBe(true);
	});
});

describe('sealing', () => {
	it('seals a version once, even when two requests ask at the same time', async () => {
		const version = (await currentMinutesVersion(db, 1))!;
		for (const s of (await listSigners(db, version.id)).filter((x) => x.status === 'pending'))
			await signMinutes(db, s.linkToken, { consent: 'on', strokes, shownHash: version.textHash }, ctx);
		const [first, second] = await Promise.all([sealWorkshopMinutes(db, await workshop(), 'http://mufakat.test'), sealWorkshopMinutes(db, await workshop(), 'http://mufakat.test')]);
		expect(first.alreadySealed).toBe(false);
		expect(second).toMatchObject({ sha256: first.sha256, alreadySealed: true });
		expect(await db.select().from(sealedMinutes).where(eq(sealedMinutes.minutesVersionId, version.id))).toHaveLength(1);
		const later = await sealWorkshopMinutes(db, await workshop(), 'http://mufakat.test');
		expect(later).toMatchObject({ sha256: first.sha256, alreadySealed: true });
	});

	it('still calls a sealed version genuine after a moderator replaced it, saying by which version and why', async () => {
		const sealedVersion = (await currentMinutesVersion(db, 1))!;
		const { pdf } = await sealWorkshopMinutes(db, await workshop(), 'http://mufakat.test');
		expect(await verifyMinutesPdf(db, pdf)).toMatchObject({ verdict: 'genuine', match: { version: sealedVersion.version, current: true, supersededBy: null } });
		expect(await errorKey(async () => await finalizeMinutes(db, await workshop(), await userId(DEMO_SECRETARIAT_EMAIL), { reason: 'Salah ketik nama lembaga' }))).toBe('minutes.replace.moderatorOnly');
		const next = await finalizeMinutes(db, await workshop(), await userId(DEMO_MODERATOR_EMAIL), { reason: 'Salah ketik nama lembaga pada butir 2' });
		const result = await verifyMinutesPdf(db, pdf);
		expect(result.verdict).toBe('genuine');
		expect(result.match).toMatchObject({ version: sealedVersion.version, current: false, supersededBy: { version: next.version, reason: 'Salah ketik nama lembaga pada butir 2' } });
		expect(result.match!.signers.filter((s) => s.status === 'signed').length).toBeGreaterThan(0);
		expect(result.match!.signers.every((s) => s.status === 'signed' || s.status === 'declined')).toBe(true);
		expect(await sealedPdf(db, 1, sealedVersion.version)).toEqual(pdf);
		expect((await getWorkshop(db, 1))!.status).toBe('closed');
	});
});
