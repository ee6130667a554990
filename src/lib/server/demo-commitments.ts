/**
 * Demo commitments and two years of progress reports, so a newcomer opens a living dashboard:
 * Madiun's Program Kelurahan Mandiri (pilots 2 → 4, replication agreed for 23 kelurahan, one
 * training commitment stalled and overdue) and the 11 commitments of Tanggamus' coordination
 * meeting of 4 October 2019 (3 with a baseline, 1 with a target, none with a deadline). Reporters
 * are fictional.
 */
import { and, eq, isNull, sql } from 'drizzle-orm';
import { countVillagesUnder } from './areas';
import { transaction, type Db } from './db/client';
import {
	beneficiaryCounts,
	commitments,
	commitmentSites,
	commitmentSupporters,
	components,
	evidenceFiles,
	institutions,
	matrixCells,
	matrixVersions,
	pilotSites,
	programmes,
	progressReports,
	users,
	workshops
} from './db/schema';
import { periodEnd, type Period } from '../commitments/periods';
import { recordRevision } from './commitments/report-revisions';

type ReportSeed = {
	period: string;
	value: number;
	verified?: boolean;
	flag?: 'on_track' | 'at_risk' | 'late' | 'done';
	narrative: string;
	obstacles?: string;
	followUp?: string;
	link?: string;
	/** Beneficiaries so far per kelurahan: [area code, laki-laki, perempuan]. */
	beneficiaries?: [areaCode: string, male: number, female: number][];
	/** Rupiah spent so far. */
	spent?: number;
};

type CommitmentSeed = {
	number: string;
	statement: string;
	type?: 'numeric' | 'milestone' | 'policy';
	indicator?: string;
	unit?: string;
	baseline?: [value: number, year: number, source: string];
	target?: number;
	deriveFrom?: string;
	deadline?: string;
	direction?: 'up' | 'down';
	lead?: string;
	supporters?: string[];
	sites?: string[];
	component?: number;
	status?: 'active' | 'achieved' | 'stalled';
	reporter?: string;
	reports?: ReportSeed[];
	budget?: number;
	funding?: string;
};

const TAMAN = '35.77.03.1009';
const DEMANGAN = '35.77.03.1008';
const KUNCEN = '35.77.03.1004';
const JOSENAN = '35.77.03.1007';
const GISTING_BAWAH = '18.06.20.2005';
const BATU_KRAMAT = '18.06.19.2001';

