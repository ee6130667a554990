/**
 * Forums on the built server: the front door before and after set-up, an administrator creating a
 * WITA forum with a logo and downloading its letterhead sample, bad input refused with nothing
 * stored, the administration closed to everyone else, and area codes checked on the server.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashPassword } from '../../src/lib/server/auth';
import { Client } from '../helpers/http';
import { gifImage, pngLogo } from '../helpers/images';
import { useTestServer } from '../helpers/lifecycle';

const ctx = useTestServer();
const ADMIN = { email: 'admin@forum.test', password: 'kata-sandi-admin-2025' };
const TORAJA = {
	name: 'Forum Multipihak Toraja Utara',
	shortName: 'FMTU',
	level: 'kabupaten',
	regionCode: '73.26',
	secretariatAddress: 'Sekretariat: Bappelitbangda Kabupaten Toraja Utara\nJl. Ahmad Yani, Rantepao',
	place: '',
	timeZone: '',
	villageWord: 'lembang',
	numberingPattern: '{n}/BA/{forum}/{month}/{year}'
};

let writer: Database.Database;
let admin: Client;
let forumId: number;

beforeAll(() => {
	writer = new Database(ctx.server.dbPath);
	writer.pragma('busy_timeout = 5000');
});
afterAll(() => writer?.close());

const forumCount = async () => (await ctx.serverDb.one('select count(*) n from forums') as { n: number }).n;
const logoFiles = () => {
	const dir = join(ctx.server.dir, 'logos');
	return existsSync(dir) ? readdirSync(dir).filter((f) => !f.startsWith('.')) : [];
};
const text = (html: string) => html.replace(/<[^>]+>/g, ' ').replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&amp;/g, '&').replace(/\s+/g, ' ');

/** The forum form as a browser sends it: multipart, because of the logo. */
async function postForum(client: Client, path: string, fields: Record<string, string>, logo?: { bytes: Uint8Array; name: string; type: string }, extraCookie = '') {
	const form = new FormData();
	for (const [k, v] of Object.entries(fields)) form.append(k, v);
	if (logo) form.append('logo', new Blob([Buffer.from(logo.bytes)], { type: logo.type }), logo.name);
	return fetch(ctx.server.url + path, {
		method: 'POST',
		body: form,
		redirect: 'manual',
		headers: { cookie: [client.cookieHeader(), extraCookie].filter(Boolean).join('; '), origin: ctx.server.url, accept: 'text/html' }
	});
}

function pdfText(bytes: Buffer, name: string): string {
	const file = join(ctx.server.dir, name);
	writeFileSync(file, bytes);
	return execFileSync('pdftotext', ['-layout', file, '-'], { encoding: 'utf8' }).replace(/\s+/g, ' ');
}

describe('the front door', () => {
	it('says that set-up is pending until an administrator exists, and where to find the address', async () => {
		const home = await (await new Client(ctx.server.url).get('/')).text();
		expect(home).toContain('data-testid="setup-pending"');
		expect(text(home)).toContain('konsol server');

		await ctx.serverDb.run('insert into users (email, name, password_hash, is_admin) values (?, ?, ?, 1)', ADMIN.email, 'Administrator', hashPassword(ADMIN.password));
		const after = await (await new Client(ctx.server.url).get('/')).text();
		expect(after).not.toContain('data-testid="setup-pending"');
	});

	it('lists listed programmes with their public pages and links the verify page; an unlisted one stays reachable by its link', async () => {
		const anyone = new Client(ctx.server.url);
		let home = await (await anyone.get('/')).text();
		expect(home).toContain('href="/verify"');
		expect(home).toMatch(/href="\/p\/1"[^>]*>Program Kelurahan Mandiri</);
		expect(home).toMatch(/href="\/p\/2"/);

		await ctx.serverDb.run('update programmes set listed = 0 where id = 2');
		home = await (await anyone.get('/')).text();
		expect(home).not.toMatch(/href="\/p\/2"/);
		expect(home).toMatch(/href="\/p\/1"/);
		expect((await anyone.get('/p/2')).status).toBe(200);
		expect((await anyone.get('/p/1')).status).toBe(200);
	});
});

