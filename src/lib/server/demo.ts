import { inArray, sql } from 'drizzle-orm';
import { affectedRows, type Db } from './db/client';
import { transaction } from './db/client';
import { createUser, grantRole } from './auth';
import { attendance, components, forums, users, institutions, persons, pilotSites, programmes, representations, workshops, agendaItems, workshopInvitations, type Sector } from './db/schema';
import { nameKey } from './workshops/attendance';
import { newInvitationCode } from './workshops/workshops';

/** Demo accounts; the README gives these. */
export const DEMO_PASSWORD = 'mufakat-demo';
export const DEMO_MODERATOR_EMAIL = 'moderator@mufakat.test';
export const DEMO_SECRETARIAT_EMAIL = 'sekretariat@mufakat.test';
export const DEMO_JOIN_CODE = 'TAMAN8';
/** Workshop ids of the demo: the signed 2021 lokakarya, Tanggamus 2019, and the live follow-up. */
export const DEMO_WORKSHOPS = { madiun2021: 1, tanggamus: 2, followUp: 3 } as const;

type DemoInstitution = [short: string, official: string, sector: Sector, subtype: string, aliases?: string[]];

const MADIUN_INSTITUTIONS: DemoInstitution[] = [
	['Bappelitbangda', 'Badan Perencanaan, Penelitian dan Pengembangan Daerah Kota Madiun', 'pemerintah', 'OPD', ['Bapelitbangda', 'Beppelitbangda', 'Bappeda']],
	['Bakesbangpol', 'Badan Kesatuan Bangsa dan Politik Kota Madiun', 'pemerintah', 'OPD'],
	['Disperindag', 'Dinas Perdagangan dan Perindustrian Kota Madiun', 'pemerintah', 'OPD'],
	['Disnaker KUKM', 'Dinas Tenaga Kerja, Koperasi dan Usaha Kecil Menengah Kota Madiun', 'pemerintah', 'OPD'],
	['Kominfo', 'Dinas Komunikasi dan Informatika Kota Madiun', 'pemerintah', 'OPD'],
	['Disbudparpora', 'Dinas Kebudayaan, Pariwisata, Kepemudaan dan Olahraga Kota Madiun', 'pemerintah', 'OPD'],
	['Kec. Taman', 'Kecamatan Taman', 'pemerintah', 'Kecamatan'],
	['Kel. Taman', 'Kelurahan Taman', 'pemerintah', 'Kelurahan'],
	['Kel. Demangan', 'Kelurahan Demangan', 'pemerintah', 'Kelurahan'],
	['WKR', 'WKR (anggota Forpemma)', 'komunitas', 'OMS'],
	['Lempung', 'Lempung (anggota Forpemma)', 'komunitas', 'OMS'],
	['Lesse', 'Lesse (anggota Forpemma)', 'komunitas', 'OMS'],
	['YBN', 'Yayasan Bambu Nusantara', 'komunitas', 'Yayasan'],
	['PT INKA', 'PT Industri Kereta Api (Persero)', 'bisnis', 'BUMN'],
	['Bank Jatim', 'PT Bank Pembangunan Daerah Jawa Timur Tbk', 'bisnis', 'BUMD'],
	['UMMAD', 'Universitas Muhammadiyah Madiun', 'akademisi', 'Perguruan tinggi'],
	['USAID-MADANI', 'USAID-MADANI', 'mitra', 'Mitra pembangunan']
];

