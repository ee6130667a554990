/**
 * A commitment's deadline from the timing people type in the matrix or the commitment form:
 * "Triwulan I 2026", "Semester II 2026", "Maret 2022", "Januari–Maret 2022", "March 2022",
 * "15 Maret 2026", "2026-03-15", "15/03/2026", or a bare year. The deadline is the last day of the
 * period named (the last one, for a range), as an ISO date. Pure: shared by the server and pages.
 */
import { periodEnd, type PeriodKind } from './periods';

const MONTHS: Record<string, number> = {
	januari: 1, january: 1, jan: 1,
	februari: 2, february: 2, pebruari: 2, feb: 2, peb: 2,
	maret: 3, march: 3, mar: 3,
	april: 4, apr: 4,
	mei: 5, may: 5,
	juni: 6, june: 6, jun: 6,
	juli: 7, july: 7, jul: 7,
	agustus: 8, august: 8, agu: 8, agt: 8, ags: 8, aug: 8,
	september: 9, sept: 9, sep: 9,
	oktober: 10, october: 10, okt: 10, oct: 10,
	november: 11, nopember: 11, nov: 11, nop: 11,
	desember: 12, december: 12, des: 12, dec: 12
};
const MONTH_WORD = `(${Object.keys(MONTHS).sort((a, b) => b.length - a.length).join('|')})\\.?`;
const YEAR = '((?:19|20)\\d{2})';
const NUMERAL = '(IV|III|II|I|[1-4])';
const UNTIL = '(?:\\s*(?:-|–|—|/|s\\.?\\s*d\\.?|sampai(?:\\s+dengan)?|hingga|to|until|through)\\s*)';

const ROMAN: Record<string, number> = { I: 1, II: 2, III: 3, IV: 4 };
const numeral = (text: string) => ROMAN[text.toUpperCase()] ?? Number(text);

const iso = (year: number, month: number, day: number) => `${year}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;

function validDate(year: number, month: number, day: number): string | null {
	const d = new Date(Date.UTC(year, month - 1, day));
	return d.getUTCFullYear() === year && d.getUTCMonth() === month - 1 && d.getUTCDate() === day ? iso(year, month, day) : null;
}

function periodDeadline(type: PeriodKind, index: number, year: number): string | null {
	const max = type === 'quarter' ? 4 : type === 'semester' ? 2 : 12;
	return index >= 1 && index <= max ? periodEnd({ type, year, index }) : null;
}

/** The deadline (ISO date) a timing names, or null when it names none ("Per triwulan", "Bulanan"). */
export function parseDeadline(text: string): string | null {
	const s = text.trim().replace(/\s+/g, ' ');
	if (!s) return null;
	let m: RegExpExecArray | null;

	if ((m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(s))) return validDate(Number(m[1]), Number(m[2]), Number(m[3]));
	// Indonesian offices write day/month/year.
	if ((m = new RegExp(`(?:^|\\D)(\\d{1,2})[/.-](\\d{1,2})[/.-]${YEAR}(?:\\D|$)`).exec(s))) return validDate(Number(m[3]), Number(m[2]), Number(m[1]));

	// "Triwulan I–II 2026", "TW IV 2026", "Q3 2026", "Kuartal 2 tahun 2026", "3rd quarter 2026" is not supported.
	if ((m = new RegExp(`\\b(?:triwulan|tw|kuartal|quarter|q)\\s*${NUMERAL}(?:${UNTIL}${NUMERAL})?\\b,?\\s*(?:tahun\\s*)?${YEAR}`, 'i').exec(s)))
		return periodDeadline('quarter', numeral(m[2] ?? m[1]!), Number(m[3]));
	if ((m = new RegExp(`\\b(?:semester|smt|half|h)\\s*${NUMERAL}(?:${UNTIL}${NUMERAL})?\\b,?\\s*(?:tahun\\s*)?${YEAR}`, 'i').exec(s)))
		return periodDeadline('semester', numeral(m[2] ?? m[1]!), Number(m[3]));

	// "15 Maret 2026", "March 15, 2026"
	if ((m = new RegExp(`\\b(\\d{1,2})\\s+${MONTH_WORD}\\s+${YEAR}\\b`, 'i').exec(s))) return validDate(Number(m[3]), MONTHS[m[2]!.toLowerCase()]!, Number(m[1]));
	if ((m = new RegExp(`\\b${MONTH_WORD}\\s+(\\d{1,2}),?\\s+${YEAR}\\b`, 'i').exec(s))) return validDate(Number(m[3]), MONTHS[m[1]!.toLowerCase()]!, Number(m[2]));

	// "Maret 2022", "Januari–Maret 2022", "Okt 2025 – Mar 2026": the last month named, in the year after it.
	const monthYear = new RegExp(`\\b${MONTH_WORD}(?:\\s+${YEAR})?\\b`, 'gi');
	let last: { month: number; year: number | null } | null = null;
	let year: number | null = null;
	for (const found of s.matchAll(monthYear)) {
		last = { month: MONTHS[found[1]!.toLowerCase()]!, year: found[2] ? Number(found[2]) : null };
		if (found[2]) year = Number(found[2]);
	}
	if (last) {
		const y = last.year ?? year ?? (s.match(new RegExp(YEAR, 'g'))?.map(Number).at(-1) ?? null);
		if (y !== null) return periodDeadline('month', last.month, y);
	}

	// "2026", "Sepanjang 2022", "Akhir tahun 2026", "2025–2026": the end of the last year named.
	const years = s.match(new RegExp(`\\b${YEAR}\\b`, 'g'));
	if (years) return iso(Number(years.at(-1)), 12, 31);
	return null;
}
