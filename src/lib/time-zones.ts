/**
 * Indonesia's three time zones and how times are printed in them ("pukul 11.40 WITA"). Shared by
 * the server (documents, exports) and the pages; pure, no database and no Svelte.
 *
 * Indonesia keeps no daylight saving, so each zone has one fixed offset.
 */
export const FORUM_TIME_ZONES = ['Asia/Jakarta', 'Asia/Makassar', 'Asia/Jayapura'] as const;
export type ForumTimeZone = (typeof FORUM_TIME_ZONES)[number];
export const DEFAULT_TIME_ZONE: ForumTimeZone = 'Asia/Jakarta';

const ABBREVIATIONS: Record<string, string> = {
	'Asia/Jakarta': 'WIB',
	'Asia/Pontianak': 'WIB',
	'Asia/Makassar': 'WITA',
	'Asia/Jayapura': 'WIT'
};
const OFFSETS: Record<string, string> = {
	'Asia/Jakarta': '+07:00',
	'Asia/Pontianak': '+07:00',
	'Asia/Makassar': '+08:00',
	'Asia/Jayapura': '+09:00'
};

export function isForumTimeZone(value: unknown): value is ForumTimeZone {
	return (FORUM_TIME_ZONES as readonly unknown[]).includes(value);
}

/** WIB, WITA or WIT; any other zone prints as its offset ("UTC+10"). */
export function zoneAbbreviation(timeZone: string): string {
	const known = ABBREVIATIONS[timeZone];
	if (known) return known;
	const part = new Intl.DateTimeFormat('en-GB', { timeZone, timeZoneName: 'shortOffset' })
		.formatToParts(new Date())
		.find((p) => p.type === 'timeZoneName');
	return (part?.value ?? 'UTC').replace('GMT', 'UTC');
}

/** "+08:00" for Asia/Makassar: what an ISO timestamp in that zone ends with. */
export function utcOffset(timeZone: string): string {
	const known = OFFSETS[timeZone];
	if (known) return known;
	const part = new Intl.DateTimeFormat('en-GB', { timeZone, timeZoneName: 'longOffset' })
		.formatToParts(new Date())
		.find((p) => p.type === 'timeZoneName');
	const offset = (part?.value ?? 'GMT').replace('GMT', '');
	return offset === '' ? '+00:00' : offset;
}

/**
 * The zone of a region, from its province code (the first two digits of any Kemendagri code):
 * WIB for Sumatera, Jawa, Banten, Kalimantan Barat and Tengah (11–36, 61–62); WITA for Bali, Nusa
 * Tenggara, the rest of Kalimantan and Sulawesi (51–53, 63–65, 71–76); WIT for Maluku and Papua
 * (81–82, 91–96). Null for a code that names no province.
 */
