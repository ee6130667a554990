import { beforeAll, describe, expect, it } from 'vitest';
import { useTestServer } from '../helpers/lifecycle';
import { Client } from '../helpers/http';

const FRAMER = 'https://layar.example.go.id';
const ctx = useTestServer({ env: { MUFAKAT_FRAME_ANCESTORS: FRAMER } });

const PNG = Buffer.from('89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d4944415478da63f8cfc0f01f0005000201a5f3ba9b0000000049454e44ae426082', 'hex');

async function signedIn(email: string) {
	const client = new Client(ctx.server.url);
	await client.login(email, 'mufakat-demo');
	return client;
}

async function postMultipart(client: Client, path: string, form: FormData) {
	return fetch(ctx.server.url + path, { method: 'POST', body: form, redirect: 'manual', headers: { cookie: client.cookieHeader(), origin: ctx.server.url, accept: 'text/html' } });
}

/** A numeric commitment of programme 1, recorded as the secretariat does. */
async function commitment(secretariat: Client, statement: string): Promise<{ id: number; number: string }> {
	expect((await secretariat.post('/forums/1/commitments?/create', { statements: statement, programmeId: '1' })).status).toBe(200);
	const { id, number } = await ctx.serverDb.one('select id, number from commitments where statement = ?', statement) as { id: number; number: string };
	const res = await secretariat.post(`/forums/1/commitments/${id}?/update`, {
		number,
		statement,
		programmeId: '1',
		type: 'numeric',
		status: 'active',
		direction: 'up',
		unit: 'orang',
		baselineValue: '0',
		targetValue: '40',
		leadInstitutionId: '1'
	});
	expect(res.status).toBe(200);
	return { id, number };
}

describe('security headers on the built server', () => {
	let moderator: Client;
	beforeAll(async () => {
		moderator = await signedIn('moderator@mufakat.test');
	});

	it('sends a CSP without inline script, and the other headers, on every main HTML page', async () => {
		const anonymous = new Client(ctx.server.url);
		const pages: [Client, string][] = [
			[anonymous, '/'],
			[anonymous, '/login'],
			[anonymous, '/verify'],
			[anonymous, '/join/TAMAN8'],
			[moderator, '/forums/1'],
			[moderator, '/workshops/3/projector']
		];
		for (const [client, path] of pages) {
			const res = await client.get(path);
			expect(res.status, path).toBe(200);
			expect(res.headers.get('content-type'), path).toMatch(/^text\/html/);
			const csp = res.headers.get('content-security-policy') ?? '';
			const directive = (name: string) => csp.split(';').map((d) => d.trim()).find((d) => d.startsWith(`${name} `)) ?? '';
			expect(directive('script-src'), path).toMatch(/^script-src 'self' 'nonce-[\w+/=-]+'$/);
			expect(directive('default-src'), path).toBe("default-src 'self'");
			expect(directive('object-src'), path).toBe("object-src 'none'");
			expect(directive('connect-src'), path).toBe("connect-src 'self' ws: wss:");
			expect(directive('frame-ancestors'), path).toBe(path.endsWith('/projector') ? `frame-ancestors ${FRAMER}` : "frame-ancestors 'none'");
			// The nonce in the header is the one on the page's own script.
			const nonce = /'nonce-([^']+)'/.exec(csp)![1];
			const html = await res.text();
			expect(html, path).toContain(`<script nonce="${nonce}">`);
			// Every other script is data (Kit's serialised fetches), never code.
			expect(html.match(/<script(?![^>]*(?:nonce=|type="application\/json"))[^>]*>/g) ?? [], path).toEqual([]);
			expect(res.headers.get('referrer-policy'), path).toBe('strict-origin-when-cross-origin');
			expect(res.headers.get('x-content-type-options'), path).toBe('nosniff');
			expect(res.headers.get('permissions-policy'), path).toContain('camera=()');
			expect(res.headers.get('permissions-policy'), path).toContain('microphone=()');
			expect(res.headers.get('permissions-policy'), path).toContain('geolocation=()');
			// Served over http (ORIGIN is http://127.0.0.1:…): no HSTS.
			expect(res.headers.get('strict-transport-security'), path).toBeNull();
		}
	});
});