const MADIUN: CommitmentSeed[] = [
	{
		number: '1',
		statement: 'Memperluas lokasi piloting Program Kelurahan Mandiri dari 2 menjadi 4 kelurahan di Kecamatan Taman.',
		indicator: 'Lokasi piloting',
		unit: 'kelurahan',
		baseline: [2, 2021, 'Berita acara lokakarya 8 November 2021'],
		target: 4,
		deadline: '2023-12-31',
		lead: 'Bappelitbangda',
		supporters: ['Kec. Taman', 'YBN'],
		sites: [TAMAN, DEMANGAN, KUNCEN, JOSENAN],
		component: 1,
		status: 'achieved',
		reporter: 'Anita Rahmawati',
		reports: [
			{ period: '2022-Q1', value: 2, verified: true, narrative: 'Kelurahan Taman dan Demangan menjalankan rencana aksi; tim pendamping kelurahan terbentuk.' },
			{ period: '2022-Q2', value: 2, verified: true, narrative: 'Evaluasi triwulan bersama Forpemma; Kelurahan Kuncen menyatakan minat bergabung.' },
			{ period: '2022-Q3', value: 3, verified: true, narrative: 'Kelurahan Kuncen bergabung sebagai lokasi replikasi pertama.', link: 'https://forpemma.example/berita/kuncen-bergabung' },
			{ period: '2022-Q4', value: 3, verified: true, narrative: 'Survei tematik di Kelurahan Josenan selesai.' },
			{ period: '2023-Q1', value: 4, verified: true, narrative: 'Kelurahan Josenan ditetapkan sebagai lokasi piloting keempat.', flag: 'done' },
			{ period: '2023-Q2', value: 4, verified: true, narrative: 'Empat kelurahan menjalankan rencana aksi.', flag: 'done' },
			{ period: '2023-Q4', value: 4, verified: true, narrative: 'Empat kelurahan piloting; Kuncen mulai mandiri.', flag: 'done' }
		]
	},
	{
		number: '2',
		statement: 'Menyepakati replikasi Program Kelurahan Mandiri ke 23 kelurahan lain di Kota Madiun.',
		indicator: 'Kelurahan yang menyepakati replikasi',
		unit: 'kelurahan',
		baseline: [0, 2021, 'Bappelitbangda Kota Madiun'],
		target: 23,
		deadline: '2023-12-31',
		lead: 'Bappelitbangda',
		supporters: ['WKR', 'Lempung', 'Lesse', 'YBN'],
		component: 2,
		status: 'achieved',
		reporter: 'Anita Rahmawati',
		reports: [
			{ period: '2023-Q1', value: 0, verified: true, flag: 'at_risk', narrative: 'Rancangan nota kesepakatan replikasi dibahas bersama camat.', obstacles: 'Jadwal lurah padat menjelang Musrenbang.', followUp: 'Sosialisasi per kecamatan.' },
			{ period: '2023-Q2', value: 6, verified: true, narrative: '6 kelurahan di Kecamatan Taman menandatangani kesepakatan.' },
			{ period: '2023-Q3', value: 15, verified: true, narrative: 'Kelurahan di Kecamatan Kartoharjo menyusul.' },
			{ period: '2023-Q4', value: 23, verified: true, flag: 'done', narrative: 'Kesepakatan replikasi ditandatangani untuk 23 kelurahan pada 12 Desember 2023.', link: 'https://forpemma.example/berita/replikasi-23-kelurahan' }
		]
	},
	{
		number: '3',
		statement: 'Melatih 120 kader warga di kelurahan piloting tentang perencanaan dan penganggaran partisipatif.',
		indicator: 'Kader warga terlatih',
		unit: 'orang',
		baseline: [0, 2021, 'Survei tematik Februari 2021'],
		target: 120,
		deadline: '2023-06-30',
		lead: 'YBN',
		supporters: ['UMMAD', 'Bakesbangpol'],
		sites: [TAMAN, DEMANGAN],
		component: 1,
		reporter: 'Eko Purnomo',
		budget: 90_000_000,
		funding: 'APBD Kota Madiun',
		reports: [
			{ period: '2022-Q1', value: 20, verified: true, beneficiaries: [[TAMAN, 8, 12]], spent: 15_000_000, narrative: 'Pelatihan angkatan 1 di Kelurahan Taman.' },
			{ period: '2022-Q2', value: 45, verified: true, beneficiaries: [[TAMAN, 8, 12], [DEMANGAN, 11, 14]], spent: 33_000_000, narrative: 'Angkatan 2 di Kelurahan Demangan.' },
			{ period: '2022-Q3', value: 60, verified: true, beneficiaries: [[TAMAN, 14, 18], [DEMANGAN, 12, 16]], spent: 45_000_000, narrative: 'Angkatan 3 bersama LPPM UMMAD.' },
			{ period: '2022-Q4', value: 72, verified: true, beneficiaries: [[TAMAN, 17, 21], [DEMANGAN, 15, 19]], spent: 54_000_000, flag: 'at_risk', narrative: 'Angkatan 4 hanya diikuti 12 kader.', obstacles: 'Kader bekerja pada jam pelatihan.', followUp: 'Pelatihan dipindah ke akhir pekan.' },
			{ period: '2023-Q1', value: 80, verified: true, beneficiaries: [[TAMAN, 19, 23], [DEMANGAN, 17, 21]], spent: 60_000_000, flag: 'at_risk', narrative: 'Pelatihan akhir pekan untuk 8 kader.' },
			{ period: '2023-Q2', value: 80, verified: true, beneficiaries: [[TAMAN, 19, 23], [DEMANGAN, 17, 21]], spent: 60_000_000, flag: 'late', narrative: 'Tidak ada pelatihan triwulan ini.', obstacles: 'Anggaran pelatihan tahap 3 belum cair.', followUp: 'Mengusulkan dana TJSL sebagai pengganti.' },
			{ period: '2023-Q3', value: 80, beneficiaries: [[TAMAN, 19, 23], [DEMANGAN, 17, 21]], spent: 60_000_000, flag: 'late', narrative: 'Belum ada pelatihan lanjutan.', obstacles: 'Usulan dana TJSL belum disetujui.', followUp: 'Dibahas pada lokakarya tindak lanjut.' }
		]
	},
	{
		number: '4',
		statement: 'Memprofilkan UMKM di lapak yang dibangun pemerintah kota di 27 kelurahan Kota Madiun.',
		indicator: 'Kelurahan dengan profil UMKM lapak',
		unit: 'kelurahan',
		baseline: [0, 2021, 'Disnaker KUKM Kota Madiun'],
		target: 27,
		deadline: '2026-12-31',
		lead: 'Disnaker KUKM',
		supporters: ['Kominfo', 'Lesse'],
		component: 3,
		reporter: 'Nadia Kusumawardani',
		reports: [
			{ period: '2022-Q2', value: 5, verified: true, narrative: 'Formulir profil UMKM diuji di 5 kelurahan.' },
			{ period: '2022-Q4', value: 9, verified: true, narrative: 'Profil UMKM lapak 9 kelurahan masuk basis data.' },
			{ period: '2023-Q2', value: 14, verified: true, narrative: 'Relawan Lesse membantu pendataan di Kecamatan Manguharjo.' },
			{ period: '2023-Q3', value: 18, verified: true, narrative: 'Profil ditautkan ke e-katalog kota.' },
			{ period: '2023-Q4', value: 22, narrative: 'Pendataan 4 kelurahan tambahan; verifikasi lapangan berjalan.' }
		]
	},
	{
		number: '5',
		statement: 'Mendampingi UMKM binaan TJSL PT INKA di kelurahan piloting hingga mengakses pembiayaan.',
		indicator: 'UMKM binaan TJSL di kelurahan piloting',
		unit: 'UMKM',
		baseline: [2, 2021, 'Laporan Program Pendanaan UMK PT INKA 2021'],
		target: 10,
		deadline: '2026-12-31',
		lead: 'PT INKA',
		supporters: ['Bank Jatim', 'Disperindag'],
		sites: [TAMAN, DEMANGAN],
		component: 3,
		reporter: 'Bayu Aji Saputra',
		budget: 150_000_000,
		funding: 'TJSL PT INKA',
		reports: [
			{ period: '2022-S1', value: 3, verified: true, spent: 20_000_000, narrative: 'Satu UMKM kuliner Demangan menjadi mitra binaan.' },
			{ period: '2022-S2', value: 5, verified: true, spent: 45_000_000, narrative: 'Dua UMKM kerajinan Taman menerima pinjaman lunak.' },
			{ period: '2023-S1', value: 6, verified: true, spent: 60_000_000, narrative: 'Bank Jatim membuka kelas literasi keuangan.' },
			{ period: '2023-S2', value: 8, spent: 80_000_000, narrative: 'Dua UMKM baru dalam proses penilaian.' }
		]
	},
	{
		number: '6',
		statement: 'Menurunkan jumlah rumah tangga miskin di Kelurahan Taman dan Demangan.',
		indicator: 'Rumah tangga miskin (DTKS)',
		unit: 'rumah tangga',
		baseline: [412, 2021, 'DTKS Dinas Sosial, Desember 2021'],
		target: 350,
		deadline: '2026-12-31',
		direction: 'down',
		lead: 'Kec. Taman',
		supporters: ['Kel. Taman', 'Kel. Demangan', 'Bappelitbangda'],
		sites: [TAMAN, DEMANGAN],
		component: 2,
		reporter: 'Sulastri',
		reports: [
			{ period: '2022-S1', value: 405, verified: true, narrative: 'Pemutakhiran DTKS semester I.' },
			{ period: '2022-S2', value: 391, verified: true, narrative: 'Graduasi 14 rumah tangga penerima bantuan.' },
			{ period: '2023-S1', value: 377, verified: true, narrative: 'Monitoring partisipatif oleh kader kelurahan.' },
			{ period: '2023-S2', value: 368, narrative: 'Data sementara, menunggu penetapan DTKS.' }
		]
	},
	{
		number: '7',
		statement: 'Menerbitkan Surat Keputusan Wali Kota tentang Tim Pendamping Kelurahan Mandiri.',
		type: 'policy',
		indicator: 'SK Wali Kota terbit',
		deadline: '2022-06-30',
		lead: 'Bappelitbangda',
		supporters: ['Bakesbangpol'],
		component: 2,
		status: 'achieved',
		reporter: 'Anita Rahmawati',
		reports: [{ period: '2022-S1', value: 1, verified: true, flag: 'done', narrative: 'SK Wali Kota tentang Tim Pendamping Kelurahan Mandiri ditetapkan.' }]
	},
	{
		number: '8',
		statement: 'Memublikasikan kegiatan dan capaian Kelurahan Mandiri melalui kanal Pemerintah Kota.',
		type: 'milestone',
		indicator: 'Kanal publikasi capaian aktif',
		deadline: '2022-12-31',
		lead: 'Kominfo',
		component: 2,
		status: 'achieved',
		reporter: 'Rudi Hartanto',
		reports: [{ period: '2022-Q4', value: 1, verified: true, flag: 'done', narrative: 'Halaman capaian Kelurahan Mandiri tayang di portal kota.' }]
	}
];

