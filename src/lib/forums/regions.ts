/**
 * What a forum's home region implies before anyone overrides it: the region's word for a village
 * and the place a berita acara is "made at". Pure functions of Kemendagri codes and names, shared
 * by the server (which stores the result) and the forum form (which shows it).
 */
import { DEFAULT_TIME_ZONE, timeZoneForRegion, type ForumTimeZone } from '../time-zones';
import { FORUM_LEVELS, type ForumLevel } from './types';

/** Words in use across Indonesia, offered as suggestions; any other word may be typed. */
export const VILLAGE_WORDS = ['desa', 'kelurahan', 'kampung', 'pekon', 'nagari', 'gampong', 'tiyuh', 'lembang', 'negeri'] as const;

/** Lampung's kabupaten that say "kampung" (their own Perda) where the rest of the province says "pekon". */
const LAMPUNG_KAMPUNG = new Set(['18.05', '18.08', '18.11', '18.12']);
const PAPUA_PROVINCES = new Set(['91', '92', '93', '94', '95', '96']);

/** A kota (city) has a code 71–99 in its second part; a kabupaten 01–70. */
export function isKotaCode(code: string): boolean {
	const second = code.split('.')[1];
	return second !== undefined && Number(second) >= 71;
}

/**
 * The word for a village (desa, 2xxx) in a region: gampong in Aceh (its kota too: their villages
 * are all gampong in the official list), kelurahan in any other kota, nagari in Sumatera Barat,
 * pekon in Lampung except kampung in Tulang Bawang, Tulang Bawang Barat, Way Kanan and Mesuji,
 * kampung in the Papua provinces, desa elsewhere. A forum whose home is itself a kelurahan (1xxx)
 * says kelurahan.
 */
export function villageWordForRegion(code: string): string {
	const parts = code.trim().split('.');
	const province = parts[0] ?? '';
	const regency = parts.length >= 2 ? `${parts[0]}.${parts[1]}` : null;
	if (parts.length >= 4 && parts[3]!.startsWith('1')) return 'kelurahan';
	if (province === '11') return 'gampong';
	if (regency && isKotaCode(regency)) return 'kelurahan';
	if (province === '13') return 'nagari';
	if (province === '18') return regency && LAMPUNG_KAMPUNG.has(regency) ? 'kampung' : 'pekon';
	if (PAPUA_PROVINCES.has(province)) return 'kampung';
	return 'desa';
}

/**
 * The place a berita acara names ("Madiun, 8 November 2021"): the region's name without
 * "Kota"/"Kabupaten"/"Provinsi" (Kota Madiun → Madiun, Kabupaten Tanggamus → Tanggamus).
 */
export function placeFromAreaName(name: string): string {
	return name.replace(/^(Kabupaten|Kota|Provinsi|Kab\.)\s+/i, '').trim();
}

export type RegionImplies = { timeZone: ForumTimeZone; villageWord: string; place: string };

/** Everything a region implies for a forum whose settings are left empty; no region implies WIB and "desa". */
export function regionImplies(region: { code: string; name: string } | null): RegionImplies {
	if (!region) return { timeZone: DEFAULT_TIME_ZONE, villageWord: 'desa', place: '' };
	return { timeZone: timeZoneForRegion(region.code) ?? DEFAULT_TIME_ZONE, villageWord: villageWordForRegion(region.code), place: placeFromAreaName(region.name) };
}

/** The area level (1 provinsi … 4 desa/kelurahan) a forum of each level has as its home region. */
export const AREA_LEVEL_OF: Record<ForumLevel, number | null> = {
	provinsi: 1,
	kabupaten: 2,
	kecamatan: 3,
	desa: 4,
	nasional: null
};

export function forumLevelForArea(areaLevel: number): ForumLevel {
	return FORUM_LEVELS.find((l) => AREA_LEVEL_OF[l] === areaLevel) ?? 'kabupaten';
}

/** "Pekon", "Kelurahan": the word as it starts a village's name in a sentence. */
export function capitalised(word: string): string {
	return word.charAt(0).toUpperCase() + word.slice(1);
}
