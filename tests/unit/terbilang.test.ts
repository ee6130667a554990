import { describe, expect, it } from 'vitest';
import { tanggalTerbilang, terbilang } from '../../src/lib/server/terbilang';

describe('terbilang', () => {
	it('writes numbers the way a berita acara does', () => {
		expect(terbilang(8)).toBe('delapan');
		expect(terbilang(11)).toBe('sebelas');
		expect(terbilang(17)).toBe('tujuh belas');
		expect(terbilang(100)).toBe('seratus');
		expect(terbilang(167)).toBe('seratus enam puluh tujuh');
		expect(terbilang(1000)).toBe('seribu');
		expect(terbilang(2021)).toBe('dua ribu dua puluh satu');
		expect(terbilang(250_000_000)).toBe('dua ratus lima puluh juta');
	});

	it('writes the opening formula’s date for the Madiun workshop', () => {
		expect(tanggalTerbilang('2021-11-08')).toEqual({
			day: 'Senin',
			words: 'Senin tanggal delapan bulan November tahun dua ribu dua puluh satu',
			short: '8 November 2021'
		});
		expect(tanggalTerbilang('2019-10-04').day).toBe('Jumat');
	});
});