const TANGGAMUS: CommitmentSeed[] = [
	{
		number: '1',
		statement: 'Membentuk BUMDes di setiap pekon yang belum memilikinya.',
		indicator: 'BUMDes terbentuk',
		unit: 'BUMDes',
		baseline: [132, 2019, 'Data DPMP Kabupaten Tanggamus 2019'],
		deriveFrom: '18.06',
		lead: 'DPMP',
		supporters: ['Forum BUMDes'],
		component: 1,
		reporter: 'Made Suarta',
		reports: [
			{ period: '2022-S1', value: 141, verified: true, narrative: '9 BUMDes baru berbadan hukum.' },
			{ period: '2022-S2', value: 150, verified: true, narrative: 'Pendampingan Forum BUMDes di Kecamatan Pugung.' },
			{ period: '2023-S1', value: 158, verified: true, narrative: 'Musyawarah pekon pembentukan BUMDes di 8 pekon.' },
			{ period: '2023-S2', value: 163, narrative: 'Lima BUMDes baru menunggu sertifikat badan hukum.', flag: 'at_risk', obstacles: 'Penyertaan modal dari dana pekon terlambat.' }
		]
	},
	{
		number: '2',
		statement: 'Mengoperasikan Puskessos di Pekon Gisting Bawah dan Batu Kramat dan memperluasnya ke pekon lain.',
		indicator: 'Puskessos beroperasi',
		unit: 'Puskessos',
		baseline: [2, 2019, 'Dinas Sosial Kabupaten Tanggamus'],
		lead: 'Dinsos',
		sites: [GISTING_BAWAH, BATU_KRAMAT],
		component: 2,
		reporter: 'Yuliana Sari',
		reports: [
			{ period: '2022-S2', value: 3, verified: true, narrative: 'Puskessos ketiga dibuka.' },
			{ period: '2023-S2', value: 4, verified: true, narrative: 'Puskessos keempat melayani rujukan DTKS.' }
		]
	},
	{
		number: '3',
		statement: 'Memperkuat peran PLKB dalam pendataan dan pendampingan keluarga miskin.',
		indicator: 'PLKB aktif mendampingi keluarga miskin',
		unit: 'orang',
		baseline: [70, 2019, 'DPPKB Kabupaten Tanggamus'],
		lead: 'DPPKB',
		component: 3
	},
	{
		number: '4',
		statement: 'Menyediakan 5 unit sepeda motor operasional bagi Dinas Kesehatan untuk layanan kesehatan keliling.',
		indicator: 'Sepeda motor operasional diserahkan',
		unit: 'unit',
		target: 5,
		lead: 'Bappeda Tanggamus',
		supporters: ['Dinkes'],
		component: 3,
		status: 'achieved',
		reporter: 'Andi Firmansyah',
		reports: [
			{ period: '2022-Q3', value: 2, verified: true, narrative: 'Dua unit diserahkan ke Puskesmas Gisting dan Talang Padang.' },
			{ period: '2023-Q1', value: 5, verified: true, flag: 'done', narrative: 'Tiga unit berikutnya diserahkan.' }
		]
	},
	{ number: '5', statement: 'Menyinkronkan data terpadu kesejahteraan sosial (DTKS) antar-OPD setiap semester.', lead: 'Dinsos' },
	{ number: '6', statement: 'Mendampingi BUMDes menyusun rencana usaha dan laporan keuangan.', lead: 'Forum BUMDes' },
	{ number: '7', statement: 'Menyalurkan program pemberdayaan ekonomi mustahik di pekon dengan angka kemiskinan tertinggi.', lead: 'Dompet Dhuafa' },
	{ number: '8', statement: 'Menyusun rancangan Peraturan Bupati tentang penanggulangan kemiskinan terpadu.', type: 'policy', lead: 'Bappeda Tanggamus' },
	{ number: '9', statement: 'Memadukan layanan posyandu dan KB di pekon piloting.' },
	{ number: '10', statement: 'Menyelenggarakan rapat koordinasi TKPK setiap triwulan.', type: 'milestone' },
	{ number: '11', statement: 'Menyampaikan capaian penanggulangan kemiskinan kepada masyarakat secara berkala.' }
];