describe('files in and out on the built server', () => {
	let secretariat: Client;
	let target: { id: number; number: string };
	beforeAll(async () => {
		secretariat = await signedIn('sekretariat@mufakat.test');
		target = await commitment(secretariat, 'Melatih 40 kader posyandu bersama Dinas Sosial');
	});

	it('imports a CSV saved by Excel in Windows-1252 as the right text', async () => {
		const text = `Nomor;Periode;Realisasi;Narasi;Pelapor\r\n${target.number};2026-T2;12;Dinas Sosial – Bidang Rehabilitasi;Syafi'i\r\n`;
		const bytes = Uint8Array.from([...text].map((ch) => (ch === '–' ? 0x96 : ch.charCodeAt(0))));
		const upload = () => {
			const form = new FormData();
			form.append('programmeId', '1');
			form.append('file', new Blob([bytes], { type: 'text/csv' }), 'laporan.csv');
			return form;
		};
		const checked = await postMultipart(secretariat, '/forums/1/commitments/import?/check', upload());
		expect(checked.status).toBe(200);
		expect(await checked.text()).toContain('Semua 1 baris benar.');
		const applied = await postMultipart(secretariat, '/forums/1/commitments/import?/apply', upload());
		expect(applied.status).toBe(200);
		expect(await applied.text()).toContain('1 laporan kemajuan diimpor.');
		const stored = await ctx.serverDb.one('select narrative, reporter_name r from progress_reports where commitment_id = ?', target.id) as { narrative: string; r: string };
		expect(stored).toEqual({ narrative: 'Dinas Sosial – Bidang Rehabilitasi', r: "Syafi'i" });
	});

	it('refuses a UTF-16 file without a BOM, naming its encoding in the user’s language', async () => {
		const text = `Nomor,Periode,Realisasi\r\n${target.number},2026-T3,14\r\n`;
		const form = new FormData();
		form.append('programmeId', '1');
		form.append('file', new Blob([Buffer.from(text, 'utf16le')], { type: 'text/csv' }), 'laporan.csv');
		const res = await postMultipart(secretariat, '/forums/1/commitments/import?/check', form);
		expect(res.status).toBe(400);
		expect(await res.text()).toContain('tampaknya berpengodean UTF-16 LE tanpa penanda urutan byte (BOM)');
	});

	it('stores and serves a PNG uploaded as foto.exe as foto.png, image/png', async () => {
		const form = new FormData();
		for (const [k, v] of Object.entries({ periodType: 'quarter', periodYear: '2026', periodIndex: '3', realisation: '20', narrative: 'Foto kegiatan', flag: 'on_track' })) form.append(k, v);
		form.append('evidence', new Blob([PNG], { type: 'application/x-msdownload' }), 'foto.exe');
		const filed = await postMultipart(secretariat, `/forums/1/commitments/${target.id}?/report`, form);
		expect(filed.status).toBeLessThan(400);
		const evidence = await ctx.serverDb.one("select e.id, e.original_name name from evidence_files e join progress_reports r on r.id = e.report_id where r.commitment_id = ? and e.kind != 'link'", target.id) as { id: number; name: string };
		expect(evidence.name).toBe('foto.png');
		const res = await secretariat.get(`/evidence/${evidence.id}`);
		expect(res.status).toBe(200);
		expect(res.headers.get('content-type')).toBe('image/png');
		expect(res.headers.get('content-disposition')).toBe("inline; filename*=UTF-8''foto.png");
		expect(res.headers.get('x-content-type-options')).toBe('nosniff');
		expect(Buffer.from(await res.arrayBuffer()).equals(PNG)).toBe(true);
	});
});
