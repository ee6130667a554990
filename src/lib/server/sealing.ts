/**
 * The forum's system seal over the signed minutes: its certificate (generated on first use or
 * imported as PKCS#12), the sealed PDF archive, and what the public verify page answers.
 */
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { and, asc, desc, eq, gt, isNull } from 'drizzle-orm';
import forge from 'node-forge';
import { DEFAULT_DATABASE_PATH, transaction, type Db } from './db/client';
import { attendance, forums, minutesSigners, minutesVersions, sealCertificates, sealedMinutes, workshops } from './db/schema';
import { translate, type MessageKey } from '../i18n/translate';
import { currentMinutesVersion, listSigners, minutesContent, signingComplete, CONSENT_STATEMENT, UNCERTIFIED_NOTICE, type MinutesContent, type MinutesSigner, type MinutesVersion } from './minutes';
import type { Forum } from './forums';
import { logoDir, readLogo } from './forums/logo';
import { DEFAULT_TIME_ZONE, formatClock } from '../time-zones';
import type { MinutesDocument, SignatureStrokes } from './pdf/minutes-document';
import { renderMinutesPdf } from './pdf/render-minutes';
import { asciiName, createSealCertificate, inspectP12, P12Error, sealPdf, type SealInfo } from './pdf/seal';
import { inspectPdfSignatures, type PdfSignatures, type SignatureCheck } from './pdf/verify';
import { TimeStampError, timeStampAuthorityUrl } from './pdf/time-stamp';
import { sha256Hex } from './hashing';
import { log } from './log';
import { InputError } from './validation';
import type { Workshop } from './workshops/workshops';

export const MAX_P12_BYTES = 64 * 1024;
export const MAX_VERIFY_BYTES = 25 * 1024 * 1024;

let memorySecret: string | null = null;

/**
 * The passphrase under which seal keys are kept: MUFAKAT_SEAL_SECRET, or a file beside the
 * database created on first use (mode 600). Keeping it outside the database means a copied
 * database alone does not hand out the forum's seal.
 */
function sealSecret(): string {
	if (process.env.MUFAKAT_SEAL_SECRET) return process.env.MUFAKAT_SEAL_SECRET;
	const file = sealSecretFile();
	if (!file) return (memorySecret ??= randomBytes(32).toString('base64url'));
	if (!existsSync(file)) {
		mkdirSync(dirname(file), { recursive: true });
		try {
			writeFileSync(file, randomBytes(32).toString('base64url'), { mode: 0o600, flag: 'wx' });
			chmodSync(file, 0o600);
		} catch (error) {
			// Another process sharing this folder (an instance on the same machine) wrote it first: use theirs.
			if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
		}
	}
	return readFileSync(file, 'utf8').trim();
}

/** Where the seal secret is kept when MUFAKAT_SEAL_SECRET is not set (null for an in-memory database). */
export function sealSecretFile(): string | null {
	const dbPath = process.env.DATABASE_PATH ?? DEFAULT_DATABASE_PATH;
	return dbPath === ':memory:' ? null : join(dirname(resolve(dbPath)), 'seal.secret');
}

/** Re-encrypts a PKCS#12 under another passphrase (so an importer's passphrase is never kept). */
function rewrapP12(p12: Buffer, from: string, to: string): Buffer {
	const SHROUDED = forge.pki.oids.pkcs8ShroudedKeyBag as string;
	const PLAIN = forge.pki.oids.keyBag as string;
	const CERT = forge.pki.oids.certBag as string;
	const parsed = forge.pkcs12.pkcs12FromAsn1(forge.asn1.fromDer(p12.toString('binary')), from);
	const keyBag = parsed.getBags({ bagType: SHROUDED })[SHROUDED]?.[0] ?? parsed.getBags({ bagType: PLAIN })[PLAIN]?.[0];
	const certs = (parsed.getBags({ bagType: CERT })[CERT] ?? []).map((b: forge.pkcs12.Bag) => b.cert).filter((c): c is forge.pki.Certificate => !!c);
	if (!keyBag?.key || certs.length === 0) throw new P12Error('noKey', 'no key or certificate');
	const out = forge.pkcs12.toPkcs12Asn1(keyBag.key, certs, to, { algorithm: 'aes256', generateLocalKeyId: true });
	return Buffer.from(forge.asn1.toDer(out).getBytes(), 'binary');
}

