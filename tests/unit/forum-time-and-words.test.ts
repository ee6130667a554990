/** The forum's time and words: long dates in WIB, WITA and WIT; deadlines from periods; CSV separators; round chart ticks. */
import { describe, expect, it } from 'vitest';
import { roundScale } from '../../src/lib/commitments/chart-ticks';
import { parseDeadline } from '../../src/lib/commitments/deadlines';
import { formatRupiah } from '../../src/lib/commitments/periods';
import { csvSeparator, toCsv } from '../../src/lib/server/csv';
import { signingDateGap } from '../../src/lib/server/minutes';
import { formatLongDate, formatLongDateTime, spreadsheetDate } from '../../src/lib/time-zones';

const instant = new Date('2021-11-08T04:40:00Z');

describe('dates and times in the forum’s zone', () => {
	it('writes the Indonesian long form with WIB, WITA or WIT', () => {
		expect(formatLongDateTime(instant, 'Asia/Jakarta')).toBe('Senin, 8 November 2021 pukul 11.40 WIB');
		expect(formatLongDateTime(instant, 'Asia/Makassar')).toBe('Senin, 8 November 2021 pukul 12.40 WITA');
		expect(formatLongDateTime(instant, 'Asia/Jayapura')).toBe('Senin, 8 November 2021 pukul 13.40 WIT');
		expect(formatLongDateTime(instant, 'Asia/Makassar', 'en')).toBe('Monday, 8 November 2021 at 12:40 WITA');
	});

	it('crosses midnight into the next day in the zones east of Jakarta', () => {
		const late = new Date('2021-11-08T16:30:00Z');
		expect(formatLongDateTime(late, 'Asia/Jakarta')).toBe('Senin, 8 November 2021 pukul 23.30 WIB');
		expect(formatLongDateTime(late, 'Asia/Jayapura')).toBe('Selasa, 9 November 2021 pukul 01.30 WIT');
	});

	it('prints a calendar date as it is, whatever the zone', () => {
		expect(formatLongDate('2021-11-08', 'Asia/Jayapura')).toBe('Senin, 8 November 2021');
		expect(formatLongDate('2024-02-29', 'Asia/Jakarta', 'en')).toBe('Thursday, 29 February 2024');
	});

	it('gives a spreadsheet the wall-clock time of the zone', () => {
		expect(spreadsheetDate(instant, 'Asia/Makassar').toISOString()).toBe('2021-11-08T12:40:00.000Z');
	});

	it('warns when a signature is more than a week from the minutes’ date, in the forum’s calendar', () => {
		const signed = (at: string) => ({ name: 'Siti', status: 'signed' as const, signedAt: new Date(at) });
		expect(signingDateGap('2021-11-08', [signed('2021-11-15T10:00:00+07:00')], 'Asia/Jakarta')).toBeNull();
		expect(signingDateGap('2021-11-08', [signed('2021-11-15T16:30:00Z')], 'Asia/Jayapura')).toMatchObject({ days: 8, signedOn: '2021-11-16' });
		expect(signingDateGap('2021-11-08', [signed('2022-01-10T09:00:00+07:00'), { name: 'Budi', status: 'pending' as const, signedAt: null }], 'Asia/Jakarta')).toMatchObject({ name: 'Siti', days: 63 });
	});
});

describe('deadlines from what people type', () => {
	it.each([
		['Triwulan I 2026', '2026-03-31'],
		['triwulan IV 2026', '2026-12-31'],
		['TW 2 2026', '2026-06-30'],
		['Triwulan I–II 2026', '2026-06-30'],
		['Q3 2026', '2026-09-30'],
		['Quarter 4 2025', '2025-12-31'],
		['Semester I 2026', '2026-06-30'],
		['Semester II tahun 2026', '2026-12-31'],
		['H1 2027', '2027-06-30'],
		['Maret 2022', '2022-03-31'],
		['Januari–Maret 2022', '2022-03-31'],
		['Februari 2024', '2024-02-29'],
		['Agt 2025', '2025-08-31'],
		['October 2025 – March 2026', '2026-03-31'],
		['March 2022', '2022-03-31'],
		['15 Maret 2026', '2026-03-15'],
		['March 15, 2026', '2026-03-15'],
		['2026-03-15', '2026-03-15'],
		['15/03/2026', '2026-03-15'],
		['Sepanjang 2022', '2022-12-31'],
		['2026', '2026-12-31']
	])('%s → %s', (text, deadline) => expect(parseDeadline(text)).toBe(deadline));

	it.each(['Per triwulan', 'Bulanan', '', 'Semester III 2026', '2026-02-30', '31/02/2026'])('"%s" names no deadline', (text) => expect(parseDeadline(text)).toBeNull());
});

describe('CSV for the reader’s spreadsheet', () => {
	it('uses ";" for Indonesian and "," for English, both with a BOM, formulas still defused', () => {
		const id = toCsv(['Nama', 'Nilai'], [['=HYPERLINK("x")', 12.5], ['Siti; Budi', 20_000_000]], csvSeparator('id'));
		const en = toCsv(['Name', 'Value'], [['=HYPERLINK("x")', 12.5]], csvSeparator('en'));
		expect(id).toBe('\uFEFFNama;Nilai\r\n"\'=HYPERLINK(""x"")";12,5\r\n"Siti; Budi";20000000\r\n');
		expect(en).toBe('\uFEFFName,Value\r\n"\'=HYPERLINK(""x"")",12.5\r\n');
	});
});

describe('numbers a reader can use', () => {
	it('puts chart ticks on round values', () => {
		expect(roundScale(0, 162, { integers: true }).ticks).toEqual([0, 50, 100, 150, 200]);
		expect(roundScale(350, 412, { integers: true }).ticks).toEqual([340, 360, 380, 400, 420]);
		expect(roundScale(0, 1, {}).ticks).toEqual([0, 0.25, 0.5, 0.75, 1]);
		expect(roundScale(0, 3, { integers: true }).ticks).toEqual([0, 1, 2, 3]);
		expect(roundScale(0, 27, { integers: true }).ticks).toEqual([0, 10, 20, 30]);
	});

	it('writes Rupiah the Indonesian way', () => {
		expect(formatRupiah(20_000_000)).toBe('Rp 20.000.000');
		expect(formatRupiah(3_000_000_000, 'en')).toBe('Rp 3,000,000,000');
		expect(formatRupiah(null)).toBe('—');
	});
});
