/**
 * The hex string of a signature's /Contents is read strictly: whatever else a file puts there is
 * refused with a reason, never guessed at.
 */
import { describe, expect, it } from 'vitest';
import { parseSignatureContents, SignatureContentsError } from '../../src/lib/server/pdf/verify';

// SEQUENCE { INTEGER 5 }: the smallest DER object that starts like a CMS ContentInfo.
const der = '3003020105';

function refused(hex: string): string {
	try {
		parseSignatureContents(hex);
	} catch (error) {
		expect(error).toBeInstanceOf(SignatureContentsError);
		return (error as Error).message;
	}
	throw new Error(`accepted ${JSON.stringify(hex)}`);
}

describe('parseSignatureContents', () => {
	it('returns the DER and ignores the zero padding after it, in either case of hex digit', () => {
		expect(Buffer.from(parseSignatureContents(der)).toString('hex')).toBe(der);
		expect(Buffer.from(parseSignatureContents(der + '0'.repeat(64))).toString('hex')).toBe(der);
		expect(Buffer.from(parseSignatureContents('300302010A0000')).toString('hex')).toBe('300302010a');
	});

	it('refuses an odd number of hex digits', () => {
		expect(refused(der + '000')).toMatch(/odd number/);
	});

	it('refuses anything but hex digits: whitespace, letters past f, a stray bracket', () => {
		expect(refused('3003 020105')).toMatch(/other than hex digits/);
		expect(refused(der + '\n00')).toMatch(/other than hex digits/);
		expect(refused('3003020g05')).toMatch(/other than hex digits/);
		expect(refused(der + '>0')).toMatch(/other than hex digits/);
	});

	it('refuses data other than zeros after the DER', () => {
		expect(refused(der + '0001')).toMatch(/other than zero padding/);
		expect(refused(der + der)).toMatch(/other than zero padding/);
	});

	it('refuses an empty value, a value that is not DER, and a DER object that is not a SEQUENCE', () => {
		expect(refused('')).toMatch(/empty/);
		expect(refused('00000000')).toMatch(/not a DER object/);
		expect(refused('30ff0201')).toMatch(/not a DER object/);
		expect(refused('020105')).toMatch(/not a DER object/);
	});

	it('refuses an indefinite length (BER, not DER)', () => {
		expect(refused('3080020105' + '0000')).toMatch(/indefinite length|not a DER object/);
	});
});