function parseSeedPeriod(code: string): Period {
	const [year, part] = code.split('-') as [string, string];
	return { type: part.startsWith('Q') ? 'quarter' : 'semester', year: Number(year), index: Number(part.slice(1)) };
}

/** 09:00 WIB some days after a period ends: when a report would plausibly arrive. */
const daysAfter = (isoDate: string, days: number) => new Date(Date.parse(`${isoDate}T09:00:00+07:00`) + days * 86_400_000);

async function seedForum(
	db: Db,
	seeds: CommitmentSeed[],
	ctx: { forumId: number; programmeId: number; workshopId: number; createdAt: Date; verifierId: number | null; verifierName: string }
): Promise<void> {
	const ids = new Map(
		(await db
			.select({ id: institutions.id, shortName: institutions.shortName })
			.from(institutions)
			.where(eq(institutions.forumId, ctx.forumId)))
			.map((i) => [i.shortName, i.id])
	);
	const componentIds = await db
		.select({ id: components.id, position: components.position })
		.from(components)
		.where(eq(components.programmeId, ctx.programmeId));
	// Link to the frozen matrix of the agreeing workshop when it has a cell for the same lead and component.
	const frozen = (await db
		.select()
		.from(matrixVersions)
		.where(and(eq(matrixVersions.workshopId, ctx.workshopId), isNull(matrixVersions.supersededAt)))
		.orderBy(sql`${matrixVersions.version} desc`))[0];
	const cells = frozen ? await db.select().from(matrixCells).where(eq(matrixCells.versionId, frozen.id)) : [];

	for (const seed of seeds) {
		const leadId = seed.lead ? (ids.get(seed.lead) ?? null) : null;
		const componentId = seed.component ? (componentIds.find((c) => c.position === seed.component)?.id ?? null) : null;
		const cell = cells.find((c) => c.institutionId === leadId && c.componentId === componentId && (c.type || c.description.trim()));
		const baseline = seed.baseline?.[0] ?? null;
		const target = seed.deriveFrom ? await countVillagesUnder(db, seed.deriveFrom) - (baseline ?? 0) : (seed.target ?? null);
		const row = (await db
			.insert(commitments)
			.values({
				forumId: ctx.forumId,
				programmeId: ctx.programmeId,
				workshopId: ctx.workshopId,
				number: seed.number,
				statement: seed.statement,
				type: seed.type ?? 'numeric',
				indicator: seed.indicator ?? '',
				unit: seed.unit ?? '',
				baselineValue: baseline,
				baselineYear: seed.baseline?.[1] ?? null,
				baselineSource: seed.baseline?.[2] ?? '',
				targetValue: target,
				targetDeadline: seed.deadline ?? null,
				direction: seed.direction ?? 'up',
				leadInstitutionId: leadId,
				componentId,
				status: seed.status ?? 'active',
				matrixVersionId: cell ? frozen!.id : null,
				sourceInstitutionId: cell ? cell.institutionId : null,
				sourceComponentId: cell ? cell.componentId : null,
				targetDerivation: seed.deriveFrom ? { areaCode: seed.deriveFrom, minusBaseline: true } : null,
				budgetRupiah: seed.budget ?? null,
				fundingSource: seed.funding ?? '',
				createdAt: ctx.createdAt
			})
			.returning())[0]!;
		for (const name of seed.supporters ?? []) {
			const institutionId = ids.get(name);
			if (institutionId && institutionId !== leadId) await db.insert(commitmentSupporters).values({ commitmentId: row.id, institutionId });
		}
		for (const areaCode of seed.sites ?? []) await db.insert(commitmentSites).values({ commitmentId: row.id, areaCode });
		for (const r of seed.reports ?? []) {
			const period = parseSeedPeriod(r.period);
			const end = periodEnd(period);
			const report = (await db
				.insert(progressReports)
				.values({
					commitmentId: row.id,
					periodType: period.type,
					periodYear: period.year,
					periodIndex: period.index,
					realisation: r.value,
					narrative: r.narrative,
					obstacles: r.obstacles ?? '',
					followUp: r.followUp ?? '',
					flag: r.flag ?? 'on_track',
					reporterName: seed.reporter ?? 'Sekretariat',
					reporterInstitutionId: leadId,
					spentRupiah: r.spent ?? null,
					submittedAt: daysAfter(end, 10)
				})
				.returning())[0]!;
			for (const [areaCode, male, female] of r.beneficiaries ?? [])
				await db.insert(beneficiaryCounts)
					.values([
						{ reportId: report.id, areaCode, group: '', sex: 'L', count: male },
						{ reportId: report.id, areaCode, group: '', sex: 'P', count: female }
					]);
			if (r.link) await db.insert(evidenceFiles).values({ reportId: report.id, kind: 'link', originalName: r.link, url: r.link });
			await recordRevision(db, report.id, 'submit', { userId: null, name: report.reporterName }, report.submittedAt);
			if (r.verified) {
				const verifiedAt = daysAfter(end, 18);
				await db.update(progressReports)
					.set({ status: 'verified', verifiedAt, verifiedBy: ctx.verifierId, verificationNote: 'Sesuai bukti dukung.' })
					.where(eq(progressReports.id, report.id));
				await recordRevision(db, report.id, 'verify', { userId: ctx.verifierId, name: ctx.verifierName }, verifiedAt);
			}
		}
	}
}

