/**
 * The berita acara: a draft co-edited live in the workshop's Y.Doc, finalised into versions whose
 * exact text is hashed, and signed by each party on their own device.
 */
import { randomBytes } from 'node:crypto';
import { canonicalJson } from '../canonical-json';
import { sha256Hex } from './hashing';
import { log } from './log';
import { and, asc, desc, eq, inArray, isNull, max } from 'drizzle-orm';
import * as Y from 'yjs';
import { roots } from '../collab/matrix-doc';
import { readMinutesDraft, type MinutesDraft } from '../collab/minutes-draft';
import { liveRooms } from './collab/registry';
import { listAttendance } from './workshops/attendance';
import { partySignatories } from './workshops/attendance-corrections';
import { speaksForInstitution } from './workshops/confirmation';
import { affectedRows, transaction, type Db } from './db/client';
import { attendance, forumMembers, forums, minutesSigners, minutesVersions, programmes, sealedMinutes, workshops, type SignerRole } from './db/schema';
import { currentMatrixVersion } from './matrix/freeze';
import { listCommitments } from './commitments/commitments';
import { commitmentChangesSince } from './commitments/rollups';
import { describeCommitmentChange } from '../commitments/changes';
import { translate } from '../i18n/translate';
import { listPilotSites } from './programmes/pilot-sites';
import { tanggalTerbilang } from './terbilang';
import { siteNamer, villageName } from './matrix/sites';
import type { AgreedContribution } from './pdf/minutes-document';
import type { MinutesContent } from '$lib/minutes/types';
import { localIsoDate, zoneAbbreviation } from '../time-zones';
import { regionDefaults, type Forum } from './forums';
import { formatMinutesNumber, nextMinutesNumber } from './forums/numbering';
import { InputError, InputReader } from './validation';
import { listAgenda, type Workshop } from './workshops/workshops';

export type MinutesVersion = typeof minutesVersions.$inferSelect;
export type MinutesSigner = typeof minutesSigners.$inferSelect;

export const CONSENT_STATEMENT =
	'Saya telah membaca berita acara ini dan menyetujui isinya. Saya memahami bahwa tanda tangan yang saya gambar bersama segel sistem adalah tanda tangan elektronik tidak tersertifikasi (PP 71/2019).';
export const CLOSING_FORMULA = 'Demikian berita acara ini dibuat dengan sebenar-benarnya untuk dipergunakan sebagaimana mestinya.';
export const UNCERTIFIED_NOTICE =
	'Tanda tangan yang digambar para pihak bersama segel sistem Mufakat merupakan tanda tangan elektronik tidak tersertifikasi sebagaimana dimaksud dalam PP 71/2019. Keaslian dokumen dapat diperiksa pada halaman verifikasi.';

export type { MinutesContent } from '$lib/minutes/types';

const KIND_WORDS: Record<string, string> = {
	lokakarya: 'Lokakarya',
	rapat_koordinasi: 'Rapat Koordinasi',
	musyawarah: 'Musyawarah',
	fgd: 'Diskusi Kelompok Terarah'
};


async function forumOf(db: Db, workshop: Workshop) {
	return (await db.select().from(forums).where(eq(forums.id, workshop.forumId)))[0]!;
}

/** Where the minutes say they were made: the forum's place, else its region's name, else the venue. */
async function placeOf(db: Db, forum: Forum, fallback: string): Promise<string> {
	if (forum.place.trim()) return forum.place.trim();
	return (await regionDefaults(db, forum.regencyCode)).place || fallback;
}

