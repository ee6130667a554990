/**
 * Who may use each page, form action and endpoint of Mufakat: the security suite
 * (tests/integration/security-routes.test.ts) sends every entry's request as every role and checks
 * the answer, and docs/security.md's "who can do what" is this table in words. A route added under
 * src/routes without an entry here fails the suite, and so does an entry whose route is gone.
 */

export const ROLES = [
	'anonymous',
	'participant',
	'otherParticipant',
	'pendingParticipant',
	'observer',
	'secretariat',
	'moderator',
	'otherSecretariat',
	'otherModerator',
	'administrator'
] as const;
export type Role = (typeof ROLES)[number];

/** What each role is in the suite's world (forum 1 is "this forum", workshop 3 its live workshop). */
export const ROLE_MEANING: Record<Role, string> = {
	anonymous: 'no session',
	participant: 'representative of Bappelitbangda in workshop 3, checked in with its own invitation code (confirmed)',
	otherParticipant: 'confirmed representative in a live workshop of another forum',
	pendingParticipant: 'checked in to workshop 3 with the general code for Bappelitbangda, not yet confirmed by the moderator',
	observer: 'observer of forum 1',
	secretariat: 'secretariat of forum 1',
	moderator: 'moderator of forum 1',
	otherSecretariat: 'secretariat of forum 2 only',
	otherModerator: 'moderator of forum 2 only',
	administrator: 'instance administrator, no forum role'
};

/** Ids and secrets of the suite's world, found or made before the first request. */
export type World = {
	forumId: number;
	workshopId: number;
	code: string;
	programmeId: number;
	commitmentId: number;
	/** A commitment Bappelitbangda (the participant's institution) leads. */
	ownCommitmentId: number;
	reportId: number;
	verifiedReportId: number;
	evidenceId: number;
	sealedWorkshopId: number;
	/** A workshop of this forum still in draft. */
	draftWorkshopId: number;
	signedToken: string;
	sealedHash: string;
	/** A Laporan Kemajuan of forum 1 in its archive. */
	sealedReportId: number;
	/** A beneficiary group of forum 1 that staff rename. */
	beneficiaryGroupId: number;
	pendingSignerId: number;
	componentId: number;
	pilotSiteId: number;
	agendaId: number;
	attendanceId: number;
	/** An account the administrator deactivates, reactivates and resets. */
	spareUserId: number;
	collabToken: string;
	proposedInstitutionId: number;
	/** Another proposed institution, approved from the daftar hadir. */
	otherProposedInstitutionId: number;
	/** Targets that one allowed role's request uses up (retire, delete, remove…): one set per role. */
	own: Record<Role, Spare>;
};

export type Spare = {
	institutionId: number;
	retiredInstitutionId: number;
	duplicateInstitutionId: number;
	commitmentId: number;
	invitationId: number;
	attendanceId: number;
	removedAttendanceId: number;
	pendingAttendanceId: number;
	agendaId: number;
	componentId: number;
	pilotSiteId: number;
	workshopComponentId: number;
	workshopPilotSiteId: number;
	areaCode: string;
	otherAreaCode: string;
	/** A beneficiary group of forum 1 no report uses, to delete (made for the roles that may; 0 for the others, who are refused before it is read). */
	beneficiaryGroupId: number;
};

export type Fields = Record<string, string | string[]>;
export type Probe = { path: string; form?: Fields };

export type Access = {
	/** Roles that get through (2xx, or a redirect that is not to sign-in or joining). Everyone else is refused with nothing changed. */
	allow: readonly Role[];
	/** Roles sent elsewhere (303) with nothing changed: staff opening a representative's page land on the forum's. */
	redirect?: readonly Role[];
	/** The request; for an action or a POST endpoint, a body an allowed role's request succeeds with. */
	probe: (w: World, role: Role) => Probe;
	/** For an allowed role, the answer that shows it got past the access check when success needs what the suite cannot make. */
	allowedStatus?: number;
	/** How this route refuses, where it is not 401/403/404/410 or a redirect to sign in or to join. */
	refusedStatus?: number;
	/** Ends the session it is sent with (sign-out, password change): the suite sends it last. */
	endsSession?: boolean;
	/** Why, where it is not obvious. */
	why?: string;
};

const ALL = ['anonymous', 'participant', 'otherParticipant', 'pendingParticipant', 'observer', 'secretariat', 'moderator', 'otherSecretariat', 'otherModerator', 'administrator'] as const satisfies readonly Role[];
const ACCOUNTS = ['observer', 'secretariat', 'moderator', 'otherSecretariat', 'otherModerator', 'administrator'] as const satisfies readonly Role[];
const READERS = ['observer', 'secretariat', 'moderator'] as const satisfies readonly Role[];
const STAFF = ['secretariat', 'moderator'] as const satisfies readonly Role[];
const MODERATOR = ['moderator'] as const satisfies readonly Role[];
const ADMIN = ['administrator'] as const satisfies readonly Role[];
const NOBODY = [] as const satisfies readonly Role[];