export function timeZoneForRegion(code: string): ForumTimeZone | null {
	const province = Number(/^(\d{2})(\.|$)/.exec(code.trim())?.[1]);
	if (!Number.isInteger(province)) return null;
	if ((province >= 11 && province <= 36) || province === 61 || province === 62) return 'Asia/Jakarta';
	if ((province >= 51 && province <= 53) || (province >= 63 && province <= 65) || (province >= 71 && province <= 76)) return 'Asia/Makassar';
	if (province === 81 || province === 82 || (province >= 91 && province <= 96)) return 'Asia/Jayapura';
	return null;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function partsIn(date: Date | number | string, timeZone: string): Record<string, string> {
	let format = formatters.get(timeZone);
	if (!format) {
		format = new Intl.DateTimeFormat('en-GB', {
			timeZone,
			year: 'numeric',
			month: '2-digit',
			day: '2-digit',
			hour: '2-digit',
			minute: '2-digit',
			second: '2-digit',
			hourCycle: 'h23'
		});
		formatters.set(timeZone, format);
	}
	return Object.fromEntries(format.formatToParts(new Date(date)).map((p) => [p.type, p.value]));
}

/** The calendar date in the zone, as an ISO date: what "today" is in the forum's hall. */
export function localIsoDate(date: Date | number | string, timeZone: string): string {
	const p = partsIn(date, timeZone);
	return `${p.year}-${p.month}-${p.day}`;
}

/**
 * "11.40 WITA" (Indonesian writes a dot between hours and minutes) or "11:40 WITA" in English.
 */
export function formatClock(date: Date | number | string, timeZone: string, locale: 'id' | 'en' = 'id'): string {
	const p = partsIn(date, timeZone);
	return `${p.hour}${locale === 'id' ? '.' : ':'}${p.minute} ${zoneAbbreviation(timeZone)}`;
}

/** "2021-11-08 10:15:32 WIB" (or without seconds): unambiguous and sortable, for audit trails and exports. */
export function formatStamp(date: Date | number | string, timeZone: string, opts: { seconds?: boolean } = {}): string {
	const p = partsIn(date, timeZone);
	const time = opts.seconds === false ? `${p.hour}:${p.minute}` : `${p.hour}:${p.minute}:${p.second}`;
	return `${p.year}-${p.month}-${p.day} ${time} ${zoneAbbreviation(timeZone)}`;
}

/** The instant of a local date and time in the zone, e.g. the end of a meeting day (`23:59:59.999`). */
export function instantOf(isoDate: string, time: string, timeZone: string): number {
	return Date.parse(`${isoDate}T${time}${utcOffset(timeZone)}`);
}

const WEEKDAYS = {
	id: ['Minggu', 'Senin', 'Selasa', 'Rabu', 'Kamis', 'Jumat', 'Sabtu'],
	en: ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday']
} as const;
export const MONTH_NAMES = {
	id: ['Januari', 'Februari', 'Maret', 'April', 'Mei', 'Juni', 'Juli', 'Agustus', 'September', 'Oktober', 'November', 'Desember'],
	en: ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December']
} as const;

/**
 * "Senin, 8 November 2021" ("Monday, 8 November 2021"): an ISO date ("2021-11-08") is a calendar
 * date and prints as is; an instant prints as the date it was in the zone. The names are spelled
 * here rather than asked of Intl, so that the server, every browser and the PDF print the same words.
 */
export function formatLongDate(value: Date | number | string, timeZone: string = DEFAULT_TIME_ZONE, locale: 'id' | 'en' = 'id'): string {
	const iso = typeof value === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(value) ? value : localIsoDate(value, timeZone);
	const [year, month, day] = iso.split('-').map(Number) as [number, number, number];
	const weekday = new Date(Date.UTC(year, month - 1, day)).getUTCDay();
	return `${WEEKDAYS[locale][weekday]}, ${day} ${MONTH_NAMES[locale][month - 1]} ${year}`;
}

/**
 * "Senin, 8 November 2021 pukul 11.40 WIB" ("Monday, 8 November 2021 at 11:40 WIB"): the one way
 * an instant is written on the pages, in exports meant for reading and in the berita acara, always
 * in the forum's zone.
 */
export function formatLongDateTime(date: Date | number | string, timeZone: string = DEFAULT_TIME_ZONE, locale: 'id' | 'en' = 'id'): string {
	return `${formatLongDate(new Date(date), timeZone, locale)} ${locale === 'id' ? 'pukul' : 'at'} ${formatClock(date, timeZone, locale)}`;
}

/**
 * The wall-clock date and time in the zone as a Date whose UTC fields carry them: what a
 * spreadsheet date cell holds (spreadsheets have no zones, so "11.40 WITA" is stored as 11:40).
 */
export function spreadsheetDate(date: Date | number | string, timeZone: string = DEFAULT_TIME_ZONE): Date {
	const p = partsIn(date, timeZone);
	return new Date(Date.UTC(Number(p.year), Number(p.month) - 1, Number(p.day), Number(p.hour), Number(p.minute), Number(p.second)));
}