/** Points a forum typically agrees on, as a starting draft the editors then change. */
async function defaultPoints(db: Db, workshop: Workshop, villageWord: string): Promise<string[]> {
	const points: string[] = [];
	const programme = workshop.programmeId ? (await db.select().from(programmes).where(eq(programmes.id, workshop.programmeId)))[0] : null;
	const frozen = await currentMatrixVersion(db, workshop.id);
	if (programme && frozen)
		points.push(`Menyepakati matriks peran dan kontribusi parapihak ${programme.name} (versi ${frozen.version}) sebagaimana terlampir.`);
	const sites = workshop.programmeId ? await listPilotSites(db, workshop.programmeId) : [];
	if (sites.length > 0) points.push(`Menyepakati lokasi piloting di ${sites.map((s) => villageName(s.area, s.areaCode, villageWord)).join(' dan ')}.`);
	points.push('Parapihak melaksanakan peran dan kontribusi masing-masing serta melaporkan kemajuannya kepada sekretariat forum secara berkala.');
	return points;
}

/**
 * Creates the live draft (nomor, numbered points, free text) the first time the minutes are opened.
 * Resolves once the draft is durable; a failed append is logged, not thrown: the draft is in the
 * document already, and the room appends it again.
 */
export async function ensureMinutesDraft(db: Db, workshop: Workshop): Promise<void> {
	const exists = await liveRooms().read(workshop.id, (doc) => roots(doc).minutes.has('points'));
	if (exists) return;
	const forum = await forumOf(db, workshop);
	const year = Number(workshop.date.slice(0, 4));
	const nomor = formatMinutesNumber(forum.numberingPattern, { n: await nextMinutesNumber(db, forum.id, year), shortName: forum.shortName, isoDate: workshop.date });
	const points = await defaultPoints(db, workshop, forum.villageWord);
	try {
		await liveRooms().change(workshop.id, (doc) => {
			const minutes = roots(doc).minutes;
			if (minutes.has('points')) return;
			minutes.set('nomor', nomor);
			const list = new Y.Array<Y.Text>();
			list.push(points.map((p) => new Y.Text(p)));
			minutes.set('points', list);
			minutes.set('notes', new Y.Text());
		});
	} catch (error) {
		log('error', 'minutes.draft.storeFailed', { workshop: workshop.id, error });
	}
}

async function buildContent(db: Db, workshop: Workshop, version: number, draft: MinutesDraft): Promise<MinutesContent> {
	const forum = await forumOf(db, workshop);
	const rows = await listAttendance(db, workshop.id);
	const when = tanggalTerbilang(workshop.date);
	const kind = KIND_WORDS[workshop.kind] ?? 'Pertemuan';
	const frozen = await currentMatrixVersion(db, workshop.id);
	const previous = workshop.previousWorkshopId ? (await db.select().from(workshops).where(eq(workshops.id, workshop.previousWorkshopId)))[0] : null;
	const siteName = await siteNamer(db, forum.villageWord, frozen?.cells.flatMap((c) => c.sites) ?? []);
	const agreed = (inst: string, comp: string): AgreedContribution | null => {
		const c = frozen?.cells.find((x) => String(x.institutionId) === inst && String(x.componentId) === comp);
		if (!c) return null;
		return {
			type: c.type,
			description: c.description,
			volume: c.volume,
			unit: c.unit,
			valueRupiah: c.valueRupiah,
			sites: c.sites.map((code) => ({ code, name: siteName(code) })),
			timing: c.timing,
			fundingSource: c.fundingSource
		};
	};
	return {
		workshopId: workshop.id,
		version,
		nomor: draft.nomor,
		title: 'BERITA ACARA',
		subtitle: workshop.title,
		forum: { name: forum.name, shortName: forum.shortName, secretariatAddress: forum.secretariatAddress, logoSha256: forum.logoSha256, logoMime: forum.logoMime },
		timeZone: forum.timeZone,
		villageWord: forum.villageWord,
		openingFormula:
			`Pada hari ini ${when.words}, pukul ${workshop.startTime.replace(':', '.')} ${zoneAbbreviation(forum.timeZone)}, bertempat di ${workshop.place}, telah dilaksanakan ${kind} "${workshop.title}"` +
			(workshop.chairName ? ` yang dipimpin oleh ${workshop.chairName}` : '') +
			(workshop.moderatorName ? ` dengan moderator ${workshop.moderatorName}` : '') +
			`, dan dihadiri oleh ${rows.length} orang perwakilan parapihak sebagaimana tercantum dalam daftar hadir terlampir.`,
		date: workshop.date,
		place: workshop.place,
		chair: workshop.chairName,
		moderator: workshop.moderatorName,
		notetaker: workshop.notetakerName,
		parties: rows.map((r) => ({ name: r.name, jabatan: r.jabatan, instansi: r.institutionName, sector: r.sector })),
		agenda: (await listAgenda(db, workshop.id)).map((a) => a.title),
		agreedPoints: draft.points,
		notes: draft.notes,
		matrix: frozen
			? {
					version: frozen.version,
					contentHash: frozen.contentHash,
					components: frozen.components.map((c) => c.name),
					rows: frozen.rows.map((r) => ({ institution: r.name, sector: r.sector, cells: frozen.components.map((c) => agreed(r.id, c.id)) }))
				}
			: null,
		commitments: (await listCommitments(db, workshop.forumId))
			.filter((c) => c.workshopId === workshop.id)
			.map((c) => ({
				number: c.number,
				statement: c.statement,
				lead: c.lead?.shortName ?? '',
				target: [c.targetValue !== null ? `${c.targetValue} ${c.unit}`.trim() : '', c.targetDeadline ? `tenggat ${c.targetDeadline}` : ''].filter(Boolean).join(', ')
			})),
		changesSinceLastMeeting: previous
			? [
					`Pertemuan ini menindaklanjuti ${previous.title} (${tanggalTerbilang(previous.date).short}).`,
					// The berita acara is an Indonesian document, whatever language its editor reads.
					...(workshop.programmeId ? (await commitmentChangesSince(db, workshop.programmeId, previous.date)).map((c) => describeCommitmentChange(c, (key, params) => translate('id', key, params), 'id')) : [])
				]
			: [],
		closingFormula: CLOSING_FORMULA,
		placeAndDate: `${await placeOf(db, forum, workshop.place)}, ${when.short}`
	};
}


