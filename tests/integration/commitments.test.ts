import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { useTestServer } from '../helpers/lifecycle';
import { MAX_EVIDENCE_BYTES } from '../../src/lib/server/commitments/evidence';
import { Client } from '../helpers/http';

const ctx = useTestServer();

const count = async (sql: string, ...args: unknown[]) => (await ctx.serverDb.one(sql, ...args) as { n: number }).n;
const evidenceFiles = () => {
	const dir = join(ctx.server.dir, 'evidence');
	return existsSync(dir) ? readdirSync(dir) : [];
};
const PNG = Buffer.from('89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d4944415478da63f8cfc0f01f0005000201a5f3ba9b0000000049454e44ae426082', 'hex');

/** A multipart form post as a browser sends it without JavaScript (files need multipart). */
async function postMultipart(client: Client, path: string, fields: Record<string, string>, files: { name: string; type: string; bytes: Uint8Array<ArrayBuffer> }[] = []) {
	const form = new FormData();
	for (const [k, v] of Object.entries(fields)) form.append(k, v);
	for (const f of files) form.append('evidence', new Blob([f.bytes], { type: f.type }), f.name);
	return fetch(ctx.server.url + path, { method: 'POST', body: form, redirect: 'manual', headers: { cookie: client.cookieHeader(), origin: ctx.server.url, accept: 'text/html' } });
}

async function signedIn(email: string) {
	const client = new Client(ctx.server.url);
	await client.login(email, 'mufakat-demo');
	return client;
}

/** Records a commitment the way the secretariat does: a line of text, then completed. */
async function commitment(secretariat: Client, statement: string, lead: number, target: string): Promise<number> {
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
		targetValue: target,
		leadInstitutionId: String(lead)
	});
	expect(res.status).toBe(200);
	return id;
}

async function participantOf(moderator: Client, institutionId: number, name: string) {
	const created = await moderator.post('/forums/1/workshops/new', { title: 'Rapat Monev Triwulan', date: '2026-11-26', startTime: '09:00', place: 'Aula Kelurahan Taman', kind: 'rapat_koordinasi', programmeId: '1' });
	const id = Number(created.headers.get('location')!.split('/').pop());
	await moderator.post(`/workshops/${id}?/status`, { status: 'live' });
	const code = (await ctx.serverDb.one('select join_code c from workshops where id = ?', id) as { c: string }).c;
	const client = new Client(ctx.server.url);
	const joined = await client.post(`/join/${code}`, { institutionId: String(institutionId), name, jabatan: 'Staf', gender: 'P', phone: '' });
	expect(joined.status).toBe(303);
	// The general code makes a viewer until the moderator confirms them on the daftar hadir.
	const entry = await ctx.serverDb.one('select id from attendance where workshop_id = ? and name = ?', id, name) as { id: number };
	expect((await moderator.post(`/workshops/${id}/attendance?/confirm`, { _action: 'confirm', id: String(entry.id) })).status).toBe(200);
	return { client, code, workshopId: id };
}

const report = (over: Record<string, string> = {}) => ({ periodType: 'quarter', periodYear: '2026', periodIndex: '3', realisation: '12', narrative: 'Pelatihan kader', flag: 'on_track', ...over });

