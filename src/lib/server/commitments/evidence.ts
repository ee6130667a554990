/**
 * Evidence (bukti dukung) for progress reports: photos and PDF documents stored on disk under their
 * SHA-256, and links.
 *
 * Files live in `<folder of DATABASE_PATH>/evidence/<sha256>` (or `MUFAKAT_EVIDENCE_DIR`), so a
 * backup of the data folder carries them. Accepted: JPEG, PNG, WebP and PDF, recognised by their
 * first bytes, never by the name or the type the browser declares; the name is kept with the
 * extension of that type. At most MAX_EVIDENCE_BYTES (5 MB) each. Files are served only through a
 * route that checks who is asking.
 */
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { eq } from 'drizzle-orm';
import type { Viewer } from '../auth';
import { DEFAULT_DATABASE_PATH, type Db } from '../db/client';
import { commitments, evidenceFiles, progressReports } from '../db/schema';
import type { FieldMessage } from '../validation';

/** 5 MB: a phone photo of an activity or a scanned decree fits; a video does not. */
export const MAX_EVIDENCE_BYTES = 5 * 1024 * 1024;
export const MAX_EVIDENCE_MB = MAX_EVIDENCE_BYTES / 1024 / 1024;

export const EVIDENCE_TYPES = {
	'image/jpeg': 'photo',
	'image/png': 'photo',
	'image/webp': 'photo',
	'application/pdf': 'document'
} as const;
export type EvidenceMime = keyof typeof EVIDENCE_TYPES;

/** Extensions per type, the one written first; the others are kept when the uploader used them. */
const EXTENSIONS: Record<EvidenceMime, string[]> = {
	'image/jpeg': ['jpg', 'jpeg', 'jpe'],
	'image/png': ['png'],
	'image/webp': ['webp'],
	'application/pdf': ['pdf']
};

export function evidenceDir(): string {
	if (process.env.MUFAKAT_EVIDENCE_DIR) return resolve(process.env.MUFAKAT_EVIDENCE_DIR);
	const dbPath = process.env.DATABASE_PATH ?? DEFAULT_DATABASE_PATH;
	// An in-memory database (tests) has no folder of its own; never write beside the source tree.
	if (dbPath === ':memory:') return join(tmpdir(), `mufakat-evidence-${process.pid}`);
	return join(dirname(resolve(dbPath)), 'evidence');
}

const startsWith = (bytes: Uint8Array, prefix: number[], offset = 0) => prefix.every((b, i) => bytes[offset + i] === b);