export async function activeSealCertificate(db: Db, forumId: number) {
	return (
		(await db
			.select()
			.from(sealCertificates)
			.where(and(eq(sealCertificates.forumId, forumId), eq(sealCertificates.active, true)))
			.orderBy(desc(sealCertificates.id)))[0] ?? null
	);
}

/**
 * The seal certificate's common name: the forum's name in ASCII (see TOOLCHAIN.md: node-forge
 * mangles non-ASCII names), at most the 64 characters X.509 allows. The certificate's other fields
 * say it is Mufakat's system seal and not certified.
 */
export function sealCommonName(forum: { name: string; shortName: string }): string {
	const name = asciiName(forum.name) || asciiName(forum.shortName) || 'Mufakat forum';
	return name.length <= 64 ? name : name.slice(0, 64).replace(/\s+\S*$/, '').trim();
}

/** True when a generated certificate no longer names the forum (the forum was renamed). */
function namesOtherForum(subject: string, commonName: string): boolean {
	const plain = subject.replace(/\\(.)/g, '$1');
	return !(plain === `CN=${commonName}` || plain.startsWith(`CN=${commonName}, `));
}

/**
 * The forum's active seal; a self-signed one (named after the forum, marked as not certified) is
 * made on first use, and again when the forum's name changed since. Older certificates stay on
 * record, so documents sealed with them still verify.
 */
export async function ensureSealCertificate(db: Db, forumId: number) {
	const existing = await activeSealCertificate(db, forumId);
	const forum = (await db.select().from(forums).where(eq(forums.id, forumId)))[0]!;
	const commonName = sealCommonName(forum);
	if (existing && existing.notAfter.getTime() > Date.now() && (existing.source === 'imported' || !namesOtherForum(existing.subject, commonName))) return existing;
	const made = createSealCertificate(commonName);
	const info = inspectP12(made.p12, made.passphrase);
	await db.update(sealCertificates).set({ active: false }).where(eq(sealCertificates.forumId, forumId));
	return (await db
		.insert(sealCertificates)
		.values({
			forumId,
			source: 'generated',
			p12: rewrapP12(made.p12, made.passphrase, sealSecret()),
			subject: info.subject,
			fingerprint: info.fingerprint,
			notBefore: info.notBefore,
			notAfter: info.notAfter
		})
		.returning())[0]!;
}

/**
 * Seals another document of the forum (a Laporan Kemajuan) with the same active seal as its
 * minutes, so that one piece of code holds the forum's key.
 */
export async function sealForumDocument(db: Db, forumId: number, pdf: Uint8Array, info: SealInfo): Promise<{ pdf: Uint8Array; fingerprint: string }> {
	const cert = await ensureSealCertificate(db, forumId);
	const key = { p12: Buffer.from(cert.p12), passphrase: sealSecret() };
	const authority = timeStampAuthorityUrl();
	if (authority) {
		try {
			return { pdf: await sealPdf(pdf, key, info, { timeStampAuthority: authority }), fingerprint: cert.fingerprint };
		} catch (error) {
			// As for the minutes: a hall without the authority still gets its sealed report (B-B).
			if (!(error instanceof TimeStampError)) throw error;
			log('warn', 'report.seal.timeStampUnavailable', { forum: forumId, authority, reason: error.message });
		}
	}
	return { pdf: await sealPdf(pdf, key, info), fingerprint: cert.fingerprint };
}

