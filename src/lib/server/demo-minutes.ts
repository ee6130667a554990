/**
 * The Madiun demo workshop ships as it ended: matrix filled and frozen, minutes finalised and
 * signed by every party on "their own device" (synthetic strokes, fictional people), and sealed.
 * A newcomer can download its sealed PDF at once.
 */
import { eq } from 'drizzle-orm';
import * as Y from 'yjs';
import { cellKey, roots, type ContributionType } from '../collab/matrix-doc';
import { liveRooms } from './collab/registry';
import type { Db } from './db/client';
import { institutions, users, workshops } from './db/schema';
import { freezeMatrix } from './matrix/freeze';
import { ensureMinutesDraft, finalizeMinutes, listSigners, signMinutes } from './minutes';
import { sealWorkshopMinutes } from './sealing';
import { DEMO_MODERATOR_EMAIL } from './demo';

/** [institution short name, component position (1–3), type, description, extra fields]. */
const CONTRIBUTIONS: [string, number, ContributionType, string, Partial<{ volume: number; unit: string; valueRupiah: number; fundingSource: string; timing: string; sites: string[] }>][] = [
	['Bappelitbangda', 1, 'KEBIJAKAN', 'Mengintegrasikan Program Kelurahan Mandiri ke RKPD 2022 dan memfasilitasi Musrenbang kelurahan.', { timing: 'Januari–Maret 2022', fundingSource: 'APBD' }],
	['Bappelitbangda', 2, 'MONEV', 'Mengoordinasikan monitoring partisipatif bersama Forpemma setiap triwulan.', { timing: 'Per triwulan', fundingSource: 'APBD' }],
	['Bakesbangpol', 1, 'FASILITASI', 'Memfasilitasi penguatan kelembagaan Pokmas dan Karang Taruna di lokasi piloting.', { volume: 2, unit: 'kelurahan' }],
	['Disperindag', 3, 'DATA_KAJIAN', 'Menyediakan data lapak UMKM yang dibangun kota di 27 kelurahan untuk profiling.', { volume: 27, unit: 'kelurahan' }],
	['Disnaker KUKM', 3, 'PELATIHAN', 'Pelatihan manajemen usaha dan pemasaran bagi pelaku UMKM lapak.', { volume: 40, unit: 'orang', valueRupiah: 60_000_000, fundingSource: 'APBD' }],
	['Kominfo', 2, 'PROMOSI', 'Publikasi kegiatan dan capaian program melalui kanal resmi Pemerintah Kota.', { timing: 'Sepanjang 2022' }],
	['Disbudparpora', 1, 'PENDAMPINGAN', 'Melibatkan pemuda dan Karang Taruna dalam kegiatan kelurahan mandiri.', {}],
	['Kec. Taman', 2, 'MONEV', 'Memantau pelaksanaan di Kelurahan Taman dan Demangan dalam rapat koordinasi kecamatan.', { timing: 'Bulanan' }],
	['Kel. Taman', 1, 'FASILITASI', 'Menyediakan balai kelurahan sebagai tempat kegiatan dan menggerakkan warga.', { sites: ['35.77.03.1009'] }],
	['Kel. Demangan', 1, 'FASILITASI', 'Menyediakan ruang pertemuan dan data warga sasaran (agregat).', { sites: ['35.77.03.1008'] }],
	['WKR', 2, 'MONEV', 'Melaksanakan monitoring partisipatif bersama warga.', {}],
	['Lempung', 1, 'PENDAMPINGAN', 'Mendampingi kelompok warga dalam penyusunan rencana aksi.', { volume: 2, unit: 'kelurahan' }],
	['Lesse', 3, 'PENDAMPINGAN', 'Mendampingi pelaku UMKM lapak dalam pencatatan usaha.', {}],
	['YBN', 2, 'FASILITASI', 'Menjalankan sekretariat forum dan fasilitasi lokakarya lanjutan.', {}],
	['PT INKA', 3, 'PENDANAAN', 'Program kemitraan TJSL: pinjaman bagi UMKM binaan (21 mitra di Madiun Raya, 2 di Kota Madiun).', { volume: 21, unit: 'mitra UMKM', valueRupiah: 250_000_000, fundingSource: 'TJSL' }],
	['Bank Jatim', 3, 'JEJARING', 'Akses pembiayaan dan literasi keuangan bagi pelaku UMKM lapak.', { fundingSource: 'CSR' }],
	['UMMAD', 2, 'DATA_KAJIAN', 'Kajian dan pendampingan metodologi monitoring partisipatif.', {}],
	['USAID-MADANI', 1, 'PENDAMPINGAN', 'Pendampingan teknis tata kelola kolaboratif bagi forum.', {}]
];

