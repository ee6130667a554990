import type { Handle } from '@sveltejs/kit';
import { describe, expect, it } from 'vitest';
import { readImportText } from '../../src/lib/server/commitments/commitment-import';
import { decodeCsvBytes, defuseFormula, toCsv, undoFormulaDefusing } from '../../src/lib/server/csv';
import { nameForType, prepareEvidence, sniffEvidenceType } from '../../src/lib/server/commitments/evidence';
import { projectorFrameAncestors, securityHeaderSettings, securityHeaders } from '../../src/lib/server/security-headers';
import { InputError } from '../../src/lib/server/validation';

/** "Syafi'i" and "Dinas Sosial – Bidang" as Excel on Windows saves them: Windows-1252, en dash 0x96. */
const cp1252 = (s: string) => new Uint8Array([...s].map((ch) => (ch === '–' ? 0x96 : ch === '’' ? 0x92 : ch.charCodeAt(0))));
const utf16le = (s: string, bom = true) => {
	const out = new Uint8Array((bom ? 2 : 0) + s.length * 2);
	if (bom) out.set([0xff, 0xfe]);
	for (let i = 0; i < s.length; i++) {
		const code = s.charCodeAt(i);
		out[(bom ? 2 : 0) + i * 2] = code & 0xff;
		out[(bom ? 2 : 0) + i * 2 + 1] = code >> 8;
	}
	return out;
};
const CSV = "Nomor;Pelapor;Narasi\r\nK-01;Syafi'i;Dinas Sosial – Bidang Rehabilitasi\r\n";

describe('CSV import encodings', () => {
	it('reads UTF-8 with and without a BOM, keeping ʼ and –', () => {
		const text = 'Nomor,Pelapor\r\nK-01,Syafiʼi – Dinsos\r\n';
		const plain = new TextEncoder().encode(text);
		expect(decodeCsvBytes(plain)).toEqual({ ok: true, text, encoding: 'UTF-8' });
		expect(decodeCsvBytes(new Uint8Array([0xef, 0xbb, 0xbf, ...plain]))).toEqual({ ok: true, text, encoding: 'UTF-8' });
	});

	it('reads UTF-16 LE and BE with a BOM', () => {
		expect(decodeCsvBytes(utf16le(CSV))).toEqual({ ok: true, text: CSV, encoding: 'UTF-16 LE' });
		const le = utf16le(CSV);
		const be = new Uint8Array(le.length);
		for (let i = 0; i < le.length; i += 2) (be[i] = le[i + 1]!), (be[i + 1] = le[i]!);
		expect(decodeCsvBytes(be)).toEqual({ ok: true, text: CSV, encoding: 'UTF-16 BE' });
	});

	it('reads what Excel writes by default (Windows-1252) as the right text', () => {
		const bytes = cp1252(CSV);
		expect(bytes).toContain(0x96);
		expect(decodeCsvBytes(bytes)).toEqual({ ok: true, text: CSV, encoding: 'Windows-1252' });
		expect(decodeCsvBytes(cp1252('Nama\r\nSyafi’i\r\n'))).toMatchObject({ text: 'Nama\r\nSyafi’i\r\n' });
	});

	it('refuses UTF-16 without a BOM, UTF-32 and undecodable bytes, naming what it found', () => {
		expect(decodeCsvBytes(utf16le(CSV, false))).toEqual({ ok: false, reason: 'noBom', encoding: 'UTF-16 LE' });
		expect(decodeCsvBytes(new Uint8Array([0xff, 0xfe, 0, 0, 0x41, 0, 0, 0]))).toEqual({ ok: false, reason: 'unsupported', encoding: 'UTF-32 LE' });
		// 0x81 and 0x8D are not characters in Windows-1252 (here: GBK bytes), and a PNG is not text.
		expect(decodeCsvBytes(new Uint8Array([0x4e, 0x6f, 0x0a, 0xb1, 0x81, 0xd5, 0x8d]))).toEqual({ ok: false, reason: 'unknown' });
		expect(decodeCsvBytes(new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13]))).toEqual({ ok: false, reason: 'unknown' });
		// A UTF-8 BOM followed by bytes that are not UTF-8.
		expect(decodeCsvBytes(new Uint8Array([0xef, 0xbb, 0xbf, 0x41, 0xff]))).toEqual({ ok: false, reason: 'invalid', encoding: 'UTF-8' });
	});

	it('turns an uploaded file into text or into a message for the user', async () => {
		const upload = (bytes: Uint8Array<ArrayBuffer>) => {
			const form = new FormData();
			form.set('file', new File([bytes], 'laporan.csv', { type: 'text/csv' }));
			return readImportText(form);
		};
		expect(await upload(cp1252(CSV))).toBe(CSV);
		const refused = await upload(utf16le(CSV, false)).catch((e: unknown) => e);
		expect(refused).toBeInstanceOf(InputError);
		expect((refused as InputError).errors.file).toEqual({ key: 'import.encodingNoBom', params: { encoding: 'UTF-16 LE' } });
	});
});