describe('commitments, progress reports and evidence on the built server', () => {
	let secretariat: Client;
	let own: number;
	let other: number;
	let rep: { client: Client; code: string; workshopId: number };

	beforeAll(async () => {
		secretariat = await signedIn('sekretariat@mufakat.test');
		own = await commitment(secretariat, 'Melatih 40 kader posyandu di Kelurahan Taman', 1, '40');
		other = await commitment(secretariat, 'Pendampingan TJSL untuk 10 UMKM lapak', 14, '10');
		rep = await participantOf(await signedIn('moderator@mufakat.test'), 1, 'Anita Rahmawati');
	});

	it('lets a representative see and report only their own institution’s commitments', async () => {
		const list = await (await rep.client.get(`/w/${rep.code}/reports`)).text();
		expect(list).toContain('Melatih 40 kader posyandu');
		expect(list).not.toContain('Pendampingan TJSL');
		expect((await rep.client.get(`/w/${rep.code}/reports/${other}`)).status).toBe(403);

		const before = await count('select count(*) n from progress_reports');
		const forged = await postMultipart(rep.client, `/w/${rep.code}/reports/${other}?/report`, report(), [{ name: 'foto.png', type: 'image/png', bytes: PNG }]);
		expect(forged.status).toBe(403);
		expect(await forged.text()).toContain('Anda hanya dapat melapor untuk komitmen yang dipimpin lembaga Anda.');
		expect(await count('select count(*) n from progress_reports')).toBe(before);
		expect(evidenceFiles()).toEqual([]);
		// The follow-up workshop opens with what changed since the previous meeting of the programme.
		const setup = await (await secretariat.get(`/workshops/${rep.workshopId}`)).text();
		expect(setup).toContain('Keadaan komitmen sejak pertemuan sebelumnya');
		const review = setup.slice(setup.indexOf('data-testid="commitment-review"'));
		expect(review).toContain('Melatih 40 kader posyandu di Kelurahan Taman');
		// Staff pages stay closed to a participant session, whatever the commitment.
		expect((await rep.client.post(`/forums/1/commitments/${other}?/report`, report())).status).toBe(403);
	});

	it('refuses evidence of a wrong type or over the size limit with a clear message, storing nothing', async () => {
		const before = await count('select count(*) n from progress_reports');
		const disguised = await postMultipart(rep.client, `/w/${rep.code}/reports/${own}?/report`, report(), [
			{ name: 'foto-kegiatan.jpg', type: 'image/jpeg', bytes: new TextEncoder().encode('MZ\x90\x00 bukan foto') }
		]);
		expect(disguised.status).toBe(400);
		const typeHtml = await disguised.text();
		expect(typeHtml).toMatch(/Berkas (&quot;|")foto-kegiatan\.jpg(&quot;|") bukan foto \(JPG, PNG, WebP\) atau PDF\. Tidak ada yang disimpan\./);
		expect(typeHtml).toContain('Pelatihan kader');

		const huge = new Uint8Array(MAX_EVIDENCE_BYTES + 1);
		huge.set(PNG);
		const tooBig = await postMultipart(rep.client, `/w/${rep.code}/reports/${own}?/report`, report(), [
			{ name: 'foto.png', type: 'image/png', bytes: PNG },
			{ name: 'foto-besar.png', type: 'image/png', bytes: huge }
		]);
		expect(tooBig.status).toBe(400);
		expect(await tooBig.text()).toMatch(/Berkas (&quot;|")foto-besar\.png(&quot;|") terlalu besar: paling besar 5 MB\. Tidak ada yang disimpan\./);

		expect(await count('select count(*) n from progress_reports')).toBe(before);
		expect(await count("select count(*) n from evidence_files where kind != 'link'")).toBe(0);
		expect(evidenceFiles()).toEqual([]);
	});

	it('stores good evidence under its hash and serves it only to those allowed', async () => {
		const filed = await postMultipart(rep.client, `/w/${rep.code}/reports/${own}?/report`, report(), [{ name: 'foto.png', type: 'application/octet-stream', bytes: PNG }]);
		expect(filed.status).toBe(303);
		expect(filed.headers.get('location')).toBe(`/w/${rep.code}/reports?saved=1`);
		const evidence = await ctx.serverDb.one('select e.id, e.sha256, e.mime_type m from evidence_files e join progress_reports r on r.id = e.report_id where r.commitment_id = ?', own) as { id: number; sha256: string; m: string };
		expect(evidence.m).toBe('image/png');
		expect(evidenceFiles()).toEqual([evidence.sha256]);

		const mine = await rep.client.get(`/evidence/${evidence.id}`);
		expect(mine.status).toBe(200);
		expect(mine.headers.get('content-type')).toBe('image/png');
		expect(Buffer.from(await mine.arrayBuffer()).equals(PNG)).toBe(true);
		expect((await secretariat.get(`/evidence/${evidence.id}`)).status).toBe(200);
		expect((await new Client(ctx.server.url).get(`/evidence/${evidence.id}`)).status).toBe(401);
		const inka = await participantOf(await signedIn('moderator@mufakat.test'), 14, 'Lina Marlina');
		expect((await inka.client.get(`/evidence/${evidence.id}`)).status).toBe(403);
	});

	it('checks an import row by row and changes nothing while one row is bad', async () => {
		const number = async (id: number) => (await ctx.serverDb.one('select number from commitments where id = ?', id) as { number: string }).number;
		const csv = [
			'Nomor;Periode;Realisasi;Status;Narasi',
			`${await number(own)};2026-T4;20;sesuai rencana;"Angkatan 2; di balai RW"`,
			`${await number(other)};2026-T4;4;;`,
			`${await number(other)};2026-T5;5;;`
		].join('\n');
		const before = await count('select count(*) n from progress_reports');
		const checked = await secretariat.post('/forums/1/commitments/import?/check', { programmeId: '1', csv });
		expect(checked.status).toBe(200);
		const html = await checked.text();
		expect(html).toContain('1 masalah pada 3 baris data');
		expect(html).toMatch(/<td>4<\/td><td>Periode<\/td><td>Periode (&quot;|")2026-T5(&quot;|") tidak dikenal/);

		const applied = await secretariat.post('/forums/1/commitments/import?/apply', { programmeId: '1', csv });
		expect(applied.status).toBe(400);
		expect(await count('select count(*) n from progress_reports')).toBe(before);

		const fixed = csv.replace('2026-T5', '2026-T3');
		const ok = await secretariat.post('/forums/1/commitments/import?/apply', { programmeId: '1', csv: fixed });
		expect(ok.status).toBe(200);
		expect(await ok.text()).toContain('3 laporan kemajuan diimpor.');
		expect(await count('select count(*) n from progress_reports')).toBe(before + 3);
	});
});
