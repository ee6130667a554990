/**
 * CSV as Excel in Indonesian offices opens it: UTF-8 with BOM (so "Syafiʼi" survives),
 * CRLF line ends, every field quoted when needed. Cells that start with = + - @ are
 * prefixed with an apostrophe so a spreadsheet never runs them as formulas.
 */
export function toCsv(header: string[], rows: (string | number | null | undefined)[][]): string {
	const line = (cells: (string | number | null | undefined)[]) =>
		cells
			.map((cell) => {
				let text = cell == null ? '' : String(cell);
				if (/^[=+\-@]/.test(text) && typeof cell !== 'number') text = `'${text}`;
				return /[",\r\n;]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
			})
			.join(',');
	return '\uFEFF' + [line(header), ...rows.map(line)].join('\r\n') + '\r\n';
}
