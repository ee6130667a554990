import { json } from '@sveltejs/kit';
import { searchAreas, searchVillages } from '$lib/server/areas';
import { getDb } from '$lib/server/db/client';
import type { RequestHandler } from './$types';

/**
 * The official area list of all Indonesia for the pickers' in-place search (staff only, see the
 * hooks). `?q=` a name or code; `levels=2,3` limits the levels; `near=35.77` ranks that region
 * first; `villages=1` answers as the village search does (with kecamatan and kabupaten).
 */
export const GET: RequestHandler = async ({ url }) => {
	const db = getDb();
	const q = (url.searchParams.get('q') ?? '').slice(0, 60);
	const near = url.searchParams.get('near');
	if (url.searchParams.get('villages') === '1') return json({ results: await searchVillages(db, q, near) });
	const levels = (url.searchParams.get('levels') ?? '')
		.split(',')
		.map(Number)
		.filter((n) => Number.isInteger(n) && n >= 1 && n <= 4);
	return json({ results: await searchAreas(db, q, { near, levels }) });
};
