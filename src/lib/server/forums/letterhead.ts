/**
 * A one-off sample berita acara in the forum's own identity (logo, name, address, number, place,
 * time zone, village word), rendered by the same renderer as the real minutes, so the
 * administrator sees exactly what the forum's documents will carry before any meeting is held.
 */
import { and, asc, eq, like, sql } from 'drizzle-orm';
import { capitalised } from '../../forums/regions';
import { localIsoDate, zoneAbbreviation } from '../../time-zones';
import { isAreaCodeShape } from '../areas';
import type { Db } from '../db/client';
import { areas } from '../db/schema';
import { CLOSING_FORMULA } from '../minutes';
import type { MinutesDocument } from '../pdf/minutes-document';
import { tanggalTerbilang } from '../terbilang';
import type { Forum } from './index';
import { logoDir, readLogo } from './logo';
import { formatMinutesNumber, peekMinutesNumber } from './numbering';

/** A real desa of the forum's region, to show its word in use ("Pekon Gisting Bawah"). */
async function sampleVillage(db: Db, regionCode: string | null): Promise<string | null> {
	if (!regionCode || !isAreaCodeShape(regionCode)) return null;
	const own = (await db.select({ name: areas.name, level: areas.level }).from(areas).where(eq(areas.code, regionCode)))[0];
	if (own?.level === 4) return own.name;
	const row = (await db
		.select({ name: areas.name })
		.from(areas)
		.where(and(eq(areas.level, 4), like(areas.code, `${regionCode}.%`), sql`substr(${areas.code}, 10, 1) = '2'`))
		.orderBy(asc(areas.code)))[0];
	return row?.name ?? null;
}

export async function letterheadPreview(db: Db, forum: Forum, origin: string, now = new Date()): Promise<MinutesDocument> {
	const today = localIsoDate(now, forum.timeZone);
	const when = tanggalTerbilang(today);
	const zone = zoneAbbreviation(forum.timeZone);
	const nomor = formatMinutesNumber(forum.numberingPattern, { n: await peekMinutesNumber(db, forum.id, Number(today.slice(0, 4))), shortName: forum.shortName, isoDate: today });
	const village = await sampleVillage(db, forum.regencyCode);
	const logo = forum.logoSha256 ? readLogo(logoDir(), forum.logoSha256) : null;
	const place = forum.place || forum.name;
	return {
		documentId: `KOP-${forum.id}`,
		forum: { name: forum.name, shortName: forum.shortName },
		kop: [forum.name, ...forum.secretariatAddress.split('\n').filter((l) => l.trim())],
		logo: logo && (forum.logoMime === 'image/png' || forum.logoMime === 'image/jpeg') ? { bytes: new Uint8Array(logo), mime: forum.logoMime } : null,
		title: 'BERITA ACARA',
		subtitle: 'Contoh kop surat, penomoran, tempat dan waktu (bukan dokumen resmi)',
		nomor,
		openingFormula: `Pada hari ini ${when.words}, pukul 09.00 ${zone}, bertempat di ${place}, telah dilaksanakan pertemuan ${forum.name}. Kalimat ini hanya contoh.`,
		parties: [],
		agreedPoints: [
			`Sebutan desa di wilayah forum: ${capitalised(forum.villageWord)}${village ? `, misalnya ${capitalised(forum.villageWord)} ${village}` : ''}.`,
			`Zona waktu dokumen: ${zone} (${forum.timeZone}).`,
			`Berita acara berikutnya bernomor ${nomor}.`
		],
		notes: '',
		matrix: null,
		commitments: [],
		changesSinceLastMeeting: [],
		closingFormula: CLOSING_FORMULA,
		placeAndDate: `${place}, ${when.short}`,
		signatures: [],
		attendance: [],
		audit: { textHash: '—', matrixHash: null, generatedAt: now, verifyUrl: `${origin}/verify`, signers: [] },
		disclaimer: 'Contoh tampilan kop dan penomoran; dokumen ini tidak disegel dan tidak berlaku sebagai berita acara.',
		timeZone: forum.timeZone
	};
}