/** Fictional people; a few names carry the characters a PDF font must render. */
const MADIUN_ATTENDEES: [institution: string, name: string, jabatan: string, gender: 'L' | 'P', phone: string][] = [
	['Bappelitbangda', 'Drs. Bambang Setiawan, M.Si.', 'Kepala Bidang Perencanaan', 'L', '081234500101'],
	['Bappelitbangda', 'Ratna Dewi Lestari, S.E.', 'Analis Perencanaan', 'P', '081234500102'],
	['Bakesbangpol', 'Agus Prasetyo', 'Kepala Sub Bidang Ormas', 'L', '081234500103'],
	['Disperindag', 'Siti Nurhaliza, S.T.', 'Kepala Bidang Perindustrian', 'P', '081234500104'],
	['Disnaker KUKM', 'Ahmad Syafiʼi', 'Kepala Bidang UKM', 'L', '081234500105'],
	['Kominfo', 'Yohanes Kurniawan', 'Pranata Humas', 'L', '081234500106'],
	['Disbudparpora', 'Wulan Sari', 'Kepala Seksi Kepemudaan', 'P', '081234500107'],
	['Kec. Taman', 'Hendra Gunawan, S.Sos.', 'Sekretaris Camat', 'L', '081234500108'],
	['Kel. Taman', 'Sri Wahyuni', 'Lurah Taman', 'P', '081234500109'],
	['Kel. Demangan', 'Joko Santoso', 'Lurah Demangan', 'L', '081234500110'],
	['WKR', 'Ma’ruf Hidayat', 'Koordinator', 'L', '081234500111'],
	['Lempung', 'Dian Puspitasari', 'Ketua', 'P', '081234500112'],
	['Lesse', 'Rizky Ramadhan', 'Sekretaris', 'L', '081234500113'],
	['YBN', 'Pdt. José Manuputty', 'Direktur Program', 'L', '081234500114'],
	['PT INKA', 'Lina Marlina', 'Staf TJSL', 'P', '081234500115'],
	['Bank Jatim', 'Teguh Wibowo', 'Pimpinan Cabang Pembantu', 'L', '081234500116'],
	['UMMAD', 'Dr. Nur Aini, M.Pd.', 'Dosen, Kepala LPPM', 'P', '081234500117'],
	['USAID-MADANI', 'Fajar Nugroho', 'Koordinator Lapangan', 'L', '081234500118']
];

const TANGGAMUS_INSTITUTIONS: DemoInstitution[] = [
	['Bappeda Tanggamus', 'Badan Perencanaan Pembangunan Daerah Kabupaten Tanggamus', 'pemerintah', 'OPD', ['Bappeda']],
	['Dinsos', 'Dinas Sosial Kabupaten Tanggamus', 'pemerintah', 'OPD'],
	['Dinkes', 'Dinas Kesehatan Kabupaten Tanggamus', 'pemerintah', 'OPD'],
	['DPMP', 'Dinas Pemberdayaan Masyarakat dan Pekon Kabupaten Tanggamus', 'pemerintah', 'OPD'],
	['DPPKB', 'Dinas Pengendalian Penduduk dan Keluarga Berencana Kabupaten Tanggamus', 'pemerintah', 'OPD'],
	['Forum BUMDes', 'Forum Badan Usaha Milik Desa Kabupaten Tanggamus', 'komunitas', 'Forum'],
	['Dompet Dhuafa', 'Dompet Dhuafa', 'mitra', 'Mitra pembangunan']
];

async function insertInstitutions(db: Db, forumId: number, list: DemoInstitution[]): Promise<Map<string, number>> {
	const ids = new Map<string, number>();
	for (const [shortName, officialName, sector, subtype, aliases] of list) {
		const row = (await db
			.insert(institutions)
			.values({ forumId, shortName, officialName, sector, subtype, aliases: aliases ?? [] })
			.returning())[0]!;
		ids.set(shortName, row.id);
	}
	return ids;
}

/**
 * Databases seeded before accounts had a demo flag: their demo accounts (the README's published
 * logins) must still be refused once the demo is switched off.
 */
export async function markDemoAccounts(db: Db): Promise<void> {
	await db.update(users).set({ isDemo: true }).where(inArray(users.email, [DEMO_MODERATOR_EMAIL, DEMO_SECRETARIAT_EMAIL]));
}