describe('CSV export formula defusing', () => {
	it('defuses =, +, -, @ after leading blanks, and a leading tab or carriage return', () => {
		for (const cell of ['=1+1', '+62 812', '-2', '@SUM(A1)', ' =1+1', '\t=HYPERLINK("x")', '\r\n@x', '  \t-1', '\tplain', '\rplain'])
			expect(defuseFormula(cell)).toBe(`'${cell}`);
		for (const cell of ['Syafiʼi', 'a=b', '1-2', "'=already", '', ' plain']) expect(defuseFormula(cell)).toBe(cell);
	});

	it('applies to every exported cell but numbers, and the import takes the apostrophe off again', () => {
		const csv = toCsv(['a', 'b', 'c'], [[' =cmd|"/c calc"!A1', -5, '\t@x']]);
		expect(csv).toBe('\uFEFFa,b,c\r\n"\' =cmd|""/c calc""!A1",-5,\'\t@x\r\n');
		for (const cell of ['=1', ' +2', '\tplain', "'quoted", 'plain']) expect(undoFormulaDefusing(defuseFormula(cell))).toBe(cell);
	});
});

describe('evidence type and name', () => {
	const png = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13]);
	const jpeg = new Uint8Array([0xff, 0xd8, 0xff, 0xe0, 0, 16]);
	const webp = new TextEncoder().encode('RIFF\u0000\u0000\u0000\u0000WEBPVP8 ');
	const pdf = new TextEncoder().encode('%PDF-1.7\n');

	it('detects JPEG, PNG, WebP and PDF by their first bytes only', () => {
		expect([png, jpeg, webp, pdf].map(sniffEvidenceType)).toEqual(['image/png', 'image/jpeg', 'image/webp', 'application/pdf']);
		expect(sniffEvidenceType(new TextEncoder().encode('MZ\x90\x00'))).toBeNull();
		expect(sniffEvidenceType(new TextEncoder().encode('<svg onload=alert(1)>'))).toBeNull();
	});

	it('names a stored file with the extension of its detected type', () => {
		expect(prepareEvidence('foto.exe', png, png.length)).toMatchObject({ name: 'foto.png', mimeType: 'image/png' });
		expect(prepareEvidence('scan.PDF', pdf, pdf.length)).toMatchObject({ name: 'scan.PDF' });
		expect(prepareEvidence('kegiatan', jpeg, jpeg.length)).toMatchObject({ name: 'kegiatan.jpg' });
		expect(nameForType('Foto kegiatan.JPEG', 'image/jpeg')).toBe('Foto kegiatan.JPEG');
		expect(nameForType('laporan.pdf.html', 'application/pdf')).toBe('laporan.pdf.pdf');
		expect(nameForType('foto.png', 'image/webp')).toBe('foto.webp');
		expect(nameForType('...', 'image/png')).toBe('bukti.png');
	});
});

describe('security headers hook', () => {
	const run = async (env: Record<string, string | undefined>, path: string, csp = "default-src 'self'; frame-ancestors 'none'") => {
		const handle = securityHeaders(securityHeaderSettings(env));
		const event = { url: new URL(`http://127.0.0.1${path}`) } as Parameters<Handle>[0]['event'];
		const response = await handle({ event, resolve: async () => new Response('<html></html>', { headers: { 'content-type': 'text/html', 'content-security-policy': csp } }) });
		return response.headers;
	};

	it('sends HSTS only when the server is reached over https', async () => {
		expect((await run({ ORIGIN: 'https://mufakat.kupangkab.go.id' }, '/')).get('strict-transport-security')).toBe('max-age=31536000');
		expect((await run({ PUBLIC_URL: 'https://mufakat.example.id/' }, '/')).get('strict-transport-security')).toBe('max-age=31536000');
		expect((await run({ ORIGIN: 'http://192.168.1.10:3000' }, '/')).get('strict-transport-security')).toBeNull();
		expect((await run({}, '/')).get('referrer-policy')).toBe('strict-origin-when-cross-origin');
	});

	it('lets only the projector be framed, and only by sources an operator named well', async () => {
		const env = { MUFAKAT_FRAME_ANCESTORS: "'self' https://layar.example.go.id" };
		expect((await run(env, '/workshops/3/projector')).get('content-security-policy')).toBe("default-src 'self'; frame-ancestors 'self' https://layar.example.go.id");
		expect((await run(env, '/workshops/3')).get('content-security-policy')).toContain("frame-ancestors 'none'");
		expect((await run({}, '/workshops/3/projector')).get('content-security-policy')).toContain("frame-ancestors 'none'");
		expect(projectorFrameAncestors("https://a.example; script-src 'unsafe-inline'")).toBeNull();
		expect(projectorFrameAncestors('*')).toBe('*');
	});
});