/** A legible, person-like scribble: a few loops whose shape depends on the name. */
export function syntheticSignature(name: string): { width: number; height: number; strokes: [number, number][][] } {
	let seed = 0;
	for (const ch of name) seed = (seed * 31 + ch.codePointAt(0)!) >>> 0;
	const rand = () => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32);
	const width = 600;
	const height = 220;
	const strokes: [number, number][][] = [];
	const loops = 3 + Math.floor(rand() * 3);
	const main: [number, number][] = [];
	for (let i = 0; i <= 120; i++) {
		const t = i / 120;
		const x = 40 + t * 440;
		const y = 120 + Math.sin(t * Math.PI * loops) * (40 + rand() * 6) - Math.cos(t * Math.PI * 2 * loops) * 18;
		main.push([Math.round(x * 10) / 10, Math.round(y * 10) / 10]);
	}
	strokes.push(main);
	// The underline most Indonesian officials add.
	strokes.push([
		[60 + rand() * 20, 180],
		[300, 178 + rand() * 6],
		[520 + rand() * 20, 172]
	]);
	return { width, height, strokes };
}

/**
 * First half: the contributions typed in the room, the frozen matrix and the minutes draft (written
 * before the later pilot sites exist). The demo commitments are then promoted from the frozen cells,
 * and `signDemoMinutes` finalises, signs and seals.
 */
export async function prepareDemoMinutes(db: Db): Promise<void> {
	const workshop = (await db.select().from(workshops).where(eq(workshops.id, 1)))[0];
	if (!workshop || workshop.status !== 'closed') return;
	const ids = new Map((await db.select().from(institutions).where(eq(institutions.forumId, workshop.forumId))).map((i) => [i.shortName, i.id]));
	await liveRooms().change(workshop.id, (doc) => {
		const r = roots(doc);
		const components = [...r.components.entries()].sort((a, b) => Number(a[1].get('position')) - Number(b[1].get('position'))).map(([id]) => id);
		for (const [short, position, type, description, extra] of CONTRIBUTIONS) {
			const cell = r.cells.get(cellKey(ids.get(short)!, components[position - 1]!));
			if (!cell) continue;
			cell.set('type', type);
			(cell.get('description') as Y.Text).insert(0, description);
			for (const [k, v] of Object.entries(extra)) cell.set(k, v);
		}
		for (const rowId of r.rows.keys()) r.consent.get(rowId)?.set('*', 'agree');
	});
	const moderator = (await db.select().from(users).where(eq(users.email, DEMO_MODERATOR_EMAIL)))[0];
	await freezeMatrix(db, workshop, moderator?.id ?? null);
	await ensureMinutesDraft(db, workshop);
}

export async function signDemoMinutes(db: Db, origin: string): Promise<void> {
	const workshop = (await db.select().from(workshops).where(eq(workshops.id, 1)))[0];
	if (!workshop || workshop.status !== 'closed') return;
	const moderator = (await db.select().from(users).where(eq(users.email, DEMO_MODERATOR_EMAIL)))[0];
	const version = await finalizeMinutes(db, workshop, moderator?.id ?? null, { acknowledging: '1' });
	const signedAt = Date.parse('2021-11-08T11:40:00+07:00');
	for (const [i, s] of (await listSigners(db, version.id)).entries())
		await signMinutes(
			db,
			s.linkToken,
			{ consent: 'on', shownHash: version.textHash, strokes: JSON.stringify(syntheticSignature(s.name)) },
			{ ip: `192.168.10.${20 + i}`, userAgent: 'Mozilla/5.0 (Linux; Android 11; SM-A125F) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/95.0 Mobile Safari/537.36', participantAttendanceId: null },
			new Date(signedAt + i * 70_000)
		);
	await sealWorkshopMinutes(db, workshop, origin);
}