/** A PKCS#12 from the secretariat: checked (passphrase, key, validity, key usage), then kept re-wrapped. */
export async function importSealCertificate(db: Db, forumId: number, form: FormData) {
	const file = form.get('p12');
	const passphrase = String(form.get('passphrase') ?? '');
	if (!(file instanceof File) || file.size === 0) throw new InputError({ p12: { key: 'error.required' } });
	if (file.size > MAX_P12_BYTES) throw new InputError({ p12: { key: 'minutes.p12.badPassphrase' } });
	const bytes = Buffer.from(await file.arrayBuffer());
	try {
		const info = inspectP12(bytes, passphrase);
		const p12 = rewrapP12(bytes, passphrase, sealSecret());
		return await transaction(db, async (tx) => {
			await tx.update(sealCertificates).set({ active: false }).where(eq(sealCertificates.forumId, forumId));
			return (await tx
				.insert(sealCertificates)
				.values({ forumId, source: 'imported', p12, subject: info.subject, fingerprint: info.fingerprint, notBefore: info.notBefore, notAfter: info.notAfter })
				.returning())[0]!;
		});
	} catch (e) {
		if (e instanceof P12Error) throw new InputError({ p12: { key: `minutes.p12.${e.reason}` as MessageKey } });
		throw new InputError({ p12: { key: 'minutes.p12.badPassphrase' } });
	}
}

export async function sealedMinutesFor(db: Db, minutesVersionId: number) {
	const row = (await db
		.select({ sha256: sealedMinutes.sha256, sealedAt: sealedMinutes.sealedAt })
		.from(sealedMinutes)
		.where(eq(sealedMinutes.minutesVersionId, minutesVersionId)))[0];
	return row ?? null;
}

export async function sealedPdf(db: Db, workshopId: number, version: number): Promise<Uint8Array | null> {
	const row = (await db
		.select({ pdf: sealedMinutes.pdf })
		.from(sealedMinutes)
		.innerJoin(minutesVersions, eq(minutesVersions.id, sealedMinutes.minutesVersionId))
		.where(and(eq(minutesVersions.workshopId, workshopId), eq(minutesVersions.version, version))))[0];
	return row ? new Uint8Array(row.pdf) : null;
}

/** "Chrome 120 · Android" from a user agent: enough to recognise a device, no fingerprinting. */
export function deviceSummary(userAgent: string | null): string {
	if (!userAgent) return '—';
	const browser = /(Edg|OPR|Firefox|Chrome|Safari)\/(\d+)/.exec(userAgent);
	const os = /Android|iPhone|iPad|Windows|Mac OS X|Linux/.exec(userAgent);
	const name = browser ? `${browser[1] === 'Edg' ? 'Edge' : browser[1] === 'OPR' ? 'Opera' : browser[1]} ${browser[2]}` : 'Browser';
	return `${name} · ${os ? os[0].replace('Mac OS X', 'macOS') : '?'}`;
}

/**
 * The letterhead of a finalised version: the forum as it was then (name, address, logo), with the
 * forum's current details standing in for fields older versions did not record.
 */
function letterheadOf(content: MinutesContent, forum: Forum): Pick<MinutesDocument, 'kop' | 'logo'> {
	const address = content.forum.secretariatAddress ?? forum.secretariatAddress;
	const logoSha256 = content.forum.logoSha256 === undefined ? forum.logoSha256 : content.forum.logoSha256;
	const logoMime = content.forum.logoSha256 === undefined ? forum.logoMime : content.forum.logoMime;
	const bytes = logoSha256 ? readLogo(logoDir(), logoSha256) : null;
	return {
		kop: [content.forum.name, ...address.split('\n').filter((l) => l.trim())],
		logo: bytes && (logoMime === 'image/png' || logoMime === 'image/jpeg') ? { bytes: new Uint8Array(bytes), mime: logoMime } : null
	};
}