describe('an administrator', () => {
	beforeAll(async () => {
		admin = new Client(ctx.server.url);
		await admin.login(ADMIN.email, ADMIN.password);
	});

	it('finds a kabupaten anywhere in Indonesia with the area search', async () => {
		const res = await admin.get('/api/areas?q=toraja&levels=2', { headers: { accept: 'application/json' } });
		const { results } = (await res.json()) as { results: { code: string; name: string; within: string }[] };
		expect(results.map((r) => r.code)).toEqual(expect.arrayContaining(['73.18', '73.26']));
		// Without JavaScript the same search runs through the page itself.
		const page = text(await (await admin.get('/admin/forums/new?areaQuery=toraja&level=kabupaten&name=Forum+X')).text());
		expect(page).toContain('Kabupaten Toraja Utara');
	});

	it('creates a WITA forum with a logo; its page and its letterhead sample carry its identity', async () => {
		const logo = pngLogo();
		const res = await postForum(admin, '/admin/forums/new', TORAJA, { bytes: logo, name: 'logo-fmtu.png', type: 'image/png' });
		expect(res.status).toBe(303);
		const location = res.headers.get('location')!;
		forumId = Number(/\/admin\/forums\/(\d+)\?created=1$/.exec(location)?.[1]);
		expect(forumId).toBeGreaterThan(0);

		const row = await ctx.serverDb.one('select * from forums where id = ?', forumId) as Record<string, string>;
		expect(row).toMatchObject({ short_name: 'FMTU', level: 'kabupaten', regency_code: '73.26', time_zone: 'Asia/Makassar', village_word: 'lembang', place: 'Toraja Utara', logo_mime: 'image/png' });
		expect(logoFiles()).toEqual([row.logo_sha256]);

		const page = await (await admin.get(location)).text();
		expect(text(page)).toContain('Forum Multipihak Toraja Utara dibuat');
		expect(text(page)).toContain('Nomor berita acara berikutnya: 1/BA/FMTU/');
		expect(text(page)).toContain('Otomatis dari wilayah: WITA');
		expect(page).toContain(`src="/logos/${row.logo_sha256}"`);

		const served = await new Client(ctx.server.url).get(`/logos/${row.logo_sha256}`);
		expect(served.status).toBe(200);
		expect(served.headers.get('content-type')).toBe('image/png');
		expect(Buffer.from(await served.arrayBuffer()).equals(Buffer.from(logo))).toBe(true);
		expect((await new Client(ctx.server.url).get(`/logos/${'0'.repeat(64)}`)).status).toBe(404);

		const list = text(await (await admin.get('/admin/forums')).text());
		expect(list).toContain('FMTU');
		expect(list).toContain('WITA · lembang');

		const pdfRes = await admin.get(`/admin/forums/${forumId}/letterhead.pdf`);
		expect(pdfRes.status).toBe(200);
		const pdf = Buffer.from(await pdfRes.arrayBuffer());
		const sample = pdfText(pdf, 'kop.pdf');
		expect(sample).toContain('FORUM MULTIPIHAK TORAJA UTARA');
		expect(sample).toContain('Jl. Ahmad Yani, Rantepao');
		expect(sample).toMatch(/Nomor: 1\/BA\/FMTU\/(I|II|III|IV|V|VI|VII|VIII|IX|X|XI|XII)\/20\d\d/);
		expect(sample).toMatch(/pukul 09\.00 WITA, bertempat di Toraja Utara/);
		expect(sample).toMatch(/Sebutan desa di wilayah forum: Lembang, misalnya Lembang \w+/);
		expect(sample).toMatch(/Toraja Utara, \d{1,2} \w+ 20\d\d/);
		const file = join(ctx.server.dir, 'kop.pdf');
		const images = execFileSync('pdfimages', ['-list', file], { encoding: 'utf8' }).trim().split('\n').slice(2);
		expect(images.length).toBeGreaterThanOrEqual(1);
		expect(spawnSync('qpdf', ['--check', file], { encoding: 'utf8' }).status).toBe(0);
	});

	it('edits the forum: an override of the place and the zone sticks', async () => {
		const res = await postForum(admin, `/admin/forums/${forumId}`, { ...TORAJA, place: 'Rantepao', timeZone: 'Asia/Makassar' });
		expect(res.status).toBe(200);
		expect(text(await res.text())).toContain('Perubahan disimpan');
		const row = await ctx.serverDb.one('select place, time_zone, logo_sha256 from forums where id = ?', forumId) as Record<string, string | null>;
		// No new file chosen: the logo stays.
		expect(row).toMatchObject({ place: 'Rantepao', time_zone: 'Asia/Makassar' });
		expect(row.logo_sha256).toMatch(/^[0-9a-f]{64}$/);
	});

	it('is refused bad input with a clear message in the user’s language, and nothing is stored', async () => {
		const forums = await forumCount();
		const logos = logoFiles();
		const before = await ctx.serverDb.one('select * from forums where id = ?', forumId);
		const cases: [Record<string, string>, { bytes: Uint8Array; name: string; type: string } | undefined, string][] = [
			[{ ...TORAJA, shortName: 'X1', regionCode: '73.99' }, undefined, 'Kode wilayah 73.99 tidak ada dalam daftar resmi Kemendagri.'],
			[{ ...TORAJA, shortName: 'X2' }, { bytes: new Uint8Array(2 * 1024 * 1024).fill(7), name: 'besar.png', type: 'image/png' }, 'Logo terlalu besar: paling besar 1 MB.'],
			[{ ...TORAJA, shortName: 'X3' }, { bytes: new TextEncoder().encode('ini bukan gambar'), name: 'logo.png', type: 'image/png' }, 'Logo harus berupa gambar PNG atau JPEG.'],
			[{ ...TORAJA, shortName: 'X4' }, { bytes: gifImage(), name: 'logo.gif', type: 'image/gif' }, 'Logo harus berupa gambar PNG atau JPEG.'],
			[{ ...TORAJA, shortName: 'X5', name: '' }, { bytes: pngLogo(64, 64), name: 'logo.png', type: 'image/png' }, 'Wajib diisi.'],
			[{ ...TORAJA, shortName: 'X6', numberingPattern: 'BA/{forum}/{year}' }, undefined, 'Pola nomor harus memuat {n}']
		];
		for (const [fields, logo, message] of cases) {
			const res = await postForum(admin, '/admin/forums/new', fields, logo);
			expect(res.status, message).toBe(400);
			expect(text(await res.text())).toContain(message);
		}
		const english = await postForum(admin, '/admin/forums/new', { ...TORAJA, shortName: 'X7', regionCode: '73.99' }, undefined, 'mufakat_lang=en');
		expect(english.status).toBe(400);
		expect(text(await english.text())).toContain('The area code 73.99 is not in the official Kemendagri list.');
		const edit = await postForum(admin, `/admin/forums/${forumId}`, { ...TORAJA, regionCode: '73.26.99.2001' });
		expect(edit.status).toBe(400);

		expect(await forumCount()).toBe(forums);
		expect(logoFiles()).toEqual(logos);
		expect(await ctx.serverDb.one('select * from forums where id = ?', forumId)).toEqual(before);
	});
});