const BOGUS_TOKEN = 'bukan-token-yang-sah-0000000000';
const forum = (w: World, rest = '') => `/forums/${w.forumId}${rest}`;
const workshop = (w: World, rest = '') => `/workshops/${w.workshopId}${rest}`;
const commitment = (w: World, rest = '') => forum(w, `/commitments/${w.commitmentId}${rest}`);
const programme = (w: World, rest = '') => forum(w, `/programmes/${w.programmeId}${rest}`);
const report = { periodType: 'quarter', periodYear: '2026', periodIndex: '2', realisation: '7', narrative: 'Pelatihan kader', flag: 'on_track' };

/** Programme and workshop pages share the component and pilot-site actions; `scope` is the page's path. */
function setupActions(prefix: string, path: (w: World) => string, allow: readonly Role[], forWorkshop: boolean): Record<string, Access> {
	const component = (w: World, r: Role) => String(forWorkshop ? w.own[r].workshopComponentId : w.own[r].componentId);
	const site = (w: World, r: Role) => String(forWorkshop ? w.own[r].workshopPilotSiteId : w.own[r].pilotSiteId);
	return {
		[`POST ${prefix}?/addComponent`]: { allow, probe: (w, r) => ({ path: `${path(w)}?/addComponent`, form: { _action: 'addComponent', name: `Komponen uji ${r}`, kind: 'focus' } }) },
		[`POST ${prefix}?/renameComponent`]: { allow, probe: (w, r) => ({ path: `${path(w)}?/renameComponent`, form: { _action: 'renameComponent', id: String(w.componentId), name: `Nama baru ${r}` } }) },
		[`POST ${prefix}?/moveComponent`]: { allow, probe: (w) => ({ path: `${path(w)}?/moveComponent`, form: { _action: 'moveComponent', id: String(w.componentId), direction: 'down' } }) },
		[`POST ${prefix}?/removeComponent`]: { allow, probe: (w, r) => ({ path: `${path(w)}?/removeComponent`, form: { _action: 'removeComponent', id: component(w, r) } }) },
		[`POST ${prefix}?/addPilot`]: {
			allow,
			probe: (w, r) => ({ path: `${path(w)}?/addPilot`, form: { _action: 'addPilot', areaCode: forWorkshop ? w.own[r].otherAreaCode : w.own[r].areaCode, stage: 'piloting' } })
		},
		[`POST ${prefix}?/pilotStage`]: { allow, probe: (w) => ({ path: `${path(w)}?/pilotStage`, form: { _action: 'pilotStage', id: String(w.pilotSiteId), stage: 'replication' } }) },
		[`POST ${prefix}?/removePilot`]: { allow, probe: (w, r) => ({ path: `${path(w)}?/removePilot`, form: { _action: 'removePilot', id: site(w, r) } }) }
	};
}