/** Everything the PDF shows, taken from the finalised version and the signers' own records. */
export async function buildMinutesDocument(db: Db, workshop: Workshop, origin: string, sealTimeAuthority: string | null = null): Promise<MinutesDocument> {
	const version = await currentMinutesVersion(db, workshop.id);
	if (!version) throw new InputError({ minutes: { key: 'minutes.notFinal' } });
	const content = minutesContent(version);
	const forum = (await db.select().from(forums).where(eq(forums.id, workshop.forumId)))[0]!;
	const timeZone = content.timeZone ?? forum.timeZone;
	const signers = await listSigners(db, version.id);
	const signed = signers.filter((s): s is MinutesSigner & { strokes: SignatureStrokes; signedAt: Date } => s.status === 'signed' && !!s.strokes && !!s.signedAt);
	const byAttendance = new Map(signed.map((s) => [s.attendanceId, s]));
	// Entries staff removed are not in the daftar hadir.
	const rows = await db
		.select()
		.from(attendance)
		.where(and(eq(attendance.workshopId, workshop.id), isNull(attendance.removedAt)))
		.orderBy(attendance.checkedInAt);
	const sector = (s: string) => translate('id', `sector.${s}` as MessageKey);
	return {
		documentId: `BA-${workshop.id}-v${version.version}`,
		forum: { name: content.forum.name, shortName: content.forum.shortName },
		...letterheadOf(content, forum),
		timeZone,
		title: content.title,
		subtitle: content.subtitle,
		nomor: content.nomor,
		openingFormula: content.openingFormula,
		parties: content.parties.map((p) => ({ name: p.name, jabatan: p.jabatan, instansi: p.instansi })),
		agreedPoints: content.agreedPoints,
		notes: content.notes,
		matrix: content.matrix
			? { ...content.matrix, rows: content.matrix.rows.map((r) => ({ ...r, sector: sector(r.sector) })) }
			: null,
		commitments: content.commitments.map((c, i) => ({ number: i + 1, statement: c.statement, lead: c.lead, target: c.target })),
		changesSinceLastMeeting: content.changesSinceLastMeeting,
		closingFormula: content.closingFormula,
		placeAndDate: content.placeAndDate,
		signatures: signed.map((s) => ({ role: s.role, name: s.name, jabatan: s.jabatan, instansi: s.instansi, signedAt: s.signedAt, strokes: s.strokes })),
		attendance: rows.map((r, i) => ({
			no: i + 1,
			name: r.name,
			jabatan: r.jabatan,
			instansi: r.institutionName,
			unsur: sector(r.sector),
			gender: r.gender,
			time: formatClock(r.checkedInAt, timeZone),
			strokes: byAttendance.get(r.id)?.strokes ?? null
		})),
		audit: {
			textHash: version.textHash,
			matrixHash: content.matrix?.contentHash ?? null,
			generatedAt: new Date(),
			verifyUrl: `${origin}/verify`,
			signers: signers
				.filter((s) => s.status === 'signed' || s.status === 'declined')
				.map((s) => ({
					name: s.status === 'declined' ? `${s.name} (menolak: ${s.declineReason ?? ''})` : s.name,
					role: s.role,
					signedAt: s.signedAt ?? new Date(0),
					ip: s.ip ?? '—',
					device: deviceSummary(s.userAgent),
					consent: s.status === 'signed' ? (s.consentText ?? CONSENT_STATEMENT) : '—',
					shownHash: s.shownHash ?? '—'
				})),
			sealTimeAuthority
		},
		disclaimer: UNCERTIFIED_NOTICE
	};
}

export type SealResult = {
	sha256: string;
	pdf: Uint8Array;
	/** True when this version had already been sealed (or was being sealed): the same file is returned. */
	alreadySealed: boolean;
	/**
	 * Where the seal's time comes from: a time-stamping authority, the server's clock (none is
	 * configured), or the server's clock because the configured authority could not be reached.
	 * Null for a version sealed earlier.
	 */
	sealTime: 'timeStamped' | 'serverClock' | 'authorityUnreachable' | null;
};

/** Seals in progress in this process, by minutes version: a second request waits for the first. */
const sealing = new Map<number, Promise<SealResult>>();

/**
 * Generates and seals the PDF of the current version once every signer has signed or declined.
 * Sealing is done once per version: asking again, even while the first request is still rendering,
 * returns the same file.
 */
export async function sealWorkshopMinutes(db: Db, workshop: Workshop, origin: string): Promise<SealResult> {
	const version = await currentMinutesVersion(db, workshop.id);
	if (!version) throw new InputError({ minutes: { key: 'minutes.notFinal' } });
	const existing = (await db.select().from(sealedMinutes).where(eq(sealedMinutes.minutesVersionId, version.id)))[0];
	if (existing) return { sha256: existing.sha256, pdf: new Uint8Array(existing.pdf), alreadySealed: true, sealTime: null };
	const pending = sealing.get(version.id);
	if (pending) return { ...(await pending), alreadySealed: true, sealTime: null };
	const run = sealVersion(db, workshop, version, origin);
	sealing.set(version.id, run);
	try {
		return await run;
	} finally {
		sealing.delete(version.id);
	}
}

