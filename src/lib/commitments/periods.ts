/**
 * Reporting periods (month, triwulan, semester) and number formats shared by the server, the pages
 * and the charts. Pure functions: no database, no Svelte.
 */
export const PERIOD_KINDS = ['month', 'quarter', 'semester'] as const;
export type PeriodKind = (typeof PERIOD_KINDS)[number];

/** How many periods of a kind fit in a year. */
export const PERIODS_PER_YEAR: Record<PeriodKind, number> = { month: 12, quarter: 4, semester: 2 };
const MONTHS_PER_PERIOD: Record<PeriodKind, number> = { month: 1, quarter: 3, semester: 6 };

export type Period = { type: PeriodKind; year: number; index: number };

/** Last day of the period as an ISO date: where a timeline places the realisation. */
export function periodEnd(p: Period): string {
	const lastMonth = p.index * MONTHS_PER_PERIOD[p.type];
	const day = new Date(Date.UTC(p.year, lastMonth, 0)).getUTCDate();
	return `${p.year}-${String(lastMonth).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
}

export function periodStart(p: Period): string {
	const firstMonth = (p.index - 1) * MONTHS_PER_PERIOD[p.type] + 1;
	return `${p.year}-${String(firstMonth).padStart(2, '0')}-01`;
}

/** Later end first; for equal ends the shorter period (a month inside a quarter) is the finer report. */
export function comparePeriods(a: Period, b: Period): number {
	const byEnd = periodEnd(a).localeCompare(periodEnd(b));
	if (byEnd !== 0) return byEnd;
	return MONTHS_PER_PERIOD[b.type] - MONTHS_PER_PERIOD[a.type];
}

const ROMAN = ['I', 'II', 'III', 'IV'];

/**
 * Parses the compact period notation used in CSV files and the report form: `2023-T1` (triwulan,
 * written so since Indonesian reports say triwulan) or the English `2023-Q1`, `2023-S2` (semester,
 * the same letter in both languages; `2023-H2` read as the English half-year), `2023-05` (month).
 */
export function parsePeriod(text: string): Period | null {
	const m = /^\s*(\d{4})\s*[-/ ]\s*([QqTtSsHh]?)\s*(\d{1,2})\s*$/.exec(text);
	if (!m) return null;
	const year = Number(m[1]);
	const letter = m[2]!.toUpperCase();
	const index = Number(m[3]);
	const type: PeriodKind = letter === 'Q' || letter === 'T' ? 'quarter' : letter === 'S' || letter === 'H' ? 'semester' : 'month';
	if (year < 2000 || year > 2100 || index < 1 || index > PERIODS_PER_YEAR[type]) return null;
	return { type, year, index };
}

export function periodCode(p: Period): string {
	if (p.type === 'month') return `${p.year}-${String(p.index).padStart(2, '0')}`;
	return `${p.year}-${p.type === 'quarter' ? 'T' : 'S'}${p.index}`;
}

/** The ISO date of a day in UTC, as period boundaries are compared. */
const isoDay = (d: Date) => d.toISOString().slice(0, 10);

/**
 * The latest period of a kind that has ended by `today`: what a report is due for. On 7 December
 * 2026 the last finished triwulan is 2026-T3, not the unfinished T4.
 */
export function lastFinishedPeriod(type: PeriodKind, today: Date): Period {
	const year = today.getUTCFullYear();
	const current = Math.floor(today.getUTCMonth() / MONTHS_PER_PERIOD[type]) + 1;
	const candidate = { type, year, index: current };
	if (periodEnd(candidate) <= isoDay(today)) return candidate;
	return current > 1 ? { type, year, index: current - 1 } : { type, year: year - 1, index: PERIODS_PER_YEAR[type] };
}

/** A period that has not begun by `today` cannot be reported yet. */
export function periodStartsAfter(p: Period, today: Date): boolean {
	return periodStart(p) > isoDay(today);
}

/** The period after `p`, of the same kind. */
export function nextPeriod(p: Period): Period {
	return p.index >= PERIODS_PER_YEAR[p.type] ? { type: p.type, year: p.year + 1, index: 1 } : { ...p, index: p.index + 1 };
}

type Translate = (key: 'progress.period.quarter' | 'progress.period.semester', params: Record<string, string | number>) => string;

/** "Triwulan II 2023", "Semester I 2022", "Mei 2023" in the page's language. */
export function periodLabel(p: Period, locale: 'id' | 'en', t: Translate): string {
	if (p.type === 'month')
		return new Intl.DateTimeFormat(locale === 'id' ? 'id-ID' : 'en-GB', { month: 'long', year: 'numeric', timeZone: 'UTC' }).format(
			new Date(Date.UTC(p.year, p.index - 1, 1))
		);
	// Indonesian reports number triwulan and semester in Roman numerals (Triwulan II); English says Q2.
	const n = locale === 'id' ? (ROMAN[p.index - 1] ?? String(p.index)) : p.index;
	return t(p.type === 'quarter' ? 'progress.period.quarter' : 'progress.period.semester', { n, year: p.year });
}

/**
 * Reads a number as Indonesian offices write it: `1.234,5` and `12,5` use a decimal comma, a dot
 * followed by exactly three digits groups thousands (`2.500` is two thousand five hundred);
 * `2.5` and `1,234.5` are read the English way. Returns null for anything else.
 */
export function parseDecimal(text: string): number | null {
	let s = text.trim().replace(/\s/g, '');
	if (s === '') return null;
	const lastComma = s.lastIndexOf(',');
	const lastDot = s.lastIndexOf('.');
	if (lastComma >= 0 && lastDot >= 0) {
		const decimal = lastComma > lastDot ? ',' : '.';
		const group = decimal === ',' ? '.' : ',';
		s = s.split(group).join('').replace(decimal, '.');
	} else if (lastComma >= 0) {
		if (s.indexOf(',') !== lastComma) return null;
		s = s.replace(',', '.');
	} else if (/^-?\d{1,3}(\.\d{3})+$/.test(s)) {
		s = s.replace(/\./g, '');
	}
	if (!/^-?\d+(\.\d+)?$/.test(s)) return null;
	const n = Number(s);
	return Number.isFinite(n) ? n : null;
}

/** 1234.5 → "1.234,5" (id) or "1,234.5" (en); at most two decimals. */
export function formatNumber(n: number | null | undefined, locale: 'id' | 'en' = 'id'): string {
	if (n == null || !Number.isFinite(n)) return '—';
	return new Intl.NumberFormat(locale === 'id' ? 'id-ID' : 'en-GB', { maximumFractionDigits: 2 }).format(n);
}

/** Whole per cent for display; the raw value stays available for "over target". */
export function formatPercent(n: number | null | undefined, locale: 'id' | 'en' = 'id'): string {
	if (n == null || !Number.isFinite(n)) return '—';
	return `${new Intl.NumberFormat(locale === 'id' ? 'id-ID' : 'en-GB', { maximumFractionDigits: 0 }).format(n)}%`;
}

/**
 * "Rp 20.000.000" (whole Rupiah, dots between thousands, as Indonesian documents write money);
 * "Rp 20,000,000" in English. Grouped by hand so every runtime prints the same characters.
 */
export function formatRupiah(n: number | null | undefined, locale: 'id' | 'en' = 'id'): string {
	if (n == null || !Number.isFinite(n)) return '—';
	const digits = String(Math.round(Math.abs(n))).replace(/\B(?=(\d{3})+(?!\d))/g, locale === 'id' ? '.' : ',');
	return `${n < 0 ? '−' : ''}Rp ${digits}`;
}

/**
 * The span a Laporan Kemajuan or the dashboard's period view covers: a triwulan, a semester or a
 * whole year (reports themselves are filed per month, triwulan or semester).
 */
export type ReportingPeriod = { type: 'quarter' | 'semester' | 'year'; year: number; index: number };

/**
 * `2026` (a year), `2026-T1`/`2026-Q1` (triwulan), `2026-S2` (semester); months are not a
 * reporting span. Null for anything else.
 */
export function parseReportingPeriod(text: string): ReportingPeriod | null {
	const year = /^\s*(\d{4})\s*$/.exec(text);
	if (year) {
		const y = Number(year[1]);
		return y >= 2000 && y <= 2100 ? { type: 'year', year: y, index: 1 } : null;
	}
	const p = parsePeriod(text);
	if (!p || p.type === 'month') return null;
	return { type: p.type, year: p.year, index: p.index };
}

/** Written the Indonesian way: `2026-T1`, `2026-S2`, `2026`. */
export function reportingPeriodCode(p: ReportingPeriod): string {
	if (p.type === 'year') return String(p.year);
	return `${p.year}-${p.type === 'quarter' ? 'T' : 'S'}${p.index}`;
}

export function reportingPeriodEnd(p: ReportingPeriod): string {
	return p.type === 'year' ? `${p.year}-12-31` : periodEnd({ type: p.type, year: p.year, index: p.index });
}

export function reportingPeriodStart(p: ReportingPeriod): string {
	return p.type === 'year' ? `${p.year}-01-01` : periodStart({ type: p.type, year: p.year, index: p.index });
}

/** The last triwulan that has ended by `today` (an ISO date): what a quarterly report is usually for. */
export function lastFinishedQuarter(today: string): ReportingPeriod {
	const year = Number(today.slice(0, 4));
	const quarter = Math.floor((Number(today.slice(5, 7)) - 1) / 3) + 1;
	return quarter === 1 ? { type: 'quarter', year: year - 1, index: 4 } : { type: 'quarter', year, index: quarter - 1 };
}

type TranslateSpan = (key: 'progress.period.quarter' | 'progress.period.semester' | 'report.period.year', params: Record<string, string | number>) => string;

/** "Triwulan I 2026", "Semester II 2026", "Tahun 2026" in the page's language. */
export function reportingPeriodLabel(p: ReportingPeriod, locale: 'id' | 'en', t: TranslateSpan): string {
	if (p.type === 'year') return t('report.period.year', { year: p.year });
	return periodLabel({ type: p.type, year: p.year, index: p.index }, locale, t);
}