async function programmeOfForum(db: Db, programmeId: number, forumId: number): Promise<boolean> {
	const p = (await db.select().from(programmes).where(eq(programmes.id, programmeId)))[0];
	return !!p && p.forumId === forumId;
}

async function hasCommitments(db: Db, forumId: number): Promise<boolean> {
	return !!(await db.select({ id: commitments.id }).from(commitments).where(eq(commitments.forumId, forumId)))[0];
}

async function workshopOf(db: Db, id: number, forumId: number): Promise<boolean> {
	const w = (await db.select().from(workshops).where(eq(workshops.id, id)))[0];
	return !!w && w.forumId === forumId;
}

/**
 * Loads the demo commitments once: a forum that already has commitments is left alone, and nothing
 * happens when the demo forums are absent (MUFAKAT_DEMO=off). Synchronous, one transaction.
 */
export async function seedDemoCommitments(db: Db): Promise<boolean> {
	const verifier = (await db.select({ id: users.id, name: users.name }).from(users).where(eq(users.email, 'sekretariat@mufakat.test')))[0];
	let seeded = false;
	await transaction(db, async (tx) => {
		if (await programmeOfForum(tx, 1, 1) && await workshopOf(tx, 1, 1) && !await hasCommitments(tx, 1)) {
			await tx.insert(pilotSites).values({ programmeId: 1, areaCode: KUNCEN, stage: 'replication' }).onConflictDoNothing();
			await tx.insert(pilotSites).values({ programmeId: 1, areaCode: JOSENAN, stage: 'piloting' }).onConflictDoNothing();
			await seedForum(tx, MADIUN, { forumId: 1, programmeId: 1, workshopId: 1, createdAt: new Date('2021-11-08T12:00:00+07:00'), verifierId: verifier?.id ?? null, verifierName: verifier?.name ?? 'Sekretariat' });
			seeded = true;
		}
		if (await programmeOfForum(tx, 2, 2) && await workshopOf(tx, 2, 2) && !await hasCommitments(tx, 2)) {
			await seedForum(tx, TANGGAMUS, { forumId: 2, programmeId: 2, workshopId: 2, createdAt: new Date('2019-10-04T12:00:00+07:00'), verifierId: verifier?.id ?? null, verifierName: verifier?.name ?? 'Sekretariat' });
			seeded = true;
		}
	});
	return seeded;
}