/** Loads the demo forums into an empty database; does nothing when any forum exists. */
export async function seedDemo(db: Db): Promise<boolean> {
	const existing = (await db.select({ n: sql<number>`count(*)` }).from(forums))[0];
	if (existing && existing.n > 0) return false;

	await transaction(db, async (tx) => {
		const moderator = await createUser(tx, { email: DEMO_MODERATOR_EMAIL, name: 'Moderator Forpemma (demo)', password: DEMO_PASSWORD, isDemo: true });
		const secretariat = await createUser(tx, { email: DEMO_SECRETARIAT_EMAIL, name: 'Sekretariat YBN (demo)', password: DEMO_PASSWORD, isDemo: true });

		// Madiun: the 8 November 2021 workshop.
		const madiun = (await tx
			.insert(forums)
			.values({
				name: 'Forum Pemberdayaan Masyarakat Kota Madiun',
				shortName: 'Forpemma',
				level: 'kabupaten',
				regencyCode: '35.77',
				villageWord: 'kelurahan',
				timeZone: 'Asia/Jakarta',
				place: 'Madiun',
				secretariatAddress: 'Sekretariat: Yayasan Bambu Nusantara (YBN)\nKota Madiun, Jawa Timur'
			})
			.returning())[0]!;
		await grantRole(tx, madiun.id, moderator.id, 'moderator');
		await grantRole(tx, madiun.id, secretariat.id, 'secretariat');
		const madiunIds = await insertInstitutions(tx, madiun.id, MADIUN_INSTITUTIONS);
		const programme = (await tx
			.insert(programmes)
			.values({
				forumId: madiun.id,
				name: 'Program Kelurahan Mandiri',
				vision: 'Kelurahan yang warganya berdaya, berpartisipasi dan mandiri secara ekonomi.',
				legalBasis: 'Nota Kesepakatan Parapihak, 26 Februari 2021'
			})
			.returning())[0]!;
		for (const [i, name] of ['Peningkatan kapasitas warga untuk berpartisipasi', 'Monitoring partisipatif program', 'Profiling UMKM lapak kelurahan'].entries())
			await tx.insert(components).values({ programmeId: programme.id, name, kind: 'focus', position: i + 1 });
		await tx.insert(pilotSites).values({ programmeId: programme.id, areaCode: '35.77.03.1009', stage: 'piloting' });
		await tx.insert(pilotSites).values({ programmeId: programme.id, areaCode: '35.77.03.1008', stage: 'piloting' });

		const workshop = (await tx
			.insert(workshops)
			.values({
				forumId: madiun.id,
				programmeId: programme.id,
				title:
					'Lokakarya Penyepakatan Program Kolaborasi Parapihak Pemodelan Program Kelurahan Mandiri di 2 Wilayah Piloting (Kel. Taman & Demangan) Kec. Taman Kota Madiun Th. 2021',
				theme: 'Menyepakati peran dan kontribusi parapihak untuk Program Kelurahan Mandiri',
				kind: 'lokakarya',
				date: '2021-11-08',
				startTime: '08:30',
				place: 'Ruang Pertemuan Lt. 2 Bappelitbangda, Gedung Graha Kridha Praja, Kota Madiun',
				chairName: 'Drs. Bambang Setiawan, M.Si. (Kepala Bidang Perencanaan, Bappelitbangda)',
				moderatorName: 'Dian Puspitasari (Forpemma)',
				notetakerName: 'Sekretariat YBN',
				status: 'closed'
			})
			.returning())[0]!;
		const madiunAgenda: [string, number][] = [
			['Pembukaan dan sambutan Bappelitbangda', 15],
			['Paparan hasil survei tematik 9 kelurahan', 30],
			['Diskusi peran dan kontribusi parapihak', 90],
			['Penyepakatan matriks dan komitmen bersama', 45],
			['Penandatanganan berita acara', 20]
		];
		for (const [i, [title, minutes]] of madiunAgenda.entries())
			await tx.insert(agendaItems).values({ workshopId: workshop.id, title: String(title), durationMinutes: Number(minutes), position: i + 1 });
		for (const id of madiunIds.values()) await tx.insert(workshopInvitations).values({ workshopId: workshop.id, institutionId: id, code: await newInvitationCode(tx) });

		const start = Date.parse('2021-11-08T08:10:00+07:00');
		for (const [i, [short, name, jabatan, gender, phone]] of MADIUN_ATTENDEES.entries()) {
			const institutionId = madiunIds.get(short)!;
			const inst = MADIUN_INSTITUTIONS.find((x) => x[0] === short)!;
			const person = (await tx.insert(persons).values({ forumId: madiun.id, name, gender, phone }).returning())[0]!;
			await tx.insert(representations).values({ personId: person.id, institutionId, jabatan, fromDate: '2021-01-01' });
			await tx.insert(attendance)
				.values({
					workshopId: workshop.id,
					institutionId,
					personId: person.id,
					name,
					nameKey: nameKey(name),
					jabatan,
					institutionName: inst[1],
					sector: inst[2],
					gender,
					phone,
					checkedInAt: new Date(start + i * 95_000),
					confirmedAt: new Date(start + i * 95_000)
				});
		}

		// Tanggamus comes second (workshop 2); the Madiun follow-up, live for the demo, is workshop 3.
		// Tanggamus: the coordination meeting of 4 October 2019.
		const tanggamus = (await tx
			.insert(forums)
			.values({
				name: 'Tim Koordinasi Penanggulangan Kemiskinan Kabupaten Tanggamus',
				shortName: 'TKPK Tanggamus',
				level: 'kabupaten',
				regencyCode: '18.06',
				villageWord: 'pekon',
				timeZone: 'Asia/Jakarta',
				// The seat of the kabupaten, not its name: its berita acara are made in Kota Agung.
				place: 'Kota Agung',
				secretariatAddress: 'Sekretariat: Bappeda Kabupaten Tanggamus\nKota Agung, Lampung'
			})
			.returning())[0]!;
		await grantRole(tx, tanggamus.id, moderator.id, 'moderator');
		await grantRole(tx, tanggamus.id, secretariat.id, 'secretariat');
		const tanggamusIds = await insertInstitutions(tx, tanggamus.id, TANGGAMUS_INSTITUTIONS);
		const tProgramme = (await tx
			.insert(programmes)
			.values({ forumId: tanggamus.id, name: 'Penanggulangan Kemiskinan Terpadu' })
			.returning())[0]!;
		for (const [i, name] of ['Penguatan BUMDes', 'Layanan sosial terpadu (Puskessos)', 'Kesehatan dan KB'].entries())
			await tx.insert(components).values({ programmeId: tProgramme.id, name, kind: 'focus', position: i + 1 });
		await tx.insert(pilotSites).values({ programmeId: tProgramme.id, areaCode: '18.06.20.2005', stage: 'piloting' });
		await tx.insert(pilotSites).values({ programmeId: tProgramme.id, areaCode: '18.06.19.2001', stage: 'piloting' });
		const meeting = (await tx
			.insert(workshops)
			.values({
				forumId: tanggamus.id,
				programmeId: tProgramme.id,
				title: 'Rapat Koordinasi Penanggulangan Kemiskinan Kabupaten Tanggamus',
				kind: 'rapat_koordinasi',
				date: '2019-10-04',
				startTime: '09:00',
				place: 'Aula Bappeda Kabupaten Tanggamus, Kota Agung',
				chairName: 'Kepala Bappeda Kabupaten Tanggamus',
				status: 'closed'
			})
			.returning())[0]!;
		for (const id of tanggamusIds.values()) await tx.insert(workshopInvitations).values({ workshopId: meeting.id, institutionId: id, code: await newInvitationCode(tx) });

		// Madiun follow-up: the live workshop a newcomer joins with the demo code.
		const followUp = (await tx
			.insert(workshops)
			.values({
				forumId: madiun.id,
				programmeId: programme.id,
				title: 'Rapat Evaluasi dan Replikasi Program Kelurahan Mandiri Kota Madiun',
				theme: 'Meninjau komitmen bersama dan menyepakati replikasi ke kelurahan lain',
				kind: 'rapat_koordinasi',
				date: '2024-02-20',
				startTime: '09:00',
				place: 'Aula Kantor Kecamatan Taman, Kota Madiun',
				chairName: 'Drs. Bambang Setiawan, M.Si. (Kepala Bidang Perencanaan, Bappelitbangda)',
				moderatorName: 'Dian Puspitasari (Forpemma)',
				notetakerName: 'Sekretariat YBN',
				status: 'live',
				joinCode: DEMO_JOIN_CODE,
				previousWorkshopId: workshop.id
			})
			.returning())[0]!;
		const agenda: [string, number][] = [
			['Pembukaan', 10],
			['Laporan kemajuan komitmen bersama', 45],
			['Pemutakhiran matriks peran dan kontribusi', 60],
			['Kesepakatan replikasi', 30]
		];
		for (const [i, [title, minutes]] of agenda.entries())
			await tx.insert(agendaItems).values({ workshopId: followUp.id, title: String(title), durationMinutes: Number(minutes), position: i + 1 });
		for (const id of madiunIds.values()) await tx.insert(workshopInvitations).values({ workshopId: followUp.id, institutionId: id, code: await newInvitationCode(tx) });
	});
	return true;
}
