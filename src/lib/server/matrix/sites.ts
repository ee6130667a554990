/**
 * Pilot sites by name, as a document prints them: "Kelurahan Taman", or the forum's own word for a
 * village ("Desa", "Pekon", "Nagari", "Kampung" …) before a desa's name.
 */
import { describeAreas, type AreaPath } from '../areas';
import type { Db } from '../db/client';
import { capitalised } from '../../forums/regions';

/** A kelurahan is always "Kelurahan"; a desa takes the forum's village word. Unknown codes print as codes. */
export function villageName(area: Pick<AreaPath, 'name' | 'isKelurahan'> | null | undefined, code: string, villageWord: string): string {
	if (!area) return code;
	return `${area.isKelurahan ? 'Kelurahan' : capitalised(villageWord || 'desa')} ${area.name}`;
}

/** A lookup that names any site code, reading each code from the area table once. */
export async function siteNamer(db: Db, villageWord: string, codes: Iterable<string>): Promise<(code: string) => string> {
	const unique = [...new Set(codes)];
	const areas = await describeAreas(db, unique);
	const known = new Map<string, AreaPath>(areas.map((a) => [a.code, a]));
	return (code) => {
		return villageName(known.get(code), code, villageWord);
	};
}
