import * as Y from 'yjs';
import { cellKey, newCellMap, roots, type ConsentState } from '../../src/lib/collab/matrix-doc';

/** A live matrix document as the server seeds it: columns, rows, an empty cell per pair, consent maps. */
export function buildMatrixDoc(doc: Y.Doc, components: { id: number; name: string }[], rows: { id: number; name: string; sector: string }[]): void {
	const r = roots(doc);
	components.forEach((c, i) => {
		const col = new Y.Map<unknown>();
		col.set('name', c.name);
		col.set('position', i + 1);
		col.set('locked', false);
		r.components.set(String(c.id), col);
	});
	rows.forEach((row, i) => {
		const map = new Y.Map<unknown>();
		map.set('name', row.name);
		map.set('shortName', row.name);
		map.set('sector', row.sector);
		map.set('position', i + 1);
		map.set('locked', false);
		r.rows.set(String(row.id), map);
		r.consent.set(String(row.id), new Y.Map<ConsentState>());
		for (const c of components) r.cells.set(cellKey(row.id, c.id), newCellMap());
	});
}
