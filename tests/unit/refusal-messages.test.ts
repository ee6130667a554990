import { describe, expect, it } from 'vitest';
import { decodeRefusal, encodeRefusal, REFUSAL_CODES, type Refusal } from '../../src/lib/collab/refusals';
import { describeRefusal } from '../../src/lib/components/matrix/format';
import { translate, type Locale, type MessageKey } from '../../src/lib/i18n/translate';

/** The matrix as the browser holds it: names, not ids, are what a person knows. */
const matrix = {
	rows: [
		{ id: '8', name: 'Kelurahan Taman', shortName: 'Kel. Taman', sector: 'pemerintah', locked: true, position: 0 },
		{ id: '14', name: 'PT Industri Kereta Api (Persero)', shortName: '', sector: 'bisnis', locked: false, position: 1 }
	],
	components: [{ id: '1', name: 'Kapasitas warga', locked: false, position: 0 }]
} as unknown as Parameters<typeof describeRefusal>[1];

const say = (refusal: Refusal, locale: Locale) =>
	describeRefusal(decodeRefusal(encodeRefusal(refusal)), matrix, (key: MessageKey, params?: Record<string, string | number>) => translate(locale, key, params));

/** Words of the Indonesian catalogue that an English reader must not meet in a refusal. */
const INDONESIAN = /\b(baris|kolom|dikunci|lembaga|isian|tidak|sah|uraian|hanya|matriks|dibekukan|peran|bagian|itu|persetujuan)\b/i;
/** What the server used to send as text, and ids or keys that mean nothing to a person. */
const SERVER_TEXT = /\b(row|cell) \d+|belongs to another|\d+:\d+|\bfoundation\b|collab\.refusal/;

describe('refusal reasons from the live server, as a person reads them', () => {
	it('name the institution and the component as the matrix does, in Indonesian and in English', () => {
		expect(say({ code: 'rowLocked', institutionId: '8' }, 'id')).toBe('baris Kel. Taman dikunci moderator');
		expect(say({ code: 'rowLocked', institutionId: '8' }, 'en')).toBe('the moderator locked the row of Kel. Taman');
		expect(say({ code: 'foreignRow', institutionId: '14', componentId: '1' }, 'id')).toBe('baris PT Industri Kereta Api (Persero) bukan milik lembaga Anda');
		expect(say({ code: 'foreignRow', institutionId: '14', componentId: '1' }, 'en')).toBe('the row of PT Industri Kereta Api (Persero) is not your institution’s');
		expect(say({ code: 'columnLocked', componentId: '1' }, 'en')).toBe('the moderator locked the column Kapasitas warga');
	});

	it('name the field by its label, including consent and the minutes', () => {
		expect(say({ code: 'invalidValue', field: 'valueRupiah', institutionId: '8', componentId: '1' }, 'en')).toBe('the value of Value (Rupiah) is not valid');
		expect(say({ code: 'invalidValue', field: 'consent', institutionId: '8' }, 'id')).toBe('isian Persetujuan tidak sah');
		expect(say({ code: 'invalidValue', field: 'consent', institutionId: '8' }, 'en')).toBe('the value of Consent is not valid');
		expect(say({ code: 'invalidValue', field: 'points' }, 'en')).toBe('the value of Points agreed is not valid');
		expect(say({ code: 'descriptionTooLong', limit: 2000 }, 'id')).toBe('uraian lebih dari 2000 karakter');
	});

	it('never show an id or a document key: unknown ones get the unnamed wording', () => {
		expect(say({ code: 'rowLocked', institutionId: '99' }, 'en')).toBe('the moderator locked that row');
		expect(say({ code: 'columnLocked', componentId: '77' }, 'id')).toBe('kolom itu dikunci moderator');
		expect(say({ code: 'invalidValue', field: 'agendaIndex' }, 'en')).toBe('a value is not valid');
		expect(say({ code: 'invalidValue', field: 'toString' }, 'id')).toBe('ada isian yang tidak sah');
		expect(say({ code: 'invalidValue', field: '?' }, 'en')).not.toContain('?');
	});

	it('an old server’s English text becomes the generic reason in the reader’s language', () => {
		const old = (text: string, locale: Locale) => describeRefusal(decodeRefusal(text), matrix, (key: MessageKey, params?: Record<string, string | number>) => translate(locale, key, params));
		expect(old('row 8 is locked', 'id')).toBe('peran Anda tidak boleh mengubah bagian ini');
		expect(old('cell 14:1 belongs to another institution', 'en')).toBe('your role may not change this part');
	});

	it('every code, with and without names, reads as a sentence of the reader’s language and nothing else', () => {
		const variants: Omit<Refusal, 'code'>[] = [{}, { institutionId: '8', componentId: '1', field: 'description', limit: 5 }, { institutionId: '99', componentId: '77', field: 'x' }];
		for (const code of REFUSAL_CODES)
			for (const rest of variants) {
				const english = say({ code, ...rest }, 'en');
				const indonesian = say({ code, ...rest }, 'id');
				expect(english, code).not.toMatch(INDONESIAN);
				expect(english, code).not.toMatch(SERVER_TEXT);
				expect(indonesian, code).not.toMatch(SERVER_TEXT);
				for (const text of [english, indonesian]) {
					expect(text, code).not.toMatch(/\{\w+\}/);
					expect(text, code).not.toMatch(/\b(99|77)\b/);
					expect(text.trim(), code).not.toBe('');
				}
				expect(english, code).not.toBe(indonesian);
			}
	});
});
