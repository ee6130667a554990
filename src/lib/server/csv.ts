/**
 * CSV in and out as Excel in Indonesian offices handles it. Out: UTF-8 with BOM (so "Syafiʼi"
 * survives), CRLF line ends, every field quoted when needed, formulas defused. In: whatever
 * encoding Excel or LibreOffice saved the file in, recognised from its bytes.
 */

/**
 * A cell a spreadsheet could run as a formula gets a leading apostrophe (OWASP "CSV injection").
 * Excel skips leading blanks before `=`, so the test is made after them; a tab or carriage return
 * at the very start is itself a trigger in some spreadsheets.
 */
export function defuseFormula(text: string): string {
	return /^[\t\r]/.test(text) || /^[ \t\r\n]*[=+\-@]/.test(text) ? `'${text}` : text;
}

/** The inverse, for our own exports coming back in through the import. */
export function undoFormulaDefusing(text: string): string {
	return text.startsWith("'") && defuseFormula(text.slice(1)) === text ? text.slice(1) : text;
}

export type CsvSeparator = ',' | ';';

/**
 * The list separator a spreadsheet in the reader's language expects: Excel with Indonesian regional
 * settings splits on ";" (the comma is its decimal mark) and opens a comma file as one column.
 */
export function csvSeparator(locale: 'id' | 'en'): CsvSeparator {
	return locale === 'id' ? ';' : ',';
}

/**
 * UTF-8 with BOM, CRLF. With ";" a fraction is written with a decimal comma ("12,5"), as the
 * spreadsheet that expects ";" reads numbers; the import reads both.
 */
export function toCsv(header: string[], rows: (string | number | null | undefined)[][], separator: CsvSeparator = ','): string {
	const line = (cells: (string | number | null | undefined)[]) =>
		cells
			.map((cell) => {
				// A number is written by us, never by a user: -5 stays a number, and "12,5" is not quoted into text.
				if (typeof cell === 'number') return separator === ';' ? String(cell).replace('.', ',') : String(cell);
				const text = cell == null ? '' : defuseFormula(cell);
				return /[",\r\n;]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
			})
			.join(separator);
	return '\uFEFF' + [line(header), ...rows.map(line)].join('\r\n') + '\r\n';
}

export type CsvEncoding = 'UTF-8' | 'UTF-16 LE' | 'UTF-16 BE' | 'Windows-1252';

/**
 * Why a file could not be read, with the encoding it appears to be in: UTF-16 without a
 * byte-order mark (whose byte order is only a guess), bytes invalid in the encoding its mark
 * announces, UTF-32, or bytes that are text in none of the encodings accepted.
 */
export type CsvDecodeRefusal =
	| { reason: 'noBom'; encoding: 'UTF-16 LE' | 'UTF-16 BE' }
	| { reason: 'invalid'; encoding: CsvEncoding }
	| { reason: 'unsupported'; encoding: 'UTF-32 LE' | 'UTF-32 BE' }
	| { reason: 'unknown' };

export type DecodedCsv = { ok: true; text: string; encoding: CsvEncoding } | ({ ok: false } & CsvDecodeRefusal);

const startsWith = (bytes: Uint8Array, prefix: number[]) => prefix.every((b, i) => bytes[i] === b);

function decodeStrict(bytes: Uint8Array, label: string): string | null {
	try {
		// The BOM, when there is one, is dropped by the decoder.
		return new TextDecoder(label, { fatal: true }).decode(bytes);
	} catch {
		return null;
	}
}

/** Text with NUL or other C0 controls besides tab, line feed, form feed and carriage return is not a CSV. */
const CONTROL = /[\u0000-\u0008\u000b\u000e-\u001f\u007f]/;

/**
 * UTF-16 without a mark: ASCII text has a zero byte in every other position. Looked at in the
 * first 4 KB, a quarter of either half being zero is far beyond any 8-bit text.
 */
function guessUtf16(bytes: Uint8Array): 'UTF-16 LE' | 'UTF-16 BE' | null {
	const n = Math.min(bytes.length, 4096) & ~1;
	if (n < 2) return null;
	let evenZeros = 0;
	let oddZeros = 0;
	for (let i = 0; i < n; i += 2) {
		if (bytes[i] === 0) evenZeros++;
		if (bytes[i + 1] === 0) oddZeros++;
	}
	const half = n / 2;
	if (oddZeros > half / 4 && oddZeros > evenZeros * 4) return 'UTF-16 LE';
	if (evenZeros > half / 4 && evenZeros > oddZeros * 4) return 'UTF-16 BE';
	return null;
}

/**
 * The text of an uploaded CSV: a byte-order mark decides (UTF-8, UTF-16 LE/BE); without one, valid
 * UTF-8 is UTF-8 and anything else is read as Windows-1252, what Excel on Windows writes by
 * default. Bytes Windows-1252 leaves undefined (0x81 0x8D 0x8F 0x90 0x9D) or control bytes mean
 * the file is in some other encoding, or not text at all, and it is refused rather than guessed.
 */
export function decodeCsvBytes(bytes: Uint8Array): DecodedCsv {
	const fromBom = (label: string, encoding: CsvEncoding): DecodedCsv => {
		const text = decodeStrict(bytes, label);
		return text === null || text.includes('\u0000') ? { ok: false, reason: 'invalid', encoding } : { ok: true, text, encoding };
	};
	if (startsWith(bytes, [0xff, 0xfe, 0x00, 0x00])) return { ok: false, reason: 'unsupported', encoding: 'UTF-32 LE' };
	if (startsWith(bytes, [0x00, 0x00, 0xfe, 0xff])) return { ok: false, reason: 'unsupported', encoding: 'UTF-32 BE' };
	if (startsWith(bytes, [0xef, 0xbb, 0xbf])) return fromBom('utf-8', 'UTF-8');
	if (startsWith(bytes, [0xff, 0xfe])) return fromBom('utf-16le', 'UTF-16 LE');
	if (startsWith(bytes, [0xfe, 0xff])) return fromBom('utf-16be', 'UTF-16 BE');

	const utf16 = guessUtf16(bytes);
	if (utf16) return { ok: false, reason: 'noBom', encoding: utf16 };

	const utf8 = decodeStrict(bytes, 'utf-8');
	if (utf8 !== null) return CONTROL.test(utf8) ? { ok: false, reason: 'unknown' } : { ok: true, text: utf8, encoding: 'UTF-8' };

	const text = decodeWindows1252(bytes);
	return text === null || CONTROL.test(text) ? { ok: false, reason: 'unknown' } : { ok: true, text, encoding: 'Windows-1252' };
}

/** 0x80–0x9F of Windows-1252; the rest is Latin-1. Undefined bytes are marked by an empty string. */
const CP1252_HIGH = [
	'€', '', '‚', 'ƒ', '„', '…', '†', '‡', 'ˆ', '‰', 'Š', '‹', 'Œ', '', 'Ž', '',
	'', '‘', '’', '“', '”', '•', '–', '—', '˜', '™', 'š', '›', 'œ', '', 'ž', 'Ÿ'
];

/**
 * By hand rather than with TextDecoder('windows-1252'): Node's decoder for that label reads
 * 0x80–0x9F as Latin-1 control characters, which turns Excel's en dash (0x96) into U+0096.
 */
function decodeWindows1252(bytes: Uint8Array): string | null {
	let text = '';
	for (const b of bytes) {
		if (b < 0x80 || b > 0x9f) text += String.fromCharCode(b);
		else if (CP1252_HIGH[b - 0x80]) text += CP1252_HIGH[b - 0x80];
		else return null;
	}
	return text;
}
