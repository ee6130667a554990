/**
 * The fixed wording of the minutes PDF. It lives beside the renderer rather than in the UI
 * catalogue because it is part of a document's form, not of the app's screens: an official
 * berita acara is written in Indonesian (UU 24/2009, Pasal 27); English serves courtesy copies.
 */
import { translate, type MessageKey } from '../../i18n/translate';
import { CONTRIBUTION_TYPES } from '../../collab/matrix-doc';
import type { SignatureRole } from './minutes-document';

/** The catalogue's label for a known type; an unknown code (from an older version) is printed as typed. */
function contributionLabel(locale: 'id' | 'en', code: string): string {
	return (CONTRIBUTION_TYPES as readonly string[]).includes(code) ? translate(locale, `contribution.${code}` as MessageKey) : code;
}

export type MinutesLabels = {
	nomor: string;
	parties: string;
	no: string;
	name: string;
	jabatan: string;
	instansi: string;
	unsur: string;
	gender: string;
	time: string;
	signature: string;
	agreedPoints: string;
	notes: string;
	matrix: string;
	matrixVersion: (version: number, hash: string) => string;
	institution: string;
	continued: string;
	/** A contribution type by its code (PENDANAAN …), in the words the matrix page uses. */
	contributionType: (code: string) => string;
	sites: string;
	timing: string;
	funding: string;
	/** Header of the per-institution total column and label of the per-component total row. */
	totalRupiah: string;
	total: string;
	commitments: string;
	commitment: string;
	lead: string;
	target: string;
	changes: string;
	roles: Record<SignatureRole, string>;
	roleOne: Record<SignatureRole, string>;
	attendanceAnnex: string;
	audit: string;
	documentId: string;
	textHash: string;
	matrixHash: string;
	generatedAt: string;
	verifyAt: string;
	sealTime: string;
	sealTimeServerClock: string;
	sealTimeAuthority: (url: string) => string;
	signers: string;
	role: string;
	signedAt: string;
	ip: string;
	device: string;
	consent: string;
	shownHash: string;
	sameAsTextHash: string;
	signedOn: (time: string) => string;
	page: (page: number, pages: number) => string;
};

export const MINUTES_LABELS: Record<'id' | 'en', MinutesLabels> = {
	id: {
		nomor: 'Nomor',
		parties: 'Yang hadir dan bersepakat',
		no: 'No',
		name: 'Nama',
		jabatan: 'Jabatan',
		instansi: 'Instansi',
		unsur: 'Unsur',
		gender: 'L/P',
		time: 'Waktu',
		signature: 'Tanda tangan',
		agreedPoints: 'Hal-hal yang disepakati',
		notes: 'Catatan',
		matrix: 'Matriks Peran dan Kontribusi Parapihak',
		matrixVersion: (version, hash) => `Versi ${version} yang dibekukan · SHA-256 ${hash}`,
		institution: 'Lembaga/Instansi',
		continued: '(lanjutan)',
		contributionType: (code) => contributionLabel('id', code),
		sites: 'Lokasi',
		timing: 'Waktu',
		funding: 'Sumber dana',
		totalRupiah: 'Jumlah nilai',
		total: 'Jumlah',
		commitments: 'Komitmen Bersama',
		commitment: 'Komitmen',
		lead: 'Penanggung Jawab',
		target: 'Target',
		changes: 'Perubahan sejak pertemuan sebelumnya',
		roles: { party: 'Para Pihak', witness: 'Saksi', acknowledging: 'Mengetahui' },
		roleOne: { party: 'Pihak', witness: 'Saksi', acknowledging: 'Mengetahui' },
		attendanceAnnex: 'Lampiran: Daftar Hadir',
		audit: 'Jejak Audit',
		documentId: 'ID dokumen',
		textHash: 'Hash teks (SHA-256)',
		matrixHash: 'Hash matriks (SHA-256)',
		generatedAt: 'PDF dibuat',
		verifyAt: 'Verifikasi',
		sealTime: 'Waktu segel',
		sealTimeServerClock: 'Jam server ini sendiri; waktu segel tidak dicap oleh otoritas cap waktu (TSA) pihak ketiga.',
		sealTimeAuthority: (url) => `Dicap oleh otoritas cap waktu RFC 3161 (TSA): ${url}`,
		signers: 'Penanda tangan',
		role: 'Peran',
		signedAt: 'Waktu tanda tangan',
		ip: 'Alamat IP',
		device: 'Perangkat',
		consent: 'Pernyataan yang disetujui',
		shownHash: 'Hash teks yang ditampilkan',
		sameAsTextHash: '= hash teks',
		signedOn: (time) => `ditandatangani ${time}`,
		page: (page, pages) => `Halaman ${page} dari ${pages}`
	},
	en: {
		nomor: 'Number',
		parties: 'Present and agreeing',
		no: 'No',
		name: 'Name',
		jabatan: 'Position',
		instansi: 'Institution',
		unsur: 'Sector',
		gender: 'M/F',
		time: 'Time',
		signature: 'Signature',
		agreedPoints: 'Points agreed',
		notes: 'Notes',
		matrix: 'Stakeholder Role and Contribution Matrix',
		matrixVersion: (version, hash) => `Frozen version ${version} · SHA-256 ${hash}`,
		institution: 'Institution',
		continued: '(continued)',
		contributionType: (code) => contributionLabel('en', code),
		sites: 'Sites',
		timing: 'Timing',
		funding: 'Funding source',
		totalRupiah: 'Total value',
		total: 'Total',
		commitments: 'Joint Commitments',
		commitment: 'Commitment',
		lead: 'Responsible party',
		target: 'Target',
		changes: 'Changes since the last meeting',
		roles: { party: 'The Parties', witness: 'Witnesses', acknowledging: 'Acknowledged by' },
		roleOne: { party: 'Party', witness: 'Witness', acknowledging: 'Acknowledged by' },
		attendanceAnnex: 'Annex: Attendance List',
		audit: 'Audit Trail',
		documentId: 'Document ID',
		textHash: 'Text hash (SHA-256)',
		matrixHash: 'Matrix hash (SHA-256)',
		generatedAt: 'PDF generated',
		verifyAt: 'Verify',
		sealTime: 'Seal time',
		sealTimeServerClock: "This server's own clock; the seal's time is not stamped by a third-party time-stamping authority (TSA).",
		sealTimeAuthority: (url) => `Stamped by the RFC 3161 time-stamping authority (TSA) ${url}`,
		signers: 'Signers',
		role: 'Role',
		signedAt: 'Signed at',
		ip: 'IP address',
		device: 'Device',
		consent: 'Statement agreed to',
		shownHash: 'Hash of the text shown',
		sameAsTextHash: '= text hash',
		signedOn: (time) => `signed ${time}`,
		page: (page, pages) => `Page ${page} of ${pages}`
	}
};
