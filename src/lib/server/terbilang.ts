/**
 * Numbers and dates written out in Indonesian words ("terbilang"), as the opening formula of a
 * berita acara requires: "Pada hari ini Senin tanggal delapan bulan November tahun dua ribu dua
 * puluh satu".
 */
const UNITS = ['', 'satu', 'dua', 'tiga', 'empat', 'lima', 'enam', 'tujuh', 'delapan', 'sembilan', 'sepuluh', 'sebelas'];

export function terbilang(n: number): string {
	if (!Number.isInteger(n) || n < 0) throw new RangeError(`terbilang: ${n}`);
	if (n === 0) return 'nol';
	const words = (x: number): string => {
		if (x < 12) return UNITS[x]!;
		if (x < 20) return `${UNITS[x - 10]} belas`;
		if (x < 100) return `${UNITS[Math.floor(x / 10)]} puluh${x % 10 ? ' ' + UNITS[x % 10] : ''}`;
		if (x < 200) return `seratus${x > 100 ? ' ' + words(x - 100) : ''}`;
		if (x < 1000) return `${UNITS[Math.floor(x / 100)]} ratus${x % 100 ? ' ' + words(x % 100) : ''}`;
		if (x < 2000) return `seribu${x > 1000 ? ' ' + words(x - 1000) : ''}`;
		if (x < 1_000_000) return `${words(Math.floor(x / 1000))} ribu${x % 1000 ? ' ' + words(x % 1000) : ''}`;
		if (x < 1_000_000_000) return `${words(Math.floor(x / 1_000_000))} juta${x % 1_000_000 ? ' ' + words(x % 1_000_000) : ''}`;
		return `${words(Math.floor(x / 1_000_000_000))} miliar${x % 1_000_000_000 ? ' ' + words(x % 1_000_000_000) : ''}`;
	};
	return words(n);
}

export const HARI = ['Minggu', 'Senin', 'Selasa', 'Rabu', 'Kamis', 'Jumat', 'Sabtu'];
export const BULAN = ['Januari', 'Februari', 'Maret', 'April', 'Mei', 'Juni', 'Juli', 'Agustus', 'September', 'Oktober', 'November', 'Desember'];

/** "Senin tanggal delapan bulan November tahun dua ribu dua puluh satu" for 2021-11-08. */
export function tanggalTerbilang(isoDate: string): { day: string; words: string; short: string } {
	const [y, m, d] = isoDate.split('-').map(Number) as [number, number, number];
	const date = new Date(Date.UTC(y, m - 1, d));
	const day = HARI[date.getUTCDay()]!;
	return {
		day,
		words: `${day} tanggal ${terbilang(d)} bulan ${BULAN[m - 1]} tahun ${terbilang(y)}`,
		short: `${d} ${BULAN[m - 1]} ${y}`
	};
}