export async function currentMinutesVersion(db: Db, workshopId: number): Promise<MinutesVersion | null> {
	return (
		(await db
			.select()
			.from(minutesVersions)
			.where(and(eq(minutesVersions.workshopId, workshopId), isNull(minutesVersions.voidedAt)))
			.orderBy(desc(minutesVersions.version)))[0] ?? null
	);
}

export async function listMinutesVersions(db: Db, workshopId: number): Promise<MinutesVersion[]> {
	return await db.select().from(minutesVersions).where(eq(minutesVersions.workshopId, workshopId)).orderBy(desc(minutesVersions.version));
}

export function minutesContent(version: MinutesVersion): MinutesContent {
	return JSON.parse(version.content) as MinutesContent;
}

const newLinkToken = () => randomBytes(18).toString('base64url');

/** Who runs the meeting: they may sign (the "Mengetahui" block, or as witnesses) without checking in. */
export const WORKSHOP_OFFICIALS = ['chair', 'moderator', 'notetaker'] as const;
export type WorkshopOfficial = (typeof WORKSHOP_OFFICIALS)[number];
const OFFICIAL_JABATAN: Record<WorkshopOfficial, string> = { chair: 'Pimpinan Rapat', moderator: 'Moderator', notetaker: 'Notulis' };

export type OfficialSigner = { key: WorkshopOfficial; name: string; jabatan: string; instansi: string };

/**
 * The workshop's chair, moderator and notetaker as they would sign. Their names are typed as
 * "Name (jabatan, instansi)"; the part in brackets is printed as the instansi, the forum otherwise.
 */
export function workshopOfficials(workshop: Pick<Workshop, 'chairName' | 'moderatorName' | 'notetakerName'>, forumName: string): OfficialSigner[] {
	const typed: Record<WorkshopOfficial, string> = { chair: workshop.chairName, moderator: workshop.moderatorName, notetaker: workshop.notetakerName };
	return WORKSHOP_OFFICIALS.filter((key) => typed[key].trim()).map((key) => {
		const match = /^(.*?)\s*\((.+)\)\s*$/.exec(typed[key].trim());
		return {
			key,
			name: (match ? match[1]! : typed[key]).trim(),
			jabatan: OFFICIAL_JABATAN[key],
			instansi: match ? match[2]!.trim() : forumName
		};
	});
}

