/**
 * What a signed berita acara contains, as plain data. The minutes module builds it from the
 * database (snapshots taken at signing time); the renderer only lays it out, so a test or the
 * benchmark can build one by hand and nothing here knows about SQL.
 */

/** A signature drawn on the pad, kept as vector strokes in the pad's own pixel coordinates (y down). */
export type SignatureStrokes = {
	width: number;
	height: number;
	/** Each stroke is one pen-down → pen-up run of [x, y] points. */
	strokes: [number, number][][];
};

export type SignatureRole = 'party' | 'witness' | 'acknowledging';

export type MinutesParty = { name: string; jabatan: string; instansi: string };

import type { AgreedContribution, MinutesMatrixCell } from '../../minutes/types';

export type { AgreedContribution, MinutesMatrixCell };

export type MinutesMatrixRow = {
	institution: string;
	/** Pentahelix sector as it should be printed ("Pemerintah", "Bisnis" …). */
	sector: string;
	/** One cell per component, in the order of `components`. */
	cells: MinutesMatrixCell[];
};

/** The frozen matrix version the minutes cite. */
export type MinutesMatrix = {
	components: string[];
	rows: MinutesMatrixRow[];
	version: number;
	/** SHA-256 (hex) of the frozen version's canonical content. */
	contentHash: string;
};

export type MinutesCommitment = { number: number; statement: string; lead: string; target: string };

/** Name, jabatan and instansi are the snapshot taken when the person signed, not today's records. */
export type MinutesSignature = {
	role: SignatureRole;
	name: string;
	jabatan: string;
	instansi: string;
	signedAt: Date;
	strokes: SignatureStrokes;
};

/** One line of the daftar hadir annex. Phone numbers are left out on purpose: the PDF is a public copy. */
export type AttendanceAnnexRow = {
	no: number;
	name: string;
	jabatan: string;
	instansi: string;
	unsur: string;
	gender: 'L' | 'P';
	/** Check-in time as printed, e.g. "08.52 WITA". */
	time: string;
	strokes: SignatureStrokes | null;
};

export type AuditSigner = {
	name: string;
	role: SignatureRole;
	signedAt: Date;
	ip: string;
	/** Short user-agent summary, e.g. "Chrome 119 · Android". */
	device: string;
	/** The consent statement the signer ticked, word for word. */
	consent: string;
	/** SHA-256 of the frozen text shown to the signer when they signed. */
	shownHash: string;
};

export type MinutesAudit = {
	/** SHA-256 of the frozen minutes text everyone signed. */
	textHash: string;
	/** SHA-256 of the cited matrix version; null when the minutes cite no matrix. */
	matrixHash: string | null;
	generatedAt: Date;
	/** Public verify page; printed and encoded in the QR code. */
	verifyUrl: string;
	signers: AuditSigner[];
	/**
	 * Where the seal's time comes from: an RFC 3161 time-stamping authority (its URL), or null for
	 * the server's own clock. Absent for documents that are not sealed (the letterhead preview).
	 */
	sealTimeAuthority?: string | null;
};

export type MinutesDocument = {
	/** Stable identifier of this version of the minutes, e.g. "BA-1-v2"; printed in every footer. */
	documentId: string;
	forum: { name: string; shortName: string };
	/** Letterhead lines: forum name first (printed larger), then secretariat, address … */
	kop: string[];
	/** The forum's logo, printed left of the letterhead; checked as a PNG or JPEG when it was uploaded. */
	logo?: { bytes: Uint8Array; mime: 'image/png' | 'image/jpeg' } | null;
	/** "BERITA ACARA". */
	title: string;
	/** The workshop's title. */
	subtitle: string;
	nomor: string;
	/** A whole paragraph, already written out ("Pada hari ini Senin tanggal delapan …"). */
	openingFormula: string;
	parties: MinutesParty[];
	agreedPoints: string[];
	/** Free text; blank lines separate paragraphs. May be empty. */
	notes: string;
	matrix: MinutesMatrix | null;
	commitments: MinutesCommitment[];
	/** For a follow-up workshop: what changed since the previous one. May be empty. */
	changesSinceLastMeeting: string[];
	closingFormula: string;
	/** e.g. "Madiun, 8 November 2021". */
	placeAndDate: string;
	signatures: MinutesSignature[];
	attendance: AttendanceAnnexRow[];
	audit: MinutesAudit;
	/** Says plainly that this is an uncertified electronic signature (PP 71/2019). */
	disclaimer: string;
	/** The forum's IANA zone: signing, check-in and audit times are printed in it; defaults to Asia/Jakarta (WIB). */
	timeZone?: string;
	/** Language of the fixed wording (headings, table heads); the minutes' own text is given as is. */
	locale?: 'id' | 'en';
};