async function sealVersion(db: Db, workshop: Workshop, version: MinutesVersion, origin: string): Promise<SealResult> {
	if (!signingComplete(await listSigners(db, version.id))) throw new InputError({ minutes: { key: 'minutes.notComplete' } });
	const cert = await ensureSealCertificate(db, workshop.forumId);
	const forum = (await db.select().from(forums).where(eq(forums.id, workshop.forumId)))[0]!;
	// /Reason, /Location and /Name stay ASCII (TOOLCHAIN.md); the PDF itself carries the exact text.
	const info = {
		reason: asciiName(`Berita acara ${version.nomor} v${version.version}`),
		location: asciiName(forum.place || workshop.place),
		name: `${asciiName(forum.shortName)} - Mufakat`
	};
	const key = { p12: Buffer.from(cert.p12), passphrase: sealSecret() };
	const authority = timeStampAuthorityUrl();
	let stamped: Uint8Array | null = null;
	let sealTime: SealResult['sealTime'] = authority ? 'timeStamped' : 'serverClock';
	if (authority) {
		try {
			stamped = await sealPdf(await renderMinutesPdf(await buildMinutesDocument(db, workshop, origin, authority)), key, info, { timeStampAuthority: authority });
		} catch (error) {
			if (!(error instanceof TimeStampError)) throw error;
			// Sealing is not held up by an unreachable authority (a hall without internet): the minutes
			// are sealed PAdES B-B instead, and the audit page then says the time is the server's own.
			log('warn', 'minutes.seal.timeStampUnavailable', { workshop: workshop.id, version: version.version, authority, error: error.message });
			sealTime = 'authorityUnreachable';
		}
	}
	const sealed = stamped ?? await sealPdf(await renderMinutesPdf(await buildMinutesDocument(db, workshop, origin, null)), key, info);
	const sha256 = sha256Hex(sealed);
	// Another process may have sealed the same version meanwhile: the first stored file wins.
	return await transaction(db, async (tx) => {
		const first = (await tx.select().from(sealedMinutes).where(eq(sealedMinutes.minutesVersionId, version.id)))[0];
		if (first) {
			log('info', 'minutes.seal.repeated', { workshop: workshop.id, version: version.version });
			return { sha256: first.sha256, pdf: new Uint8Array(first.pdf), alreadySealed: true, sealTime: null };
		}
		await tx.insert(sealedMinutes)
			.values({ minutesVersionId: version.id, pdf: Buffer.from(sealed), sha256, certificateFingerprint: cert.fingerprint, sealedAt: new Date() });
		await tx.update(workshops).set({ status: 'signed' }).where(eq(workshops.id, workshop.id));
		log('info', 'minutes.sealed', { workshop: workshop.id, version: version.version, sha256, sealTime });
		return { sha256, pdf: sealed, alreadySealed: false, sealTime };
	});
}

export type VerifyResult = {
	verdict: 'genuine' | 'tampered' | 'appended' | 'unknown';
	fileSha256: string;
	/** Every signature in the file, judged one by one (null for a hash look-up or an unreadable file). */
	signatures: PdfSignatures | null;
	/** Our seal among them: the last signature made with one of this server's seal certificates. */
	seal: SignatureCheck | null;
	/** Signatures added after our seal by incremental update (an official's certified signature). */
	later: SignatureCheck[];
	match: {
		workshopId: number;
		workshopTitle: string;
		version: number;
		nomor: string;
		current: boolean;
		/** A later version replaced this one: which, when and why. The sealed file itself stays genuine. */
		supersededBy: { version: number; at: Date; reason: string | null } | null;
		sealedAt: Date;
		/** The forum's zone: the verify page prints times as the document does. */
		timeZone: string;
		signers: { name: string; role: string; status: string; signedAt: Date | null }[];
	} | null;
};