type SignerChoice = { attendanceId: number } | { official: OfficialSigner };

/** A new version of minutes someone has signed must say why, in at least this many characters. */
export const MIN_REPLACE_REASON = 10;

/** Whether a version has been answered by any signer (signed or declined) or sealed: then it is on record. */
export async function versionOnRecord(db: Db, minutesVersionId: number): Promise<boolean> {
	const answered = (await db
		.select({ id: minutesSigners.id })
		.from(minutesSigners)
		.where(and(eq(minutesSigners.minutesVersionId, minutesVersionId), inArray(minutesSigners.status, ['signed', 'declined']))))[0];
	if (answered) return true;
	return !!(await db.select({ id: sealedMinutes.id }).from(sealedMinutes).where(eq(sealedMinutes.minutesVersionId, minutesVersionId)))[0];
}

async function isForumModerator(db: Db, forumId: number, userId: number | null): Promise<boolean> {
	if (userId === null) return false;
	return !!(await db
		.select({ userId: forumMembers.userId })
		.from(forumMembers)
		.where(and(eq(forumMembers.forumId, forumId), eq(forumMembers.userId, userId), eq(forumMembers.role, 'moderator'))))[0];
}

/**
 * Freezes the minutes: the exact text, the frozen matrix version and the attendance go into a new
 * version with its SHA-256, and the previous version is superseded: its pending links stop working.
 * Once anyone has signed or declined the previous version (or it is sealed), only one of the
 * forum's moderators may replace it, with a written `reason`; its signatures, its sealed PDF and
 * /verify's answer about that PDF stay as they were. Signers: one party
 * per institution present (the representative staff chose as its signatory, else the first to
 * check in), plus the chosen witnesses and acknowledging official, who may be attendees or the
 * workshop's chair, moderator or notetaker (`acknowledging` and `witness` take an attendance id
 * or one of those three words).
 */
