/**
 * Forum shapes the pages share with the server. Components import no server module, so the
 * levels are spelled here too; a unit test keeps them equal to the schema's enum.
 */
export const FORUM_LEVELS = ['desa', 'kecamatan', 'kabupaten', 'provinsi', 'nasional'] as const;
export type ForumLevel = (typeof FORUM_LEVELS)[number];

/** A region as the region picker lists it. */
export type RegionChoice = {
	code: string;
	name: string;
	/** 1 provinsi, 2 kabupaten/kota, 3 kecamatan, 4 desa/kelurahan. */
	level: number;
	/** The areas above it, nearest first ("Taman, Kota Madiun, Jawa Timur"). */
	within: string;
};
