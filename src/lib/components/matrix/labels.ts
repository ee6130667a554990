import { t } from '$lib/i18n';
import { parseCellKey, WHOLE_MATRIX, type MatrixSnapshot } from '$lib/collab/matrix-doc';

/** "Kel. Taman × Kapasitas warga", a column name, or "the whole matrix", for a consent call or follow target. */
export function targetLabel(m: Pick<MatrixSnapshot, 'rows' | 'components'>, target: string): string {
	if (target === WHOLE_MATRIX || target === 'matrix') return t('consent.wholeMatrix');
	const cell = parseCellKey(target);
	if (cell) {
		const row = m.rows.find((r) => r.id === cell.institutionId);
		const component = m.components.find((c) => c.id === cell.componentId);
		return `${row?.shortName || row?.name || cell.institutionId} × ${component?.name ?? cell.componentId}`;
	}
	const component = m.components.find((c) => c.id === target);
	return component ? component.name : target;
}