export async function finalizeMinutes(
	db: Db,
	workshop: Workshop,
	userId: number | null,
	input: FormData | Record<string, unknown> = {}
): Promise<MinutesVersion> {
	const form = new InputReader(input);
	const reason = form.paragraph('reason', { max: 1000 });
	const onRecord = async (version: MinutesVersion | null) => version !== null && await versionOnRecord(db, version.id);
	const mayReplaceSigned = await isForumModerator(db, workshop.forumId, userId);
	// Refused before anything else is checked: the secretariat gets one clear answer.
	if (await onRecord(await currentMinutesVersion(db, workshop.id))) {
		if (!mayReplaceSigned) throw new InputError({ reason: { key: 'minutes.replace.moderatorOnly' } });
		if (reason.length < MIN_REPLACE_REASON) form.fail('reason', 'minutes.replace.reasonTooShort', { min: MIN_REPLACE_REASON });
	}
	const attendees = await listAttendance(db, workshop.id);
	const officials = workshopOfficials(workshop, (await forumOf(db, workshop)).name);
	const choose = (value: string): SignerChoice | null => {
		const official = officials.find((o) => o.key === value);
		if (official) return { official };
		const id = /^\d{1,12}$/.test(value) ? Number(value) : NaN;
		return attendees.some((a) => a.id === id) ? { attendanceId: id } : null;
	};
	const ackRaw = form.text('acknowledging', { max: 12 });
	const acknowledging = ackRaw ? choose(ackRaw) : null;
	if (ackRaw && !acknowledging) form.fail('acknowledging', 'error.invalidChoice');
	const witnessesRaw = input instanceof FormData ? input.getAll('witness').map(String) : ([] as string[]).concat((input.witness as string[] | string | undefined) ?? []);
	const witnessValues = [...new Set(witnessesRaw.filter(Boolean))];
	const witnesses = witnessValues.map(choose);
	if (witnesses.some((w) => w === null) || witnessValues.includes(ackRaw)) form.fail('witness', 'error.invalidChoice');
	if (attendees.length === 0) form.fail('attendance', 'minutes.noAttendance');
	const matrixLive = await liveRooms().read(workshop.id, (doc) => roots(doc).components.size > 0 && roots(doc).meta.get('frozen') !== true);
	if (matrixLive) form.fail('matrix', 'minutes.freezeFirst');
	form.done();
	// Read right below from the document; finalising stores it in SQL anyway.
	await ensureMinutesDraft(db, workshop);
	const raw = await liveRooms().read(workshop.id, readMinutesDraft);
	const draft = { nomor: raw.nomor.trim(), points: raw.points.map((p) => p.trim()).filter(Boolean), notes: raw.notes.trim() };
	if (!draft.nomor) throw new InputError({ nomor: { key: 'error.required' } });
	if (draft.points.length === 0) throw new InputError({ points: { key: 'minutes.noPoints' } });
	// The name, jabatan and instansi printed under the signature, as they are today.
	const signerSnapshot = (choice: SignerChoice) => {
		if ('official' in choice) {
			const { name, jabatan, instansi } = choice.official;
			return { attendanceId: null, institutionId: null, name, jabatan, instansi };
		}
		const a = attendees.find((x) => x.id === choice.attendanceId)!;
		return { attendanceId: a.id, institutionId: a.institutionId, name: a.name, jabatan: a.jabatan, instansi: a.institutionName };
	};

	return await transaction(db, async (tx) => {
		const latest = (await tx.select({ v: max(minutesVersions.version) }).from(minutesVersions).where(eq(minutesVersions.workshopId, workshop.id)))[0];
		const version = (latest?.v ?? 0) + 1;
		const content = canonicalJson(await buildContent(tx, workshop, version, draft));
		const now = new Date();
		const previous = await currentMinutesVersion(tx, workshop.id);
		if (previous) {
			// Someone may have signed since the check above: decide again inside the transaction.
			const signed = await onRecord(previous);
			if (signed && !mayReplaceSigned) throw new InputError({ reason: { key: 'minutes.replace.moderatorOnly' } });
			if (signed && reason.length < MIN_REPLACE_REASON) throw new InputError({ reason: { key: 'minutes.replace.reasonTooShort', params: { min: MIN_REPLACE_REASON } } });
			await tx.update(minutesVersions)
				.set({ voidedAt: now, voidReason: reason || null, voidedBy: userId })
				.where(eq(minutesVersions.id, previous.id));
			// Signatures and refusals already given stay on record with the version they were given to.
			await tx.update(minutesSigners)
				.set({ status: 'void' })
				.where(and(eq(minutesSigners.minutesVersionId, previous.id), eq(minutesSigners.status, 'pending')));
			if (signed) {
				await tx.update(workshops).set({ status: 'closed' }).where(and(eq(workshops.id, workshop.id), eq(workshops.status, 'signed')));
				log('info', 'minutes.signedVersionReplaced', { workshop: workshop.id, version: previous.version, by: userId });
			}
		}
		const matrix = await currentMatrixVersion(tx, workshop.id);
		const row = (await tx
			.insert(minutesVersions)
			.values({ workshopId: workshop.id, version, nomor: draft.nomor, content, textHash: sha256Hex(content), matrixVersionId: matrix?.id ?? null, finalizedAt: now, finalizedBy: userId })
			.returning())[0]!;
		const add = async (choice: SignerChoice, role: SignerRole) =>
			affectedRows(await tx.insert(minutesSigners)
				.values({ minutesVersionId: row.id, role, linkToken: newLinkToken(), ...signerSnapshot(choice) }));
		const special = new Set(
			[acknowledging, ...witnesses].flatMap((c) => (c && 'attendanceId' in c ? [c.attendanceId] : []))
		);
		for (const a of partySignatories(attendees.filter((x) => x.institutionApproved && speaksForInstitution(x)), special)) await add({ attendanceId: a.id }, 'party');
		for (const w of witnesses) await add(w!, 'witness');
		if (acknowledging) await add(acknowledging, 'acknowledging');
		return row;
	});
}