export const ACCESS: Record<string, Access> = {
	// The front door and public pages.
	'GET /': { allow: ALL, probe: () => ({ path: '/' }) },
	'POST /?/join': { allow: ALL, probe: (w) => ({ path: '/?/join', form: { code: w.code } }), allowedStatus: 303, why: 'the code typed on the start page leads to its join form' },
	'GET /login': { allow: ALL, probe: () => ({ path: '/login' }) },
	'POST /login': {
		allow: ALL,
		probe: () => ({ path: '/login', form: { email: 'moderator@mufakat.test', password: 'mufakat-demo' } }),
		why: 'anyone may sign in with an account’s e-mail and password'
	},
	'POST /logout': { allow: ALL, probe: () => ({ path: '/logout', form: {} }), endsSession: true },
	'POST /lang': { allow: ALL, probe: () => ({ path: '/lang', form: { locale: 'id', redirectTo: '/' } }) },
	'GET /verify': { allow: ALL, probe: () => ({ path: '/verify' }) },
	'GET /healthz': { allow: ALL, probe: () => ({ path: '/healthz' }), why: 'the load balancer’s health check: says only that the process answers, and which instance it is' },
	'POST /verify': { allow: ALL, probe: (w) => ({ path: '/verify', form: { hash: w.sealedHash } }) },
	'GET /p/[programmeId]': { allow: ALL, probe: (w) => ({ path: `/p/${w.programmeId}` }), why: 'the public transparency page of a listed programme' },
	'GET /logos/[sha256]': {
		allow: NOBODY,
		probe: () => ({ path: `/logos/${'0'.repeat(64)}` }),
		why: 'public for a logo some forum uses; a hash no forum uses is not served to anyone'
	},
	'GET /setup': { allow: ALL, probe: () => ({ path: '/setup' }) },

	// Single-use links: the token is the key. A wrong token is refused to everyone; the accounts and
	// minutes suites cover what a right one does.
	'GET /setup/[token]': { allow: NOBODY, probe: () => ({ path: `/setup/${BOGUS_TOKEN}` }), why: 'set-up link: refused once an administrator exists, and for a wrong token' },
	'POST /setup/[token]': {
		allow: NOBODY,
		probe: () => ({ path: `/setup/${BOGUS_TOKEN}`, form: { name: 'Penyusup', email: 'penyusup@x.test', password: 'kata-sandi-penyusup', passwordConfirm: 'kata-sandi-penyusup' } })
	},
	'GET /invite/[token]': { allow: NOBODY, probe: () => ({ path: `/invite/${BOGUS_TOKEN}` }) },
	'POST /invite/[token]?/create': {
		allow: NOBODY,
		probe: () => ({ path: `/invite/${BOGUS_TOKEN}?/create`, form: { name: 'Penyusup', email: 'penyusup@x.test', password: 'kata-sandi-penyusup', passwordConfirm: 'kata-sandi-penyusup' } })
	},
	'POST /invite/[token]?/existing': {
		allow: NOBODY,
		probe: () => ({ path: `/invite/${BOGUS_TOKEN}?/existing`, form: { email: 'moderator@mufakat.test', password: 'mufakat-demo' } })
	},
	'GET /reset/[token]': { allow: NOBODY, probe: () => ({ path: `/reset/${BOGUS_TOKEN}` }) },
	'POST /reset/[token]': { allow: NOBODY, probe: () => ({ path: `/reset/${BOGUS_TOKEN}`, form: { password: 'kata-sandi-penyusup', passwordConfirm: 'kata-sandi-penyusup' } }) },
	'GET /reentry/[token]': {
		allow: ALL,
		probe: () => ({ path: `/reentry/${BOGUS_TOKEN}` }),
		why: 'only shows that the link is not valid (link previews must not use a link up)'
	},
	'POST /reentry/[token]': { allow: NOBODY, probe: () => ({ path: `/reentry/${BOGUS_TOKEN}`, form: {} }), refusedStatus: 400, why: 'a wrong re-entry link is refused beside the form' },
	'GET /sign/[token]': { allow: ALL, probe: (w) => ({ path: `/sign/${w.signedToken}` }), why: 'a signer’s link shows what they signed to whoever holds it' },
	'GET /sign/[token]/berita-acara.pdf': { allow: ALL, probe: (w) => ({ path: `/sign/${w.signedToken}/berita-acara.pdf` }), why: 'once sealed, a signer’s link gives their own copy of the sealed PDF' },
	'POST /sign/[token]?/sign': { allow: NOBODY, probe: () => ({ path: `/sign/${BOGUS_TOKEN}?/sign`, form: { consent: 'on', strokes: '[[[0,0],[10,10]]]' } }) },
	'POST /sign/[token]?/decline': { allow: NOBODY, probe: () => ({ path: `/sign/${BOGUS_TOKEN}?/decline`, form: { reason: 'Tidak hadir' } }) },

	// Standing reporting links: the token is the key, as for the single-use links; a wrong one is
	// refused to everyone. The reporting suite covers what a right, revoked or re-issued one does.
	'GET /r/[token]': { allow: NOBODY, probe: () => ({ path: `/r/${BOGUS_TOKEN}` }) },
	'GET /r/[token]/[commitmentId]': { allow: NOBODY, probe: (w) => ({ path: `/r/${BOGUS_TOKEN}/${w.ownCommitmentId}` }) },
	'POST /r/[token]/[commitmentId]?/report': {
		allow: NOBODY,
		probe: (w) => ({ path: `/r/${BOGUS_TOKEN}/${w.ownCommitmentId}?/report`, form: { ...report, periodIndex: '1', reporterName: 'Penyusup' } })
	},

	// Joining and the representative's own pages.
	'GET /join/[code]': { allow: ALL, probe: (w) => ({ path: `/join/${w.code}` }) },
	'POST /join/[code]': {
		allow: ALL,
		probe: (w, r) => ({ path: `/join/${w.code}`, form: { institutionId: '14', name: `Hadir ${r}`, jabatan: 'Staf', gender: 'P', phone: '' } }),
		why: 'anyone in the hall may check in; with the general code they only watch until the moderator confirms them'
	},
	'GET /w/[code]': {
		allow: ['participant', 'pendingParticipant', ...READERS],
		probe: (w) => ({ path: `/w/${w.code}` }),
		why: 'the workshop’s participants, and the forum’s staff; a stranger is sent to the join form'
	},
	'GET /w/[code]/matrix': { allow: ['participant', 'pendingParticipant', ...READERS], probe: (w) => ({ path: `/w/${w.code}/matrix` }) },
	'GET /w/[code]/reports': {
		allow: ['participant'],
		redirect: READERS,
		probe: (w) => ({ path: `/w/${w.code}/reports` }),
		why: 'a confirmed representative’s reports; staff are sent to the forum’s commitments'
	},
	'GET /w/[code]/reports/[commitmentId]': { allow: ['participant'], redirect: READERS, probe: (w) => ({ path: `/w/${w.code}/reports/${w.ownCommitmentId}` }) },
	'POST /w/[code]/reports/[commitmentId]?/report': {
		allow: ['participant'],
		redirect: READERS,
		probe: (w) => ({ path: `/w/${w.code}/reports/${w.ownCommitmentId}?/report`, form: { ...report, periodIndex: '1' } })
	},
	'GET /evidence/[id]': {
		allow: ['participant', ...READERS],
		probe: (w) => ({ path: `/evidence/${w.evidenceId}` }),
		why: 'the forum’s staff, and a confirmed representative of the institution that leads the commitment or filed the report'
	},

	// Accounts and the administrator.
	'GET /account': { allow: ACCOUNTS, probe: () => ({ path: '/account' }) },
	'POST /account?/password': {
		allow: ACCOUNTS,
		probe: () => ({ path: '/account?/password', form: { currentPassword: 'mufakat-demo', password: 'kata-sandi-baru-2026', passwordConfirm: 'kata-sandi-baru-2026' } }),
		endsSession: true
	},
	'GET /api/areas': { allow: ACCOUNTS, probe: () => ({ path: '/api/areas?q=taman' }) },
	'GET /admin': { allow: ADMIN, probe: () => ({ path: '/admin' }) },
	'POST /admin?/deactivate': { allow: ADMIN, probe: (w) => ({ path: '/admin?/deactivate', form: { userId: String(w.spareUserId) } }) },
	'POST /admin?/reactivate': { allow: ADMIN, probe: (w) => ({ path: '/admin?/reactivate', form: { userId: String(w.spareUserId) } }) },
	'POST /admin?/reset': { allow: ADMIN, probe: (w) => ({ path: '/admin?/reset', form: { userId: String(w.spareUserId) } }) },
	'GET /admin/backup': { allow: ADMIN, probe: () => ({ path: '/admin/backup' }) },
	'GET /admin/backup/mufakat-backup.tar.gz': { allow: ADMIN, probe: () => ({ path: '/admin/backup/mufakat-backup.tar.gz' }) },
	'GET /admin/forums': { allow: ADMIN, probe: () => ({ path: '/admin/forums' }) },
	'GET /admin/forums/new': { allow: ADMIN, probe: () => ({ path: '/admin/forums/new' }) },
	'POST /admin/forums/new': {
		allow: ADMIN,
		probe: () => ({
			path: '/admin/forums/new',
			form: { name: 'Forum Multipihak Toraja Utara', shortName: 'FMTU', level: 'kabupaten', regionCode: '73.26', secretariatAddress: 'Rantepao', place: '', timeZone: '', villageWord: 'lembang', numberingPattern: '{n}/BA/{forum}/{month}/{year}' }
		})
	},
	'GET /admin/forums/[forumId]': { allow: ADMIN, probe: (w) => ({ path: `/admin/forums/${w.forumId}` }) },
	'POST /admin/forums/[forumId]': {
		allow: ADMIN,
		probe: (w) => ({
			path: `/admin/forums/${w.forumId}`,
			form: { name: 'Forum Pemberdayaan Masyarakat Kota Madiun', shortName: 'Forpemma', level: 'kabupaten', regionCode: '35.77', secretariatAddress: 'Sekretariat: Yayasan Bambu Nusantara (YBN)', place: '', timeZone: '', villageWord: 'kelurahan', numberingPattern: '{n}/BA/{forum}/{month}/{year}' }
		})
	},
	'GET /admin/forums/[forumId]/letterhead.pdf': { allow: ADMIN, probe: (w) => ({ path: `/admin/forums/${w.forumId}/letterhead.pdf` }) },

	// A forum's pages: every forum role reads; moderators and secretariat change; observers only read.
	'GET /forums/[forumId]': { allow: READERS, probe: (w) => ({ path: forum(w) }) },
	'GET /forums/[forumId]/dashboard': { allow: READERS, probe: (w) => ({ path: forum(w, '/dashboard?period=2026-T1&verified=1') }) },
	'POST /forums/[forumId]/dashboard/laporan-kemajuan': {
		allow: STAFF,
		probe: (w) => ({ path: forum(w, '/dashboard/laporan-kemajuan'), form: { programme: String(w.programmeId), period: '2026-T1', verified: '1' } }),
		why: 'the sealed Laporan Kemajuan is the secretariat’s document, like the sealed minutes'
	},
	'GET /forums/[forumId]/dashboard/laporan-kemajuan/[reportId]': {
		allow: STAFF,
		probe: (w) => ({ path: forum(w, `/dashboard/laporan-kemajuan/${w.sealedReportId}`) })
	},
	'GET /forums/[forumId]/commitments': { allow: READERS, probe: (w) => ({ path: forum(w, '/commitments') }) },
	'POST /forums/[forumId]/commitments?/create': {
		allow: STAFF,
		probe: (w, r) => ({ path: forum(w, '/commitments?/create'), form: { statements: `Komitmen uji ${r}`, programmeId: String(w.programmeId) } })
	},
	'GET /forums/[forumId]/commitments/commitments.csv': { allow: READERS, probe: (w) => ({ path: forum(w, '/commitments/commitments.csv') }) },
	'GET /forums/[forumId]/commitments/commitments.xlsx': { allow: READERS, probe: (w) => ({ path: forum(w, '/commitments/commitments.xlsx') }) },
	'GET /forums/[forumId]/commitments/progress.csv': { allow: READERS, probe: (w) => ({ path: forum(w, '/commitments/progress.csv') }) },
	'GET /forums/[forumId]/commitments/[commitmentId]': { allow: READERS, probe: (w) => ({ path: commitment(w) }) },
	'POST /forums/[forumId]/commitments/[commitmentId]?/update': {
		allow: STAFF,
		probe: (w, r) => ({
			path: commitment(w, '?/update'),
			form: { number: '1', statement: `Melatih kader posyandu (${r})`, programmeId: String(w.programmeId), type: 'numeric', status: 'active', direction: 'up', unit: 'orang', baselineValue: '0', targetValue: '40', leadInstitutionId: '1' }
		})
	},
	'POST /forums/[forumId]/commitments/[commitmentId]?/addSite': { allow: STAFF, probe: (w, r) => ({ path: commitment(w, '?/addSite'), form: { _action: 'addSite', areaCode: w.own[r].areaCode } }) },
	'POST /forums/[forumId]/commitments/[commitmentId]?/derive': { allow: STAFF, probe: (w) => ({ path: commitment(w, '?/derive'), form: { _action: 'derive', areaCode: '35.77' } }) },
	'POST /forums/[forumId]/commitments/[commitmentId]?/report': {
		allow: STAFF,
		// One period each that no one else reports, and none after today (a future period is refused).
		probe: (w, r) => ({ path: commitment(w, '?/report'), form: { ...report, periodYear: r === 'secretariat' ? '2024' : '2026' } })
	},
	'POST /forums/[forumId]/commitments/[commitmentId]?/verify': {
		allow: ['secretariat'],
		probe: (w) => ({ path: commitment(w, '?/verify'), form: { reportId: String(w.reportId), note: 'Bukti cukup' } }),
		why: 'verifying a progress report is the secretariat’s'
	},
	'POST /forums/[forumId]/commitments/[commitmentId]?/return': {
		allow: ['secretariat'],
		probe: (w) => ({ path: commitment(w, '?/return'), form: { reportId: String(w.verifiedReportId), reason: 'Perlu bukti baru' } }),
		why: 'sending a report back to the reporter with a reason is the secretariat’s, like verifying'
	},
	'POST /forums/[forumId]/commitments/[commitmentId]?/delete': {
		allow: STAFF,
		probe: (w, r) => ({ path: forum(w, `/commitments/${w.own[r].commitmentId}?/delete`), form: {} })
	},
	'GET /forums/[forumId]/commitments/import': { allow: STAFF, probe: (w) => ({ path: forum(w, '/commitments/import') }) },
	'POST /forums/[forumId]/commitments/import?/check': {
		allow: STAFF,
		probe: (w) => ({ path: forum(w, '/commitments/import?/check'), form: { programmeId: String(w.programmeId), csv: 'nomor,periode,realisasi\n' } }),
		allowedStatus: 200
	},
	'POST /forums/[forumId]/commitments/import?/apply': {
		allow: STAFF,
		probe: (w) => ({ path: forum(w, '/commitments/import?/apply'), form: { programmeId: String(w.programmeId), csv: 'nomor,periode,realisasi\n' } }),
		allowedStatus: 400,
		why: 'an empty import is refused by the check (400, after the access check); the commitments suite applies a real one'
	},
	'POST /forums/[forumId]/commitments/import?/checkCommitments': {
		allow: STAFF,
		probe: (w) => ({ path: forum(w, '/commitments/import?/checkCommitments'), form: { programmeId: String(w.programmeId), csv: 'komitmen\n' } }),
		allowedStatus: 200
	},
	'POST /forums/[forumId]/commitments/import?/applyCommitments': {
		allow: STAFF,
		probe: (w) => ({ path: forum(w, '/commitments/import?/applyCommitments'), form: { programmeId: String(w.programmeId), csv: 'komitmen\n' } }),
		allowedStatus: 400,
		why: 'an empty import is refused by the check (400, after the access check); the reporting suite applies a real one'
	},
	'GET /forums/[forumId]/commitments/promote': { allow: STAFF, probe: (w) => ({ path: forum(w, '/commitments/promote') }) },
	'POST /forums/[forumId]/commitments/promote?/promote': {
		allow: STAFF,
		probe: (w, r) => ({
			path: forum(w, '/commitments/promote?/promote'),
			form: { workshopId: String(w.sealedWorkshopId), version: '1', institutionId: r === 'secretariat' ? '13' : '16', componentId: '1' }
		})
	},
	'GET /forums/[forumId]/reporting': { allow: STAFF, probe: (w) => ({ path: forum(w, '/reporting') }), why: 'the page shows the standing reporting links, which are secrets' },
	'POST /forums/[forumId]/reporting?/issue': {
		allow: STAFF,
		probe: (w) => ({ path: forum(w, '/reporting?/issue'), form: { _action: 'issue', institutionId: '1' } }),
		why: 'institution 1 (Bappelitbangda) leads commitment 1'
	},
	'POST /forums/[forumId]/reporting?/revoke': { allow: STAFF, probe: (w) => ({ path: forum(w, '/reporting?/revoke'), form: { _action: 'revoke', institutionId: '1' } }) },
	'POST /forums/[forumId]/reporting?/addGroup': {
		allow: STAFF,
		probe: (w, r) => ({ path: forum(w, '/reporting?/addGroup'), form: { _action: 'addGroup', name: `Kelompok uji ${r}` } }),
		why: 'the beneficiary groups are the forum’s monitoring settings, beside its reporting links'
	},
	'POST /forums/[forumId]/reporting?/renameGroup': {
		allow: STAFF,
		probe: (w, r) => ({ path: forum(w, '/reporting?/renameGroup'), form: { _action: 'renameGroup', id: String(w.beneficiaryGroupId), name: `Kelompok ganti ${r}` } })
	},
	'POST /forums/[forumId]/reporting?/deleteGroup': {
		allow: STAFF,
		probe: (w, r) => ({ path: forum(w, '/reporting?/deleteGroup'), form: { _action: 'deleteGroup', id: String(w.own[r].beneficiaryGroupId) } })
	},
	'GET /forums/[forumId]/institutions': { allow: STAFF, probe: (w) => ({ path: forum(w, '/institutions') }) },
	'POST /forums/[forumId]/institutions?/create': {
		allow: STAFF,
		probe: (w, r) => ({ path: forum(w, '/institutions?/create'), form: { _action: 'create', officialName: `Lembaga Uji ${r}`, shortName: `LU-${r}`, sector: 'komunitas' } })
	},
	'POST /forums/[forumId]/institutions?/update': {
		allow: STAFF,
		probe: (w, r) => ({ path: forum(w, '/institutions?/update'), form: { _action: 'update', id: String(w.own[r].institutionId), officialName: `Lembaga Ganti ${r}`, shortName: `LG-${r}`, sector: 'komunitas' } })
	},
	'POST /forums/[forumId]/institutions?/retire': { allow: STAFF, probe: (w, r) => ({ path: forum(w, '/institutions?/retire'), form: { _action: 'retire', id: String(w.own[r].institutionId) } }) },
	'POST /forums/[forumId]/institutions?/reinstate': {
		allow: STAFF,
		probe: (w, r) => ({ path: forum(w, '/institutions?/reinstate'), form: { _action: 'reinstate', id: String(w.own[r].retiredInstitutionId) } })
	},
	'POST /forums/[forumId]/institutions?/merge': {
		allow: STAFF,
		probe: (w, r) => ({
			path: forum(w, '/institutions?/merge'),
			form: { _action: 'merge', id: String(w.own[r].duplicateInstitutionId), duplicateId: String(w.own[r].duplicateInstitutionId), survivorId: '2' }
		})
	},
	'POST /forums/[forumId]/institutions?/approve': {
		allow: MODERATOR,
		probe: (w) => ({ path: forum(w, '/institutions?/approve'), form: { id: String(w.proposedInstitutionId) } }),
		why: 'approving a proposed institution is the moderator’s'
	},
	'GET /forums/[forumId]/people': { allow: ['moderator', 'administrator'], probe: (w) => ({ path: forum(w, '/people') }), why: 'inviting staff: the forum’s moderators and the administrator' },
	'POST /forums/[forumId]/people?/invite': {
		allow: ['moderator', 'administrator'],
		probe: (w, r) => ({ path: forum(w, '/people?/invite'), form: { role: 'observer', name: `Pengamat ${r}`, email: `pengamat-${r}@x.test`, days: '7' } })
	},
	'POST /forums/[forumId]/people?/renew': { allow: ['moderator', 'administrator'], probe: (w, r) => ({ path: forum(w, '/people?/renew'), form: { invitationId: String(w.own[r].invitationId) } }) },
	'POST /forums/[forumId]/people?/revoke': { allow: ['moderator', 'administrator'], probe: (w, r) => ({ path: forum(w, '/people?/revoke'), form: { invitationId: String(w.own[r].invitationId) } }) },
	'GET /forums/[forumId]/programmes': { allow: READERS, probe: (w) => ({ path: forum(w, '/programmes') }) },
	'POST /forums/[forumId]/programmes?/create': { allow: STAFF, probe: (w, r) => ({ path: forum(w, '/programmes?/create'), form: { name: `Program Uji ${r}`, vision: 'Uji', legalBasis: '' } }) },
	'GET /forums/[forumId]/programmes/[programmeId]': { allow: READERS, probe: (w) => ({ path: programme(w) }) },
	'POST /forums/[forumId]/programmes/[programmeId]?/details': {
		allow: STAFF,
		probe: (w) => ({ path: programme(w, '?/details'), form: { _action: 'details', name: 'Program Kelurahan Mandiri', vision: 'Kelurahan mandiri', legalBasis: '', listed: 'on' } })
	},
	...setupActions('/forums/[forumId]/programmes/[programmeId]', (w) => programme(w), STAFF, false),
	'GET /forums/[forumId]/workshops/new': { allow: MODERATOR, probe: (w) => ({ path: forum(w, '/workshops/new') }) },
	'POST /forums/[forumId]/workshops/new': {
		allow: MODERATOR,
		probe: (w) => ({ path: forum(w, '/workshops/new'), form: { title: 'Rapat Uji', date: '2026-11-26', startTime: '09:00', place: 'Aula', kind: 'lokakarya', programmeId: String(w.programmeId) } })
	},

	// A workshop's pages: its forum's moderators and secretariat; observers read the minutes only.
	'GET /workshops/[workshopId]': { allow: STAFF, probe: (w) => ({ path: workshop(w) }) },
	'POST /workshops/[workshopId]?/details': {
		allow: MODERATOR,
		probe: (w) => ({
			path: workshop(w, '?/details'),
			form: { title: 'Rapat Evaluasi dan Replikasi Program Kelurahan Mandiri Kota Madiun', date: '2026-11-26', startTime: '09:00', place: 'Aula Kelurahan Taman', kind: 'lokakarya', programmeId: String(w.programmeId) }
		})
	},
	'POST /workshops/[workshopId]?/status': {
		allow: MODERATOR,
		probe: (w) => ({ path: `/workshops/${w.draftWorkshopId}?/status`, form: { status: 'live' } }),
		why: 'a draft workshop goes live; the suite’s live workshop stays as it is'
	},
	'POST /workshops/[workshopId]?/addAgenda': { allow: MODERATOR, probe: (w) => ({ path: workshop(w, '?/addAgenda'), form: { title: 'Sisipan', durationMinutes: '5' } }) },
	'POST /workshops/[workshopId]?/removeAgenda': { allow: MODERATOR, probe: (w, r) => ({ path: workshop(w, '?/removeAgenda'), form: { id: String(w.own[r].agendaId) } }) },
	'POST /workshops/[workshopId]?/moveAgenda': { allow: MODERATOR, probe: (w) => ({ path: workshop(w, '?/moveAgenda'), form: { id: String(w.agendaId), direction: 'down' } }) },
	'POST /workshops/[workshopId]?/invite': { allow: MODERATOR, probe: (w) => ({ path: workshop(w, '?/invite'), form: { institutionId: ['1', '13', '14'] } }) },
	...setupActions('/workshops/[workshopId]', (w) => workshop(w), MODERATOR, true),
	'GET /workshops/[workshopId]/invitations': { allow: STAFF, probe: (w) => ({ path: workshop(w, '/invitations') }) },
	'GET /workshops/[workshopId]/projector': { allow: STAFF, probe: (w) => ({ path: workshop(w, '/projector') }) },
	'GET /workshops/[workshopId]/attendance': { allow: STAFF, probe: (w) => ({ path: workshop(w, '/attendance') }) },
	'GET /workshops/[workshopId]/attendance.csv': { allow: STAFF, probe: (w) => ({ path: workshop(w, '/attendance.csv') }) },
	'POST /workshops/[workshopId]/attendance?/approve': {
		allow: MODERATOR,
		probe: (w) => ({ path: workshop(w, '/attendance?/approve'), form: { institutionId: String(w.otherProposedInstitutionId) } })
	},
	'POST /workshops/[workshopId]/attendance?/edit': {
		allow: STAFF,
		probe: (w, r) => ({ path: workshop(w, '/attendance?/edit'), form: { _action: 'edit', id: String(w.own[r].attendanceId), name: `Nama Betul ${r}`, jabatan: 'Kepala Bidang', gender: 'L', institutionId: '14' } })
	},
	'POST /workshops/[workshopId]/attendance?/remove': { allow: STAFF, probe: (w, r) => ({ path: workshop(w, '/attendance?/remove'), form: { _action: 'remove', id: String(w.own[r].attendanceId) } }) },
	'POST /workshops/[workshopId]/attendance?/restore': {
		allow: STAFF,
		probe: (w, r) => ({ path: workshop(w, '/attendance?/restore'), form: { _action: 'restore', id: String(w.own[r].removedAttendanceId) } })
	},
	'POST /workshops/[workshopId]/attendance?/confirm': {
		allow: MODERATOR,
		probe: (w, r) => ({ path: workshop(w, '/attendance?/confirm'), form: { _action: 'confirm', id: String(w.own[r].pendingAttendanceId) } }),
		why: 'who speaks for an institution is confirmed by the moderator'
	},
	'POST /workshops/[workshopId]/attendance?/revoke': {
		allow: MODERATOR,
		probe: (w, r) => ({ path: workshop(w, '/attendance?/revoke'), form: { _action: 'revoke', id: String(w.own[r].pendingAttendanceId) } })
	},
	'POST /workshops/[workshopId]/attendance?/signatory': {
		allow: STAFF,
		probe: (w) => ({ path: workshop(w, '/attendance?/signatory'), form: { _action: 'signatory', id: String(w.attendanceId) } })
	},
	'POST /workshops/[workshopId]/attendance?/reentry': {
		allow: STAFF,
		probe: (w) => ({ path: workshop(w, '/attendance?/reentry'), form: { _action: 'reentry', id: String(w.attendanceId) } })
	},
	'POST /workshops/[workshopId]/collab-token': {
		allow: MODERATOR,
		probe: (w) => ({ path: workshop(w, '/collab-token'), form: { role: 'viewer', name: 'Layar kedua' } }),
		why: 'tokens for outside live-document clients and second screens'
	},
	'DELETE /workshops/[workshopId]/collab-token': { allow: MODERATOR, probe: (w) => ({ path: workshop(w, '/collab-token'), form: { token: w.collabToken } }) },
	'GET /workshops/[workshopId]/matrix': { allow: STAFF, probe: (w) => ({ path: workshop(w, '/matrix') }) },
	'POST /workshops/[workshopId]/matrix?/addComponent': {
		allow: MODERATOR,
		probe: (w) => ({ path: workshop(w, '/matrix?/addComponent'), form: { _action: 'addComponent', name: 'Kolom uji', kind: 'action' } })
	},
	'POST /workshops/[workshopId]/matrix?/renameComponent': {
		allow: MODERATOR,
		probe: (w) => ({ path: workshop(w, '/matrix?/renameComponent'), form: { _action: 'renameComponent', id: String(w.componentId), name: 'Kolom berganti nama' } })
	},
	'POST /workshops/[workshopId]/matrix?/moveComponent': {
		allow: MODERATOR,
		probe: (w) => ({ path: workshop(w, '/matrix?/moveComponent'), form: { id: String(w.componentId), direction: 'right' } })
	},
	'POST /workshops/[workshopId]/matrix?/addRow': { allow: MODERATOR, probe: (w) => ({ path: workshop(w, '/matrix?/addRow'), form: { institutionId: '15' } }) },
	'POST /workshops/[workshopId]/matrix?/moveRow': { allow: MODERATOR, probe: (w) => ({ path: workshop(w, '/matrix?/moveRow'), form: { institutionId: '1', direction: 'down' } }) },
	'POST /workshops/[workshopId]/matrix?/freeze': { allow: MODERATOR, probe: (w) => ({ path: workshop(w, '/matrix?/freeze'), form: {} }) },
	'POST /workshops/[workshopId]/matrix?/unfreeze': { allow: MODERATOR, probe: (w) => ({ path: workshop(w, '/matrix?/unfreeze'), form: {} }) },
	'GET /workshops/[workshopId]/matrix/versions/[version]/matrix.csv': {
		allow: STAFF,
		probe: (w) => ({ path: `/workshops/${w.sealedWorkshopId}/matrix/versions/1/matrix.csv` })
	},
	'GET /workshops/[workshopId]/matrix/versions/[version]/matrix.xlsx': {
		allow: STAFF,
		probe: (w) => ({ path: `/workshops/${w.sealedWorkshopId}/matrix/versions/1/matrix.xlsx` })
	},
	'GET /workshops/[workshopId]/minutes': { allow: READERS, probe: (w) => ({ path: `/workshops/${w.sealedWorkshopId}/minutes` }), why: 'observers read the finalised minutes' },
	'GET /workshops/[workshopId]/minutes/[version]/berita-acara.pdf': { allow: READERS, probe: (w) => ({ path: `/workshops/${w.sealedWorkshopId}/minutes/1/berita-acara.pdf` }) },
	'GET /workshops/[workshopId]/minutes/signers/[signerId]/qr.svg': { allow: STAFF, probe: (w) => ({ path: `/workshops/${w.sealedWorkshopId}/minutes/signers/${w.pendingSignerId}/qr.svg` }) },
	'POST /workshops/[workshopId]/minutes?/finalize': {
		allow: STAFF,
		probe: (w, r) => ({ path: workshop(w, '/minutes?/finalize'), form: { reason: `Perbaikan ${r}` } }),
		allowedStatus: 400,
		why: 'the live workshop’s matrix is not frozen, so finalising stops at the form’s checks (400) after the access check; the minutes suites finalise for real'
	},
	'POST /workshops/[workshopId]/minutes?/renewLink': {
		allow: STAFF,
		probe: (w) => ({ path: `/workshops/${w.sealedWorkshopId}/minutes?/renewLink`, form: { signerId: String(w.pendingSignerId) } })
	},
	'POST /workshops/[workshopId]/minutes?/seal': {
		allow: STAFF,
		probe: (w) => ({ path: `/workshops/${w.sealedWorkshopId}/minutes?/seal`, form: {} }),
		why: 'sealing is idempotent: the sealed workshop answers that it is sealed already'
	},
	'POST /workshops/[workshopId]/minutes?/importCertificate': {
		allow: STAFF,
		probe: (w) => ({ path: workshop(w, '/minutes?/importCertificate'), form: { password: 'salah' } }),
		allowedStatus: 400,
		why: 'without a PKCS#12 file the import is refused after the access check; the signed-minutes suite imports a real one'
	}
};