describe('everyone else', () => {
	it('cannot reach the forum administration: a moderator is forbidden, a participant and a stranger too', async () => {
		const forums = await forumCount();
		const moderator = new Client(ctx.server.url);
		await moderator.login('moderator@mufakat.test', 'mufakat-demo');
		for (const path of ['/admin/forums', '/admin/forums/new', `/admin/forums/${forumId}`, `/admin/forums/${forumId}/letterhead.pdf`]) expect((await moderator.get(path)).status, path).toBe(403);
		expect((await postForum(moderator, '/admin/forums/new', { ...TORAJA, shortName: 'M1' })).status).toBe(403);
		expect((await postForum(moderator, `/admin/forums/${forumId}`, { ...TORAJA, name: 'Diambil alih' })).status).toBe(403);

		const participant = new Client(ctx.server.url);
		const joined = await participant.post('/join/TAMAN8', { institutionId: '3', name: 'Peserta Penasaran', jabatan: 'Staf', gender: 'P', phone: '' });
		expect(joined.status).toBe(303);
		// A page asked for without a staff account sends the person to sign in.
		const page = await participant.get('/admin/forums');
		expect(page.status).toBe(303);
		expect(page.headers.get('location')).toMatch(/^\/login\?next=/);
		expect([401, 403]).toContain((await postForum(participant, '/admin/forums/new', { ...TORAJA, shortName: 'P1' })).status);
		expect([401, 403]).toContain((await postForum(participant, `/admin/forums/${forumId}`, { ...TORAJA, name: 'Diambil alih' })).status);

		const stranger = new Client(ctx.server.url);
		expect([401, 403]).toContain((await postForum(stranger, '/admin/forums/new', { ...TORAJA, shortName: 'S1' })).status);
		expect([401, 403]).toContain((await stranger.get('/api/areas?q=toraja', { headers: { accept: 'application/json' } })).status);

		expect(await forumCount()).toBe(forums);
		expect((await ctx.serverDb.one('select name from forums where id = ?', forumId) as { name: string }).name).toBe(TORAJA.name);
	});

	it('cannot slip an unknown area code past the server in a commitment site', async () => {
		const secretariat = new Client(ctx.server.url);
		await secretariat.login('sekretariat@mufakat.test', 'mufakat-demo');
		const sites = async () => (await ctx.serverDb.one('select count(*) n from commitment_sites') as { n: number }).n;
		const before = await sites();
		const res = await secretariat.post('/forums/1/commitments/1?/addSite', { _action: 'addSite', areaCode: '35.77.03.1099' });
		expect(res.status).toBe(400);
		expect(text(await res.text())).toContain('Kode wilayah 35.77.03.1099 tidak ada dalam daftar resmi Kemendagri.');
		const kabupaten = await secretariat.post('/forums/1/commitments/1?/addSite', { _action: 'addSite', areaCode: '35.77' });
		expect(kabupaten.status).toBe(400);
		expect(await sites()).toBe(before);
		// A village outside the forum's kota is a real place, and may be chosen.
		expect((await secretariat.post('/forums/1/commitments/1?/addSite', { _action: 'addSite', areaCode: '18.06.20.2005' })).status).toBe(200);
		expect(await sites()).toBe(before + 1);
	});
});