export async function listSigners(db: Db, minutesVersionId: number): Promise<MinutesSigner[]> {
	return await db.select().from(minutesSigners).where(eq(minutesSigners.minutesVersionId, minutesVersionId)).orderBy(asc(minutesSigners.id));
}

export async function findSignerByToken(db: Db, token: string) {
	if (!/^[A-Za-z0-9_-]{10,64}$/.test(token)) return null;
	const signer = (await db.select().from(minutesSigners).where(eq(minutesSigners.linkToken, token)))[0];
	if (!signer) return null;
	const version = (await db.select().from(minutesVersions).where(eq(minutesVersions.id, signer.minutesVersionId)))[0]!;
	return { signer, version };
}

/** Replaces a pending signer's link; the old one stops working at once. */
export async function renewSignerLink(db: Db, workshopId: number, signerId: number): Promise<string | null> {
	const current = await currentMinutesVersion(db, workshopId);
	if (!current) return null;
	const token = newLinkToken();
	const result = affectedRows(await db
		.update(minutesSigners)
		.set({ linkToken: token })
		.where(and(eq(minutesSigners.id, signerId), eq(minutesSigners.minutesVersionId, current.id), eq(minutesSigners.status, 'pending'))));
	return result === 1 ? token : null;
}

export type SignatureStrokes = { width: number; height: number; strokes: [number, number][][] };

/** Validates what a signature pad sent: a few strokes of points inside its box, nothing huge. */
export function parseStrokes(raw: string): SignatureStrokes | null {
	try {
		const value = JSON.parse(raw) as unknown;
		if (!value || typeof value !== 'object') return null;
		const { width, height, strokes } = value as Record<string, unknown>;
		if (typeof width !== 'number' || typeof height !== 'number' || width < 50 || height < 20 || width > 4000 || height > 4000) return null;
		if (!Array.isArray(strokes) || strokes.length === 0 || strokes.length > 200) return null;
		let points = 0;
		let ink = 0;
		const clean: [number, number][][] = [];
		for (const stroke of strokes) {
			if (!Array.isArray(stroke) || stroke.length === 0) return null;
			const line: [number, number][] = [];
			for (const point of stroke) {
				if (!Array.isArray(point) || point.length !== 2) return null;
				const [x, y] = point as unknown[];
				if (typeof x !== 'number' || typeof y !== 'number' || !Number.isFinite(x) || !Number.isFinite(y)) return null;
				if (x < -1 || y < -1 || x > width + 1 || y > height + 1) return null;
				const prev = line.at(-1);
				if (prev) ink += Math.hypot(x - prev[0], y - prev[1]);
				line.push([Math.round(x * 10) / 10, Math.round(y * 10) / 10]);
				if (++points > 10_000) return null;
			}
			clean.push(line);
		}
		// A dot or a tap is not a signature.
		if (ink < 20) return null;
		return { width, height, strokes: clean };
	} catch (e) {
		// Unparseable strokes are refused like any other bad drawing; the operator may want to see why.
		log('debug', 'sign.strokesUnreadable', { error: e });
		return null;
	}
}

/**
 * Records a drawn signature. Refused when the link is void or used, when the text shown is not the
 * current version's, when consent is not ticked, or when a joined participant tries another
 * attendee's link.
 */
