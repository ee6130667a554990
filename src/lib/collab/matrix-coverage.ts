/**
 * Gaps in the matrix, as the projector shows them while people type: which cells are still empty,
 * which programme components nobody contributes to, which sectors are absent. A forum wants to see
 * "no media in the matrix" or "nobody supports participatory monitoring" before it signs.
 */
import { cellKey, isCellEmpty, type MatrixSnapshot } from './matrix-doc';

/** Pentahelix sectors plus development partners (who are welcome but never a gap). */
export const MATRIX_SECTORS = ['pemerintah', 'bisnis', 'komunitas', 'akademisi', 'media', 'mitra'] as const;
export type MatrixSector = (typeof MATRIX_SECTORS)[number];

export type MatrixCoverage = {
	totalCells: number;
	emptyCells: number;
	/** Components with no contribution from any row. */
	uncoveredComponents: { id: string; name: string }[];
	/** Per component: the sectors that contribute something to it. */
	sectorsByComponent: Record<string, string[]>;
	/** Rows (institutions) that have written nothing yet. */
	silentRows: { id: string; shortName: string }[];
	/** Pentahelix sectors with no row in the matrix at all. */
	missingSectors: MatrixSector[];
	/** Pentahelix sectors with rows but not a single contribution. */
	silentSectors: MatrixSector[];
};

export function matrixCoverage(m: Pick<MatrixSnapshot, 'rows' | 'components' | 'cells'>): MatrixCoverage {
	const sectorsByComponent: Record<string, string[]> = {};
	const contributingSectors = new Set<string>();
	const silentRows: MatrixCoverage['silentRows'] = [];
	let emptyCells = 0;
	for (const component of m.components) sectorsByComponent[component.id] = [];
	for (const row of m.rows) {
		let wrote = false;
		for (const component of m.components) {
			const cell = m.cells[cellKey(row.id, component.id)];
			if (!cell || isCellEmpty(cell)) {
				emptyCells++;
				continue;
			}
			wrote = true;
			contributingSectors.add(row.sector);
			const list = sectorsByComponent[component.id]!;
			if (!list.includes(row.sector)) list.push(row.sector);
		}
		if (!wrote) silentRows.push({ id: row.id, shortName: row.shortName || row.name });
	}
	const rowSectors = new Set(m.rows.map((r) => r.sector));
	const pentahelix = MATRIX_SECTORS.filter((s) => s !== 'mitra');
	return {
		totalCells: m.rows.length * m.components.length,
		emptyCells,
		uncoveredComponents: m.components.filter((c) => sectorsByComponent[c.id]!.length === 0).map((c) => ({ id: c.id, name: c.name })),
		sectorsByComponent,
		silentRows,
		missingSectors: pentahelix.filter((s) => !rowSectors.has(s)),
		silentSectors: pentahelix.filter((s) => rowSectors.has(s) && !contributingSectors.has(s))
	};
}
