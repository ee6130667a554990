import { sql } from 'drizzle-orm';
import { blob, index, integer, primaryKey, real, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';

/** Pentahelix sectors plus development partners, who fit none of the five. */
export const SECTORS = ['pemerintah', 'bisnis', 'komunitas', 'akademisi', 'media', 'mitra'] as const;
export type Sector = (typeof SECTORS)[number];

/** Observers read a forum's pages (monitoring, minutes) and change nothing. */
export const FORUM_ROLES = ['moderator', 'secretariat', 'observer'] as const;
export type ForumRole = (typeof FORUM_ROLES)[number];

/** The level of government a forum works at; it decides which regions its area search puts first. */
export const FORUM_LEVELS = ['desa', 'kecamatan', 'kabupaten', 'provinsi', 'nasional'] as const;
export type ForumLevel = (typeof FORUM_LEVELS)[number];

/** Single-use links: an invitation to a forum role, a password reset, a participant's re-entry. */
export const ACCESS_LINK_KINDS = ['invite', 'reset', 'reentry'] as const;
export type AccessLinkKind = (typeof ACCESS_LINK_KINDS)[number];

export const WORKSHOP_KINDS = ['lokakarya', 'rapat_koordinasi', 'musyawarah', 'fgd'] as const;
export type WorkshopKind = (typeof WORKSHOP_KINDS)[number];

export const WORKSHOP_STATUSES = ['draft', 'live', 'closed', 'signed'] as const;
export type WorkshopStatus = (typeof WORKSHOP_STATUSES)[number];

export const PILOT_STAGES = ['survey', 'piloting', 'replication', 'handover'] as const;
export type PilotStage = (typeof PILOT_STAGES)[number];

const createdAt = () =>
	integer('created_at', { mode: 'timestamp_ms' })
		.notNull()
		.default(sql`(unixepoch('subsec') * 1000)`);

export const forums = sqliteTable('forums', {
	id: integer('id').primaryKey({ autoIncrement: true }),
	name: text('name').notNull(),
	shortName: text('short_name').notNull(),
	/** Kemendagri code of the kabupaten/kota the forum works in, e.g. 35.77. */
	regencyCode: text('regency_code'),
	/** What the region calls a village: kelurahan, desa, pekon, kampung, nagari, gampong. */
	villageWord: text('village_word').notNull().default('kelurahan'),
	level: text('level', { enum: FORUM_LEVELS }).notNull().default('kabupaten'),
	/** Where the berita acara says it was made ("Madiun"); defaults to the region's name. */
	place: text('place').notNull().default(''),
	secretariatAddress: text('secretariat_address').notNull().default(''),
	/** IANA zone from the region: Asia/Jakarta (WIB), Asia/Makassar (WITA), Asia/Jayapura (WIT). */
	timeZone: text('time_zone').notNull().default('Asia/Jakarta'),
	/**
	 * Berita acara number: `{n}` running number, `{forum}` short name, `{month}` Roman month,
	 * `{year}`; e.g. `{n}/BA/{forum}/{month}/{year}`.
	 */
	numberingPattern: text('numbering_pattern').notNull().default('{n}/BA/{forum}/{month}/{year}'),
	/** SHA-256 of the letterhead logo (re-encoded PNG or JPEG) stored under the data folder. */
	logoSha256: text('logo_sha256'),
	logoMime: text('logo_mime'),
	createdAt: createdAt()
});

export const users = sqliteTable('users', {
	id: integer('id').primaryKey({ autoIncrement: true }),
	email: text('email').notNull().unique(),
	name: text('name').notNull(),
	passwordHash: text('password_hash').notNull(),
	/** The instance administrator: creates forums and invites their first staff. */
	isAdmin: integer('is_admin', { mode: 'boolean' }).notNull().default(false),
	/** A deactivated account cannot sign in; its sessions end at once. */
	active: integer('active', { mode: 'boolean' }).notNull().default(true),
	/** Loaded with the demo; signs in only while the demo is on. */
	isDemo: integer('is_demo', { mode: 'boolean' }).notNull().default(false),
	createdAt: createdAt()
});

/**
 * Single-use links, stored as the SHA-256 of their token: an invitation to a forum role (the
 * invitee sets their own password), a password reset, or a participant's re-entry into a workshop
 * after losing their session.
 */
export const accessLinks = sqliteTable(
	'access_links',
	{
		id: integer('id').primaryKey({ autoIncrement: true }),
		kind: text('kind', { enum: ACCESS_LINK_KINDS }).notNull(),
		tokenHash: text('token_hash').notNull().unique(),
		forumId: integer('forum_id').references(() => forums.id, { onDelete: 'cascade' }),
		role: text('role', { enum: FORUM_ROLES }),
		/** Who the invitation is for (shown on the acceptance page); the invitee may correct it. */
		name: text('name').notNull().default(''),
		email: text('email').notNull().default(''),
		userId: integer('user_id').references(() => users.id, { onDelete: 'cascade' }),
		attendanceId: integer('attendance_id'),
		createdBy: integer('created_by').references(() => users.id, { onDelete: 'set null' }),
		expiresAt: integer('expires_at', { mode: 'timestamp_ms' }).notNull(),
		usedAt: integer('used_at', { mode: 'timestamp_ms' }),
		createdAt: createdAt()
	},
	(t) => [index('access_links_forum').on(t.forumId)]
);

export const forumMembers = sqliteTable(
	'forum_members',
	{
		forumId: integer('forum_id')
			.notNull()
			.references(() => forums.id, { onDelete: 'cascade' }),
		userId: integer('user_id')
			.notNull()
			.references(() => users.id, { onDelete: 'cascade' }),
		role: text('role', { enum: FORUM_ROLES }).notNull()
	},
	(t) => [primaryKey({ columns: [t.forumId, t.userId, t.role] })]
);

export const institutions = sqliteTable(
	'institutions',
	{
		id: integer('id').primaryKey({ autoIncrement: true }),
		forumId: integer('forum_id')
			.notNull()
			.references(() => forums.id, { onDelete: 'cascade' }),
		officialName: text('official_name').notNull(),
		shortName: text('short_name').notNull(),
		/** Other spellings seen in the wild (Bapelitbangda, Bappeda …), JSON array. */
		aliases: text('aliases', { mode: 'json' }).$type<string[]>().notNull().default([]),
		sector: text('sector', { enum: SECTORS }).notNull(),
		/** Forum-defined subtype: OPD, BUMN, BUMD, OMS, yayasan, PT … */
		subtype: text('subtype').notNull().default(''),
		parentId: integer('parent_id'),
		/** Proposed by a participant at join time; the moderator approves it. */
		approved: integer('approved', { mode: 'boolean' }).notNull().default(true),
		/** Retired institutions stay in old records but are offered nowhere new. */
		retiredAt: integer('retired_at', { mode: 'timestamp_ms' }),
		/** Set when merged into another institution (a duplicate proposed at join time). */
		mergedIntoId: integer('merged_into_id'),
		createdAt: createdAt()
	},
	(t) => [index('institutions_forum').on(t.forumId)]
);

export const persons = sqliteTable('persons', {
	id: integer('id').primaryKey({ autoIncrement: true }),
	forumId: integer('forum_id')
		.notNull()
		.references(() => forums.id, { onDelete: 'cascade' }),
	name: text('name').notNull(),
	gender: text('gender', { enum: ['L', 'P'] }).notNull(),
	phone: text('phone').notNull().default(''),
	createdAt: createdAt()
});

/** A person speaking for an institution in a given jabatan for a period (people rotate: mutasi). */
export const representations = sqliteTable('representations', {
	id: integer('id').primaryKey({ autoIncrement: true }),
	personId: integer('person_id')
		.notNull()
		.references(() => persons.id, { onDelete: 'cascade' }),
	institutionId: integer('institution_id')
		.notNull()
		.references(() => institutions.id, { onDelete: 'cascade' }),
	jabatan: text('jabatan').notNull(),
	fromDate: text('from_date').notNull(),
	toDate: text('to_date')
});

export const programmes = sqliteTable('programmes', {
	id: integer('id').primaryKey({ autoIncrement: true }),
	forumId: integer('forum_id')
		.notNull()
		.references(() => forums.id, { onDelete: 'cascade' }),
	name: text('name').notNull(),
	vision: text('vision').notNull().default(''),
	legalBasis: text('legal_basis').notNull().default(''),
	/** Listed on the public front door; an unlisted programme's page is reachable only by its link. */
	listed: integer('listed', { mode: 'boolean' }).notNull().default(true),
	createdAt: createdAt()
});

/** Matrix columns: focus areas and their actions, ordered. */
export const components = sqliteTable('components', {
	id: integer('id').primaryKey({ autoIncrement: true }),
	programmeId: integer('programme_id')
		.notNull()
		.references(() => programmes.id, { onDelete: 'cascade' }),
	kind: text('kind', { enum: ['focus', 'action'] }).notNull().default('focus'),
	name: text('name').notNull(),
	position: integer('position').notNull()
});

/** Official Kemendagri areas imported unmodified from idn-area-data (ODbL). */
export const areas = sqliteTable(
	'areas',
	{
		code: text('code').primaryKey(),
		parentCode: text('parent_code'),
		/** 1 provinsi, 2 kabupaten/kota, 3 kecamatan, 4 desa/kelurahan. */
		level: integer('level').notNull(),
		name: text('name').notNull()
	},
	(t) => [index('areas_parent').on(t.parentCode), index('areas_level_name').on(t.level, t.name)]
);

export const pilotSites = sqliteTable(
	'pilot_sites',
	{
		id: integer('id').primaryKey({ autoIncrement: true }),
		programmeId: integer('programme_id')
			.notNull()
			.references(() => programmes.id, { onDelete: 'cascade' }),
		areaCode: text('area_code').notNull(),
		stage: text('stage', { enum: PILOT_STAGES }).notNull().default('piloting'),
		createdAt: createdAt()
	},
	(t) => [uniqueIndex('pilot_sites_unique').on(t.programmeId, t.areaCode)]
);

export const workshops = sqliteTable('workshops', {
	id: integer('id').primaryKey({ autoIncrement: true }),
	forumId: integer('forum_id')
		.notNull()
		.references(() => forums.id, { onDelete: 'cascade' }),
	programmeId: integer('programme_id').references(() => programmes.id),
	title: text('title').notNull(),
	theme: text('theme').notNull().default(''),
	kind: text('kind', { enum: WORKSHOP_KINDS }).notNull().default('lokakarya'),
	/** ISO date (YYYY-MM-DD) and local start time (HH:MM). */
	date: text('date').notNull(),
	startTime: text('start_time').notNull().default('09:00'),
	place: text('place').notNull(),
	chairName: text('chair_name').notNull().default(''),
	moderatorName: text('moderator_name').notNull().default(''),
	notetakerName: text('notetaker_name').notNull().default(''),
	status: text('status', { enum: WORKSHOP_STATUSES }).notNull().default('draft'),
	/** Short human code for joining; set when the workshop goes live. */
	joinCode: text('join_code').unique(),
	previousWorkshopId: integer('previous_workshop_id'),
	createdAt: createdAt()
});

export const agendaItems = sqliteTable('agenda_items', {
	id: integer('id').primaryKey({ autoIncrement: true }),
	workshopId: integer('workshop_id')
		.notNull()
		.references(() => workshops.id, { onDelete: 'cascade' }),
	position: integer('position').notNull(),
	title: text('title').notNull(),
	durationMinutes: integer('duration_minutes').notNull()
});

export const workshopInvitations = sqliteTable(
	'workshop_invitations',
	{
		workshopId: integer('workshop_id')
			.notNull()
			.references(() => workshops.id, { onDelete: 'cascade' }),
		institutionId: integer('institution_id')
			.notNull()
			.references(() => institutions.id, { onDelete: 'cascade' }),
		/**
		 * The institution's own join code (printed on its undangan, shared as a link and QR): a
		 * check-in with it speaks for this institution at once.
		 */
		code: text('code').unique()
	},
	(t) => [primaryKey({ columns: [t.workshopId, t.institutionId] })]
);

/**
 * Daftar hadir. Name, jabatan, instansi and sector are copied as they were that day so the
 * record survives renames and mutasi.
 */
export const attendance = sqliteTable(
	'attendance',
	{
		id: integer('id').primaryKey({ autoIncrement: true }),
		workshopId: integer('workshop_id')
			.notNull()
			.references(() => workshops.id, { onDelete: 'cascade' }),
		institutionId: integer('institution_id')
			.notNull()
			.references(() => institutions.id),
		personId: integer('person_id')
			.notNull()
			.references(() => persons.id),
		name: text('name').notNull(),
		/** Lower-cased, space-collapsed name: what makes a second check-in "the same person". */
		nameKey: text('name_key').notNull(),
		jabatan: text('jabatan').notNull(),
		institutionName: text('institution_name').notNull(),
		sector: text('sector', { enum: SECTORS }).notNull(),
		gender: text('gender', { enum: ['L', 'P'] }).notNull(),
		phone: text('phone').notNull().default(''),
		checkedInAt: integer('checked_in_at', { mode: 'timestamp_ms' }).notNull(),
		/** The person who signs the berita acara for their institution (chosen by staff). */
		signatory: integer('signatory', { mode: 'boolean' }).notNull().default(false),
		/** Removed by staff (a mistaken or duplicate entry): kept for the audit trail, counted nowhere. */
		removedAt: integer('removed_at', { mode: 'timestamp_ms' }),
		/**
		 * When this person was confirmed as speaking for the institution: at check-in with the
		 * institution's own code, or by the moderator for a check-in with the workshop's general code.
		 * Unconfirmed entries may only watch.
		 */
		confirmedAt: integer('confirmed_at', { mode: 'timestamp_ms' }),
		confirmedBy: integer('confirmed_by'),
		/** The moderator withdrew this person's right to speak for the institution (their socket is cut). */
		revokedAt: integer('revoked_at', { mode: 'timestamp_ms' })
	},
	(t) => [uniqueIndex('attendance_person_once').on(t.workshopId, t.institutionId, t.nameKey)]
);

/** Every staff correction of the daftar hadir: who changed which entry, from what to what. */
export const attendanceAudit = sqliteTable('attendance_audit', {
	id: integer('id').primaryKey({ autoIncrement: true }),
	attendanceId: integer('attendance_id')
		.notNull()
		.references(() => attendance.id, { onDelete: 'cascade' }),
	workshopId: integer('workshop_id')
		.notNull()
		.references(() => workshops.id, { onDelete: 'cascade' }),
	action: text('action', { enum: ['edit', 'remove', 'restore', 'reentry', 'signatory'] }).notNull(),
	before: text('before', { mode: 'json' }).$type<Record<string, unknown>>(),
	after: text('after', { mode: 'json' }).$type<Record<string, unknown>>(),
	byUserId: integer('by_user_id').references(() => users.id, { onDelete: 'set null' }),
	at: createdAt()
});

/**
 * Sessions for accounts (userId set) and for joined participants (workshop + attendance set).
 * Only the SHA-256 of the cookie token is stored.
 */
export const sessions = sqliteTable('sessions', {
	tokenHash: text('token_hash').primaryKey(),
	userId: integer('user_id').references(() => users.id, { onDelete: 'cascade' }),
	workshopId: integer('workshop_id').references(() => workshops.id, { onDelete: 'cascade' }),
	attendanceId: integer('attendance_id').references(() => attendance.id, { onDelete: 'cascade' }),
	expiresAt: integer('expires_at', { mode: 'timestamp_ms' }).notNull(),
	createdAt: createdAt()
});

/** Server-wide settings, e.g. the secret that signs collab tokens when none is configured. */
export const settings = sqliteTable('settings', {
	key: text('key').primaryKey(),
	value: text('value').notNull()
});

/**
 * Live-document persistence: every accepted Yjs update is appended here before it is broadcast;
 * compaction folds the log into one snapshot per room.
 */
export const collabUpdates = sqliteTable(
	'collab_updates',
	{
		id: integer('id').primaryKey({ autoIncrement: true }),
		room: text('room').notNull(),
		data: blob('data', { mode: 'buffer' }).notNull(),
		/**
		 * The lease counter of the instance that appended this update (0 on a single instance). With
		 * several instances a room's owner holds a lease in Redis; an append is refused when a newer
		 * owner has already written with a higher counter (see `collabRoomFences`).
		 */
		fence: integer('fence').notNull().default(0)
	},
	(t) => [index('collab_updates_room').on(t.room, t.id)]
);

/**
 * The highest lease counter that has appended to each room. An append with a lower counter comes
 * from an instance that lost the room (paused, cut off from Redis) and is refused, so a stale owner
 * can never write behind the new owner's back.
 */
export const collabRoomFences = sqliteTable('collab_room_fences', {
	room: text('room').primaryKey(),
	fence: integer('fence').notNull()
});

export const collabSnapshots = sqliteTable('collab_snapshots', {
	room: text('room').primaryKey(),
	data: blob('data', { mode: 'buffer' }).notNull(),
	/** The last update id folded into this snapshot. */
	upToId: integer('up_to_id').notNull(),
	updatedAt: integer('updated_at', { mode: 'timestamp_ms' }).notNull()
});

/** A frozen version of a workshop's matrix: what minutes and commitments cite. */
export const matrixVersions = sqliteTable(
	'matrix_versions',
	{
		id: integer('id').primaryKey({ autoIncrement: true }),
		workshopId: integer('workshop_id')
			.notNull()
			.references(() => workshops.id, { onDelete: 'cascade' }),
		version: integer('version').notNull(),
		/** SHA-256 (hex) of `content`, the canonical JSON of rows, columns and non-empty cells. */
		contentHash: text('content_hash').notNull(),
		content: text('content').notNull(),
		frozenAt: integer('frozen_at', { mode: 'timestamp_ms' }).notNull(),
		frozenBy: integer('frozen_by').references(() => users.id),
		/** Set when the matrix is unfrozen again: this version stays readable but is no longer current. */
		supersededAt: integer('superseded_at', { mode: 'timestamp_ms' })
	},
	(t) => [uniqueIndex('matrix_versions_unique').on(t.workshopId, t.version)]
);

export const matrixCells = sqliteTable(
	'matrix_cells',
	{
		versionId: integer('version_id')
			.notNull()
			.references(() => matrixVersions.id, { onDelete: 'cascade' }),
		institutionId: integer('institution_id').notNull(),
		componentId: integer('component_id').notNull(),
		institutionName: text('institution_name').notNull(),
		componentName: text('component_name').notNull(),
		sector: text('sector').notNull(),
		type: text('type').notNull(),
		description: text('description').notNull(),
		sites: text('sites', { mode: 'json' }).$type<string[]>().notNull(),
		timing: text('timing').notNull(),
		volume: real('volume'),
		unit: text('unit').notNull(),
		valueRupiah: real('value_rupiah'),
		fundingSource: text('funding_source').notNull()
	},
	(t) => [primaryKey({ columns: [t.versionId, t.institutionId, t.componentId] })]
);

export const SIGNER_ROLES = ['party', 'witness', 'acknowledging'] as const;
export type SignerRole = (typeof SIGNER_ROLES)[number];
export const SIGNER_STATUSES = ['pending', 'signed', 'declined', 'void'] as const;

/**
 * A finalised text of the berita acara. A later change makes a new version and voids the
 * signatures of the old one; every version stays in the archive.
 */
export const minutesVersions = sqliteTable(
	'minutes_versions',
	{
		id: integer('id').primaryKey({ autoIncrement: true }),
		workshopId: integer('workshop_id')
			.notNull()
			.references(() => workshops.id, { onDelete: 'cascade' }),
		version: integer('version').notNull(),
		nomor: text('nomor').notNull(),
		/** Canonical JSON of everything the signers are shown. */
		content: text('content').notNull(),
		/** SHA-256 (hex) of `content`: what each signature records as "shown". */
		textHash: text('text_hash').notNull(),
		matrixVersionId: integer('matrix_version_id').references(() => matrixVersions.id),
		finalizedAt: integer('finalized_at', { mode: 'timestamp_ms' }).notNull(),
		finalizedBy: integer('finalized_by').references(() => users.id),
		voidedAt: integer('voided_at', { mode: 'timestamp_ms' }),
		/** Why a signed version was replaced, and which moderator decided it. */
		voidReason: text('void_reason'),
		voidedBy: integer('voided_by').references(() => users.id)
	},
	(t) => [uniqueIndex('minutes_versions_unique').on(t.workshopId, t.version)]
);

export const minutesSigners = sqliteTable(
	'minutes_signers',
	{
		id: integer('id').primaryKey({ autoIncrement: true }),
		minutesVersionId: integer('minutes_version_id')
			.notNull()
			.references(() => minutesVersions.id, { onDelete: 'cascade' }),
		attendanceId: integer('attendance_id').references(() => attendance.id),
		institutionId: integer('institution_id'),
		role: text('role', { enum: SIGNER_ROLES }).notNull(),
		/** Snapshot as printed under the signature. */
		name: text('name').notNull(),
		jabatan: text('jabatan').notNull(),
		instansi: text('instansi').notNull(),
		/**
		 * The secret in the signing link. Kept in clear so the secretariat can show a signer's QR
		 * again; "send a fresh link" replaces it and the old link stops working.
		 */
		linkToken: text('link_token').notNull().unique(),
		status: text('status', { enum: SIGNER_STATUSES }).notNull().default('pending'),
		declineReason: text('decline_reason'),
		/** The drawn signature as the pad captured it: strokes of [x, y] points in a width × height box. */
		strokes: text('strokes', { mode: 'json' }).$type<{ width: number; height: number; strokes: [number, number][][] }>(),
		signaturePng: blob('signature_png', { mode: 'buffer' }),
		consentText: text('consent_text'),
		shownHash: text('shown_hash'),
		signedAt: integer('signed_at', { mode: 'timestamp_ms' }),
		ip: text('ip'),
		userAgent: text('user_agent'),
		createdAt: createdAt()
	},
	(t) => [index('minutes_signers_version').on(t.minutesVersionId)]
);

/** Every sealed PDF ever produced, by version: the secretariat's archive and what /verify checks. */
export const sealedMinutes = sqliteTable('sealed_minutes', {
	id: integer('id').primaryKey({ autoIncrement: true }),
	minutesVersionId: integer('minutes_version_id')
		.notNull()
		.unique()
		.references(() => minutesVersions.id, { onDelete: 'cascade' }),
	pdf: blob('pdf', { mode: 'buffer' }).notNull(),
	sha256: text('sha256').notNull().unique(),
	certificateFingerprint: text('certificate_fingerprint').notNull(),
	sealedAt: integer('sealed_at', { mode: 'timestamp_ms' }).notNull()
});

/**
 * Every sealed Laporan Kemajuan (quarterly/semester/annual monitoring report) ever produced:
 * the secretariat's archive, and what /verify checks beside the minutes.
 */
export const sealedReports = sqliteTable('sealed_reports', {
	id: integer('id').primaryKey({ autoIncrement: true }),
	forumId: integer('forum_id')
		.notNull()
		.references(() => forums.id, { onDelete: 'cascade' }),
	programmeId: integer('programme_id').references(() => programmes.id, { onDelete: 'set null' }),
	/** 'quarter' | 'semester' | 'year' with its index (1–4, 1–2, 1) and year. */
	periodType: text('period_type').notNull(),
	periodYear: integer('period_year').notNull(),
	periodIndex: integer('period_index').notNull(),
	pdf: blob('pdf', { mode: 'buffer' }).notNull(),
	sha256: text('sha256').notNull().unique(),
	certificateFingerprint: text('certificate_fingerprint').notNull(),
	createdBy: integer('created_by').references(() => users.id, { onDelete: 'set null' }),
	sealedAt: integer('sealed_at', { mode: 'timestamp_ms' }).notNull()
});

/**
 * The forum's sealing certificates. The PKCS#12 is kept re-encrypted under the server's own seal
 * secret (a file beside the database), never under the passphrase an importer typed.
 */
export const sealCertificates = sqliteTable('seal_certificates', {
	id: integer('id').primaryKey({ autoIncrement: true }),
	forumId: integer('forum_id')
		.notNull()
		.references(() => forums.id, { onDelete: 'cascade' }),
	source: text('source', { enum: ['generated', 'imported'] }).notNull(),
	p12: blob('p12', { mode: 'buffer' }).notNull(),
	subject: text('subject').notNull(),
	fingerprint: text('fingerprint').notNull(),
	notBefore: integer('not_before', { mode: 'timestamp_ms' }).notNull(),
	notAfter: integer('not_after', { mode: 'timestamp_ms' }).notNull(),
	active: integer('active', { mode: 'boolean' }).notNull().default(true),
	createdAt: createdAt()
});

export const COMMITMENT_TYPES = ['numeric', 'milestone', 'policy'] as const;
export const COMMITMENT_STATUSES = ['draft', 'active', 'achieved', 'stalled', 'dropped'] as const;
export const PERIOD_TYPES = ['month', 'quarter', 'semester'] as const;
export const REPORT_FLAGS = ['on_track', 'at_risk', 'late', 'done'] as const;
export const REPORT_STATUSES = ['submitted', 'returned', 'verified'] as const;

/**
 * A standing reporting link for one institution of a forum, not tied to any meeting: the
 * representative reports on that institution's commitments through it. Only a hash is stored;
 * re-issuing revokes the previous link.
 */
export const reportingLinks = sqliteTable(
	'reporting_links',
	{
		id: integer('id').primaryKey({ autoIncrement: true }),
		forumId: integer('forum_id')
			.notNull()
			.references(() => forums.id, { onDelete: 'cascade' }),
		institutionId: integer('institution_id')
			.notNull()
			.references(() => institutions.id, { onDelete: 'cascade' }),
		tokenHash: text('token_hash').notNull().unique(),
		createdBy: integer('created_by').references(() => users.id, { onDelete: 'set null' }),
		createdAt: createdAt(),
		revokedAt: integer('revoked_at', { mode: 'timestamp_ms' }),
		revokedBy: integer('revoked_by').references(() => users.id, { onDelete: 'set null' }),
		lastUsedAt: integer('last_used_at', { mode: 'timestamp_ms' })
	},
	(t) => [index('reporting_links_forum').on(t.forumId, t.institutionId)]
);

/** Further beneficiary groups a forum counts beside L/P (e.g. penyandang disabilitas, lansia). */
export const beneficiaryGroups = sqliteTable('beneficiary_groups', {
	id: integer('id').primaryKey({ autoIncrement: true }),
	forumId: integer('forum_id')
		.notNull()
		.references(() => forums.id, { onDelete: 'cascade' }),
	name: text('name').notNull(),
	createdAt: createdAt()
});

/**
 * A joint commitment (komitmen bersama). Real ones start as a sentence typed in the meeting and are
 * completed later, so everything but the statement is optional; `missing` fields are prompted for.
 */
export const commitments = sqliteTable(
	'commitments',
	{
		id: integer('id').primaryKey({ autoIncrement: true }),
		forumId: integer('forum_id')
			.notNull()
			.references(() => forums.id, { onDelete: 'cascade' }),
		programmeId: integer('programme_id').references(() => programmes.id),
		/** The meeting where it was agreed. */
		workshopId: integer('workshop_id').references(() => workshops.id),
		number: text('number').notNull(),
		statement: text('statement').notNull(),
		type: text('type', { enum: COMMITMENT_TYPES }).notNull().default('numeric'),
		indicator: text('indicator').notNull().default(''),
		unit: text('unit').notNull().default(''),
		baselineValue: real('baseline_value'),
		baselineYear: integer('baseline_year'),
		baselineSource: text('baseline_source').notNull().default(''),
		targetValue: real('target_value'),
		/** ISO date. */
		targetDeadline: text('target_deadline'),
		/** `up`: more is better (UMKM assisted); `down`: less is better (households in poverty). */
		direction: text('direction', { enum: ['up', 'down'] }).notNull().default('up'),
		leadInstitutionId: integer('lead_institution_id').references(() => institutions.id),
		componentId: integer('component_id').references(() => components.id),
		status: text('status', { enum: COMMITMENT_STATUSES }).notNull().default('active'),
		/** Set when promoted from a frozen matrix cell: the link back to what was agreed. */
		matrixVersionId: integer('matrix_version_id').references(() => matrixVersions.id),
		sourceInstitutionId: integer('source_institution_id'),
		sourceComponentId: integer('source_component_id'),
		/** How a derived target was computed, e.g. {"areaCode":"18.06","minusBaseline":true}. */
		targetDerivation: text('target_derivation', { mode: 'json' }).$type<{ areaCode: string; minusBaseline: boolean } | null>(),
		/** The contribution's value in whole Rupiah as agreed in the matrix (null when none was given). */
		budgetRupiah: integer('budget_rupiah'),
		/** Where that money comes from, as typed in the matrix (APBD, Dana Desa, CSR/TJSL, …). */
		fundingSource: text('funding_source').notNull().default(''),
		createdAt: createdAt(),
		updatedAt: integer('updated_at', { mode: 'timestamp_ms' })
	},
	(t) => [index('commitments_forum').on(t.forumId), index('commitments_programme').on(t.programmeId)]
);

export const commitmentSupporters = sqliteTable(
	'commitment_supporters',
	{
		commitmentId: integer('commitment_id')
			.notNull()
			.references(() => commitments.id, { onDelete: 'cascade' }),
		institutionId: integer('institution_id')
			.notNull()
			.references(() => institutions.id, { onDelete: 'cascade' })
	},
	(t) => [primaryKey({ columns: [t.commitmentId, t.institutionId] })]
);

export const commitmentSites = sqliteTable(
	'commitment_sites',
	{
		commitmentId: integer('commitment_id')
			.notNull()
			.references(() => commitments.id, { onDelete: 'cascade' }),
		areaCode: text('area_code').notNull()
	},
	(t) => [primaryKey({ columns: [t.commitmentId, t.areaCode] })]
);

/** A progress report (laporan kemajuan) for one commitment and one period, monev-style. */
export const progressReports = sqliteTable(
	'progress_reports',
	{
		id: integer('id').primaryKey({ autoIncrement: true }),
		commitmentId: integer('commitment_id')
			.notNull()
			.references(() => commitments.id, { onDelete: 'cascade' }),
		periodType: text('period_type', { enum: PERIOD_TYPES }).notNull(),
		periodYear: integer('period_year').notNull(),
		/** 1–12 for months, 1–4 for quarters, 1–2 for semesters. */
		periodIndex: integer('period_index').notNull(),
		/** Cumulative realisation at the end of the period, in the commitment's unit. */
		realisation: real('realisation'),
		narrative: text('narrative').notNull().default(''),
		obstacles: text('obstacles').notNull().default(''),
		followUp: text('follow_up').notNull().default(''),
		flag: text('flag', { enum: REPORT_FLAGS }).notNull().default('on_track'),
		reporterName: text('reporter_name').notNull(),
		reporterInstitutionId: integer('reporter_institution_id').references(() => institutions.id),
		submittedAt: integer('submitted_at', { mode: 'timestamp_ms' }).notNull(),
		verifiedAt: integer('verified_at', { mode: 'timestamp_ms' }),
		verifiedBy: integer('verified_by').references(() => users.id),
		verificationNote: text('verification_note'),
		/** The review loop: submitted → returned (with a reason) → submitted again → verified. */
		status: text('status', { enum: REPORT_STATUSES }).notNull().default('submitted'),
		returnReason: text('return_reason'),
		returnedAt: integer('returned_at', { mode: 'timestamp_ms' }),
		returnedBy: integer('returned_by').references(() => users.id),
		/** Realised spending to the end of the period, in whole Rupiah (commitments with a budget). */
		spentRupiah: integer('spent_rupiah'),
		/** The standing reporting link the report came through, if any. */
		reportingLinkId: integer('reporting_link_id').references(() => reportingLinks.id)
	},
	(t) => [uniqueIndex('progress_reports_period').on(t.commitmentId, t.periodType, t.periodYear, t.periodIndex)]
);

/** Bukti dukung: a file stored on disk under its SHA-256, or a link. */
export const evidenceFiles = sqliteTable('evidence_files', {
	id: integer('id').primaryKey({ autoIncrement: true }),
	reportId: integer('report_id')
		.notNull()
		.references(() => progressReports.id, { onDelete: 'cascade' }),
	kind: text('kind', { enum: ['photo', 'document', 'link'] }).notNull(),
	originalName: text('original_name').notNull(),
	mimeType: text('mime_type').notNull().default(''),
	size: integer('size').notNull().default(0),
	sha256: text('sha256').notNull().default(''),
	url: text('url'),
	createdAt: createdAt()
});

/** Beneficiaries as aggregates only (counts per kelurahan and group), never per person. */
export const beneficiaryCounts = sqliteTable('beneficiary_counts', {
	id: integer('id').primaryKey({ autoIncrement: true }),
	reportId: integer('report_id')
		.notNull()
		.references(() => progressReports.id, { onDelete: 'cascade' }),
	/** A desa/kelurahan of the commitment's sites. */
	areaCode: text('area_code').notNull(),
	/** '' for the count by sex; otherwise a forum group's id as text. */
	group: text('group').notNull(),
	/** 'L' (laki-laki) or 'P' (perempuan); null for a forum group's count. */
	sex: text('sex', { enum: ['L', 'P'] }),
	groupId: integer('group_id').references(() => beneficiaryGroups.id, { onDelete: 'cascade' }),
	count: integer('count').notNull()
});

/** Every revision of a progress report: a report is never overwritten without a trace. */
export const progressReportRevisions = sqliteTable(
	'progress_report_revisions',
	{
		id: integer('id').primaryKey({ autoIncrement: true }),
		reportId: integer('report_id')
			.notNull()
			.references(() => progressReports.id, { onDelete: 'cascade' }),
		revision: integer('revision').notNull(),
		action: text('action', { enum: ['submit', 'resubmit', 'edit', 'verify', 'unverify', 'return'] }).notNull(),
		byUserId: integer('by_user_id').references(() => users.id, { onDelete: 'set null' }),
		byName: text('by_name').notNull(),
		/** The report's figures, narrative and evidence ids as they stood after this revision. */
		snapshot: text('snapshot', { mode: 'json' }).$type<Record<string, unknown>>().notNull(),
		/** Field names that changed from the previous revision. */
		changed: text('changed', { mode: 'json' }).$type<string[]>().notNull().default([]),
		at: createdAt()
	},
	(t) => [uniqueIndex('progress_report_revisions_unique').on(t.reportId, t.revision)]
);

/**
 * Attempts counted per key (`login:account:<email>`, `login:ip:<address>`, `join:ip:<address>` …)
 * in a fixed window, with a lockout: shared by every instance because it lives in the database.
 */
export const throttleBuckets = sqliteTable('throttle_buckets', {
	key: text('key').primaryKey(),
	count: integer('count').notNull(),
	windowStart: integer('window_start', { mode: 'timestamp_ms' }).notNull(),
	lockedUntil: integer('locked_until', { mode: 'timestamp_ms' })
});

/** Collab tokens withdrawn before they expire (by their id); rows go once the token would have expired. */
export const revokedTokens = sqliteTable('revoked_tokens', {
	tokenId: text('token_id').primaryKey(),
	expiresAt: integer('expires_at', { mode: 'timestamp_ms' }).notNull()
});