export async function signMinutes(
	db: Db,
	token: string,
	input: FormData | Record<string, unknown>,
	context: { ip: string; userAgent: string; participantAttendanceId: number | null },
	now = new Date()
): Promise<MinutesSigner> {
	const found = await findSignerByToken(db, token);
	if (!found) throw new InputError({ token: { key: 'sign.unknownLink' } });
	const { signer, version } = found;
	if (context.participantAttendanceId !== null && signer.attendanceId !== context.participantAttendanceId)
		throw new InputError({ token: { key: 'sign.notYours' } });
	if (version.voidedAt || signer.status === 'void') throw new InputError({ token: { key: 'sign.versionVoid' } });
	// A representative the moderator revoked (or never confirmed) no longer signs for the institution.
	const entry = signer.role === 'party' && signer.attendanceId !== null ? (await db.select().from(attendance).where(eq(attendance.id, signer.attendanceId)))[0] : null;
	if (entry && !speaksForInstitution(entry)) throw new InputError({ token: { key: 'door.cannotSign' } });
	if (signer.status === 'signed') throw new InputError({ token: { key: 'sign.alreadySigned' } });
	if (signer.status === 'declined') throw new InputError({ token: { key: 'sign.alreadyDeclined' } });
	const form = new InputReader(input);
	const shownHash = form.text('shownHash', { required: true, max: 64 });
	if (shownHash && shownHash !== version.textHash) form.fail('shownHash', 'sign.textChanged');
	if (form.text('consent', { max: 10 }) !== 'on') form.fail('consent', 'sign.consentRequired');
	const strokes = parseStrokes(form.paragraph('strokes', { required: true, max: 400_000 }));
	if (!strokes) form.fail('strokes', 'sign.drawSignature');
	form.done();
	const updated = (await db
		.update(minutesSigners)
		.set({
			status: 'signed',
			strokes,
			consentText: CONSENT_STATEMENT,
			shownHash,
			signedAt: now,
			ip: context.ip.slice(0, 64),
			userAgent: context.userAgent.slice(0, 400)
		})
		.where(and(eq(minutesSigners.id, signer.id), eq(minutesSigners.status, 'pending')))
		.returning())[0]!;
	// Two taps racing: the second finds the row no longer pending.
	if (!updated) throw new InputError({ token: { key: 'sign.alreadySigned' } });
	return updated;
}

export async function declineSigning(db: Db, token: string, input: FormData | Record<string, unknown>): Promise<void> {
	const found = await findSignerByToken(db, token);
	if (!found || found.version.voidedAt) throw new InputError({ token: { key: 'sign.unknownLink' } });
	const form = new InputReader(input);
	const reason = form.paragraph('reason', { required: true, max: 500 });
	form.done();
	const result = affectedRows(await db
		.update(minutesSigners)
		.set({ status: 'declined', declineReason: reason, signedAt: new Date() })
		.where(and(eq(minutesSigners.id, found.signer.id), eq(minutesSigners.status, 'pending'))));
	if (result !== 1) throw new InputError({ token: { key: 'sign.alreadySigned' } });
}

/** Pending signers left: sealing waits until everyone has signed or declined. */
export function signingComplete(signers: MinutesSigner[]): boolean {
	return signers.length > 0 && signers.every((s) => s.status === 'signed' || s.status === 'declined');
}

/** How far a signature may be from the date the minutes carry before the secretariat is warned. */
export const SIGNING_DATE_TOLERANCE_DAYS = 7;

/**
 * The signature furthest from the minutes' date, when it is more than the tolerance away (in the
 * forum's calendar): a berita acara dated 8 November and signed in January reads as back-dated,
 * or the date at the top is wrong.
 */
export function signingDateGap(
	minutesDate: string,
	signers: Pick<MinutesSigner, 'name' | 'status' | 'signedAt'>[],
	timeZone: string
): { days: number; signedOn: string; name: string } | null {
	const day = (iso: string) => Date.parse(`${iso}T00:00:00Z`) / 86_400_000;
	let worst: { days: number; signedOn: string; name: string } | null = null;
	for (const s of signers) {
		if (s.status !== 'signed' || !s.signedAt) continue;
		const signedOn = localIsoDate(s.signedAt, timeZone);
		const days = Math.round(Math.abs(day(signedOn) - day(minutesDate)));
		if (days > SIGNING_DATE_TOLERANCE_DAYS && (!worst || days > worst.days)) worst = { days, signedOn, name: s.name };
	}
	return worst;
}
