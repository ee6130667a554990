import type { CellFields } from '$lib/collab/matrix-doc';
import { formatQuantity, formatRupiah } from '$lib/components/matrix/format';

/**
 * A cell's figures in the order a room asks about them (how much, how many, when, from which
 * budget, where), each readable without its field label: "Rp 250.000.000 · 21 mitra UMKM · TJSL".
 */
export function cellFacts(cell: CellFields, siteName: (code: string) => string): string[] {
	const facts: string[] = [];
	if (cell.valueRupiah !== null) facts.push(formatRupiah(cell.valueRupiah));
	if (cell.volume !== null) facts.push(`${formatQuantity(cell.volume)} ${cell.unit}`.trim());
	if (cell.timing) facts.push(cell.timing);
	if (cell.fundingSource) facts.push(cell.fundingSource);
	if (cell.sites.length > 0) facts.push(cell.sites.map(siteName).join(', '));
	return facts;
}