/** The real type of a file from its magic bytes; null for anything not accepted. */
export function sniffEvidenceType(bytes: Uint8Array): EvidenceMime | null {
	if (startsWith(bytes, [0xff, 0xd8, 0xff])) return 'image/jpeg';
	if (startsWith(bytes, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return 'image/png';
	if (startsWith(bytes, [0x52, 0x49, 0x46, 0x46]) && startsWith(bytes, [0x57, 0x45, 0x42, 0x50], 8)) return 'image/webp';
	if (startsWith(bytes, [0x25, 0x50, 0x44, 0x46, 0x2d])) return 'application/pdf';
	return null;
}

export type PreparedEvidence = {
	name: string;
	kind: 'photo' | 'document';
	mimeType: EvidenceMime;
	size: number;
	sha256: string;
	bytes: Uint8Array;
};

/** A file name safe to show and to put in a Content-Disposition header. */
function cleanName(name: string): string {
	const base = name.split(/[\\/]/).pop() ?? '';
	const clean = base.replace(/[\u0000-\u001f\u007f"]/g, '').trim().slice(0, 200);
	return clean || 'bukti';
}

/**
 * The name with the extension of the type the bytes really are: "foto.exe" holding a PNG becomes
 * "foto.png", so a download never lands on a computer under a name that would run it. A name whose
 * extension already fits (foto.JPEG for a JPEG) is kept as typed.
 */
export function nameForType(name: string, mimeType: EvidenceMime): string {
	const known = EXTENSIONS[mimeType];
	const match = /^(.*[^.])\.([A-Za-z0-9]{1,8})$/.exec(name);
	if (match && known.includes(match[2]!.toLowerCase())) return name;
	return `${match ? match[1] : name.replace(/\.+$/, '') || 'bukti'}.${known[0]}`;
}

/**
 * Checks one uploaded file: size first (an oversized file is refused without reading it: pass
 * `bytes` null), then its magic bytes.
 */
export function prepareEvidence(name: string, bytes: Uint8Array | null, size: number): PreparedEvidence | { error: FieldMessage } {
	const shown = cleanName(name);
	if (size > MAX_EVIDENCE_BYTES || !bytes) return { error: { key: 'progress.evidenceTooLarge', params: { name: shown, mb: MAX_EVIDENCE_MB } } };
	const mimeType = sniffEvidenceType(bytes);
	if (!mimeType) return { error: { key: 'progress.evidenceType', params: { name: shown } } };
	return {
		name: nameForType(shown, mimeType),
		kind: EVIDENCE_TYPES[mimeType],
		mimeType,
		size: bytes.byteLength,
		sha256: createHash('sha256').update(bytes).digest('hex'),
		bytes
	};
}

const isHash = (s: string) => /^[0-9a-f]{64}$/.test(s);

/** Writes a file under its hash (atomically: temp file, then rename). Returns whether it was new. */
export function writeEvidence(dir: string, file: PreparedEvidence): { sha256: string; created: boolean } {
	mkdirSync(dir, { recursive: true });
	const path = join(dir, file.sha256);
	if (existsSync(path)) return { sha256: file.sha256, created: false };
	const temp = join(dir, `.${file.sha256}.${randomBytes(6).toString('hex')}.tmp`);
	writeFileSync(temp, file.bytes);
	renameSync(temp, path);
	return { sha256: file.sha256, created: true };
}

/** Removes files (those this request created, or those whose rows were deleted) that no row points to any more. */
export async function removeUnreferenced(db: Db, dir: string, written: { sha256: string; created: boolean }[]): Promise<void> {
	for (const w of written) {
		if (!w.created) continue;
		const used = (await db.select({ id: evidenceFiles.id }).from(evidenceFiles).where(eq(evidenceFiles.sha256, w.sha256)))[0];
		if (!used) {
			try {
				unlinkSync(join(dir, w.sha256));
			} catch {
				/* already gone */
			}
		}
	}
}

export function readEvidence(dir: string, sha256: string): Buffer | null {
	if (!isHash(sha256)) return null;
	try {
		return readFileSync(join(dir, sha256));
	} catch {
		return null;
	}
}

/** One evidence row with the report and commitment it belongs to. */
export async function findEvidence(db: Db, id: number) {
	return (
		(await db
			.select({ file: evidenceFiles, report: progressReports, commitment: commitments })
			.from(evidenceFiles)
			.innerJoin(progressReports, eq(progressReports.id, evidenceFiles.reportId))
			.innerJoin(commitments, eq(commitments.id, progressReports.commitmentId))
			.where(eq(evidenceFiles.id, id)))[0] ?? null
	);
}

/**
 * Who may open a file: staff of the commitment's forum, or a representative of the institution
 * that filed the report (or leads the commitment), signed in through a workshop of that forum.
 */
export function mayOpenEvidence(
	viewer: Viewer | null,
	owner: { forumId: number; reporterInstitutionId: number | null; leadInstitutionId: number | null },
	participantForumId: number | null
): boolean {
	if (!viewer) return false;
	if (viewer.kind === 'account') return viewer.roles.some((r) => r.forumId === owner.forumId);
	if (participantForumId !== owner.forumId) return false;
	return viewer.institutionId === owner.reporterInstitutionId || viewer.institutionId === owner.leadInstitutionId;
}