async function describeVersion(db: Db, minutesVersionId: number, sealedAt: Date): Promise<NonNullable<VerifyResult['match']>> {
	const version = (await db.select().from(minutesVersions).where(eq(minutesVersions.id, minutesVersionId)))[0]!;
	const workshop = (await db.select().from(workshops).where(eq(workshops.id, version.workshopId)))[0]!;
	const signers = await db.select().from(minutesSigners).where(eq(minutesSigners.minutesVersionId, version.id));
	const forum = (await db.select({ timeZone: forums.timeZone }).from(forums).where(eq(forums.id, workshop.forumId)))[0];
	const next = version.voidedAt
		? (await db
				.select({ version: minutesVersions.version })
				.from(minutesVersions)
				.where(and(eq(minutesVersions.workshopId, version.workshopId), gt(minutesVersions.version, version.version)))
				.orderBy(asc(minutesVersions.version)))[0]
		: undefined;
	return {
		workshopId: workshop.id,
		workshopTitle: workshop.title,
		version: version.version,
		nomor: version.nomor,
		current: version.voidedAt === null,
		supersededBy: version.voidedAt && next ? { version: next.version, at: version.voidedAt, reason: version.voidReason } : null,
		sealedAt,
		timeZone: minutesContent(version).timeZone ?? forum?.timeZone ?? DEFAULT_TIME_ZONE,
		signers: signers.map((s) => ({ name: s.name, role: s.role, status: s.status, signedAt: s.signedAt }))
	};
}

async function findSealed(db: Db, sha256: string) {
	return (await db.select({ id: sealedMinutes.minutesVersionId, sealedAt: sealedMinutes.sealedAt }).from(sealedMinutes).where(eq(sealedMinutes.sha256, sha256)))[0];
}

/**
 * What the public verify page says about an uploaded file. Genuine: our seal is valid over exactly
 * a file this server sealed, and whatever follows it is signatures by others that are valid
 * themselves, with nothing appended after the last one. A changed byte anywhere a signature covers
 * makes it "tampered"; unsigned bytes after the last signature make it "appended".
 */
export async function verifyMinutesPdf(db: Db, bytes: Uint8Array): Promise<VerifyResult> {
	const fileSha256 = sha256Hex(bytes);
	const trusted = await db.select({ fingerprint: sealCertificates.fingerprint }).from(sealCertificates);
	const signatures = inspectPdfSignatures(bytes, trusted);
	const seal = signatures.signatures.findLast((s) => s.ours) ?? null;
	const later = seal ? signatures.signatures.filter((s) => s.index > seal.index) : [];
	const result = (verdict: VerifyResult['verdict'], match: VerifyResult['match']): VerifyResult => ({ verdict, fileSha256, signatures, seal, later, match });
	for (const s of signatures.signatures) if (s.problems.length) log('debug', 'verify.signature', { index: s.index, problems: s.problems });

	const exact = await findSealed(db, fileSha256);
	if (exact) return result('genuine', await describeVersion(db, exact.id, exact.sealedAt));
	if (!seal) return result('unknown', null);
	// The sealed file is the prefix our seal covers; anything after it was added later.
	const prefix = seal.coveredEnd < bytes.length ? await findSealed(db, sha256Hex(bytes.subarray(0, seal.coveredEnd))) : undefined;
	const match = prefix ? await describeVersion(db, prefix.id, prefix.sealedAt) : null;
	if (!seal.valid) return result('tampered', match);
	// A later signature must itself be valid and made over the sealed file, as an incremental update.
	if (later.some((s) => !s.valid || s.byteRange[1] < seal.coveredEnd)) return result('tampered', match);
	if (signatures.appendedAfterLast > 0) return result('appended', match);
	// Our certificate and a valid signature, yet not a file this server recorded.
	if (!match) return result('tampered', null);
	return result('genuine', match);
}

export async function verifyMinutesHash(db: Db, hash: string): Promise<VerifyResult> {
	const sha = hash.trim().toLowerCase();
	const found = await findSealed(db, sha);
	return { verdict: found ? 'genuine' : 'unknown', fileSha256: sha, signatures: null, seal: null, later: [], match: found ? await describeVersion(db, found.id, found.sealedAt) : null };
}
