/**
 * Fitting a table to a projector screen by measuring the real table: largest type first, then
 * shorter content, and only then pages. Works on the DOM synchronously: every row is laid out while
 * measuring (`data-measuring`) and the result is applied before the browser paints.
 */

/**
 * How much of each cell the projector shows. 0: everything (full institution names, figures);
 * 1: short names, the type as a tag and the description clamped to three lines; 2: two lines.
 * CSS keyed on `data-level` does the abbreviating, so trying a level needs no re-render.
 */
export const LEVELS = [0, 1, 2] as const;
export type Level = (typeof LEVELS)[number];

export type Fit = { level: Level; fontPx: number; pages: string[][] };

/**
 * The smallest text a screen of this height may show: 24 px on a 1080-line projector, scaled with
 * the height (16 px at 720), so that it reads the same from the back row on either.
 */
export const minimumFontPx = (viewportHeight: number) => Math.max(16, Math.ceil((viewportHeight * 24) / 1080));

export function fitTable(table: HTMLElement, available: number, minFont: number, maxFont: number): Fit {
	table.setAttribute('data-measuring', '');
	const fits = (level: Level, size: number) => {
		table.dataset.level = String(level);
		table.style.fontSize = `${size}px`;
		return table.offsetHeight <= available;
	};
	let result: Fit | null = null;
	for (const level of LEVELS) {
		if (!fits(level, minFont)) continue;
		let lo = minFont;
		let hi = maxFont;
		while (lo < hi) {
			const mid = Math.ceil((lo + hi) / 2);
			if (fits(level, mid)) lo = mid;
			else hi = mid - 1;
		}
		result = { level, fontPx: lo, pages: [] };
		break;
	}
	if (!result) {
		const level = LEVELS[LEVELS.length - 1]!;
		fits(level, minFont);
		result = { level, fontPx: minFont, pages: paginate(table, available) };
	}
	table.dataset.level = String(result.level);
	table.style.fontSize = `${result.fontPx}px`;
	table.removeAttribute('data-measuring');
	return result;
}

/**
 * Splits the body rows (`data-page-key`) into pages that fit `available` px under the header.
 * A band row (`data-group`, a sector heading) starts a group; a group continuing on the next
 * page shows its band again there, so its height is counted twice.
 */
export function paginate(table: HTMLElement, available: number): string[][] {
	const head = table.querySelector('thead')?.getBoundingClientRect().height ?? 0;
	const result: string[][] = [];
	let current: string[] = [];
	let used = head;
	let band = 0;
	for (const tr of table.querySelectorAll<HTMLElement>('tbody tr')) {
		const height = tr.getBoundingClientRect().height;
		if (tr.hasAttribute('data-group')) {
			band = height;
			// A band never ends a page: it moves to the next page with its first row.
			const firstRow = tr.nextElementSibling?.getBoundingClientRect().height ?? 0;
			if (used + height + firstRow > available && current.length > 0) {
				result.push(current);
				current = [];
				used = head;
			}
			used += height;
			continue;
		}
		const key = tr.dataset.pageKey;
		if (!key) continue;
		if (used + height > available && current.length > 0) {
			result.push(current);
			current = [];
			used = head + band;
		}
		current.push(key);
		used += height;
	}
	if (current.length > 0) result.push(current);
	return result;
}
