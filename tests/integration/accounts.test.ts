import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client } from '../helpers/http';
import { useTestServer } from '../helpers/lifecycle';
import { removeDir, startServer } from '../helpers/server';
import { freshPostgresDatabase, testPostgresUrl } from '../helpers/db';
import { openServerDb } from '../helpers/server-db';

const ctx = useTestServer({ env: { MUFAKAT_DEMO: 'off' } });

const ADMIN = { name: 'Administrator Lampung', email: 'admin@forum-lampung.test', password: 'kopi robusta dari way kanan' };
const MODERATOR = { name: 'Maya Sari', email: 'maya@forum-lampung.test', password: 'perahu kecil di teluk semaka' };

const count = async (sql: string, ...args: unknown[]) => (await ctx.serverDb.one(sql, ...args) as { n: number }).n;
const users = () => count('select count(*) n from users');
const links = () => count('select count(*) n from access_links');
const members = () => count('select count(*) n from forum_members');

/** Forums are made by the administrator's forum pages (another part of this issue); here, straight in the table. */
function createForum(name: string, shortName: string): Promise<number> {
	return ctx.serverDb.insert('insert into forums (name, short_name, village_word) values (?, ?, ?)', name, shortName, 'kampung');
}

function linkPath(html: string, kind: 'invite' | 'reset'): string {
	const found = html.match(new RegExp(`href="[^"]*(/${kind}/[A-Za-z0-9_-]+)"`));
	if (!found) throw new Error(`no ${kind} link in the page`);
	return found[1]!;
}

async function invite(by: Client, forumId: number, role: string, name: string, email = ''): Promise<string> {
	const res = await by.post(`/forums/${forumId}/people?/invite`, { role, name, email, days: '7' });
	expect(res.status).toBe(200);
	return linkPath(await res.text(), 'invite');
}

async function acceptNew(path: string, person: { name: string; email: string; password: string }): Promise<Client> {
	const invitee = new Client(ctx.server.url);
	const res = await invitee.post(`${path}?/create`, { _action: 'create', name: person.name, email: person.email, password: person.password, passwordConfirm: person.password });
	expect(res.status).toBe(303);
	return invitee;
}

describe('first run, invitations and roles on an empty database without the demo', () => {
	let setupPath = '';
	let forumId = 0;
	let otherForumId = 0;
	let admin!: Client;
	let moderator!: Client;

	beforeAll(() => {
		admin = new Client(ctx.server.url);
		moderator = new Client(ctx.server.url);
	});

	it('prints a one-time Setup address at start-up and shows no demo band', async () => {
		const line = ctx.server.output().match(/^Setup: (\S+)$/m);
		expect(line, ctx.server.output()).not.toBeNull();
		const url = new URL(line![1]!);
		expect(url.pathname).toMatch(/^\/setup\/[A-Za-z0-9_-]{20,}$/);
		setupPath = url.pathname;
		const home = await (await new Client(ctx.server.url).get('/')).text();
		expect(home).not.toContain('Mode demo');
		const bare = await new Client(ctx.server.url).get('/setup');
		expect(await bare.text()).toContain('konsol server');
	});

	it('refuses a wrong set-up token with a message and creates nothing', async () => {
		const stranger = new Client(ctx.server.url);
		const page = await stranger.get('/setup/tebakan-salah');
		expect(page.status).toBe(404);
		expect(await page.text()).toContain('Alamat setup ini salah');
		const post = await stranger.post('/setup/tebakan-salah', { ...ADMIN, passwordConfirm: ADMIN.password });
		expect(post.status).toBe(404);
		expect(await users()).toBe(0);
	});

	it('creates the administrator from the printed address, once; the administrator then signs in', async () => {
		const first = new Client(ctx.server.url);
		expect((await first.get(setupPath)).status).toBe(200);
		const weak = await first.post(setupPath, { name: ADMIN.name, email: ADMIN.email, password: 'admin12345', passwordConfirm: 'admin12345' });
		expect(weak.status).toBe(400);
		const weakHtml = await weak.text();
		expect(weakHtml).toContain('terlalu umum');
		expect(weakHtml).not.toContain('admin12345');
		expect(await users()).toBe(0);

		const done = await first.post(setupPath, { ...ADMIN, passwordConfirm: ADMIN.password });
		expect(done.status).toBe(303);
		expect(done.headers.get('location')).toBe('/admin');
		expect(await count('select count(*) n from users where is_admin = 1 and email = ?', ADMIN.email)).toBe(1);
		expect(await count("select count(*) n from settings where key = 'setup_token_sha256'")).toBe(0);

		const again = await new Client(ctx.server.url).post(setupPath, { ...ADMIN, email: 'kedua@forum-lampung.test', passwordConfirm: ADMIN.password });
		expect(again.status).toBe(410);
		expect(await again.text()).toContain('sudah dipakai');
		expect(await users()).toBe(1);

		await admin.login(ADMIN.email, ADMIN.password);
		const accounts = await admin.get('/admin');
		expect(accounts.status).toBe(200);
		expect(await accounts.text()).toContain(ADMIN.email);
	});

	it('invites a moderator by a single-use link that a second browser accepts; the moderator then signs in', async () => {
		forumId = await createForum('Forum Kampung Mandiri Kabupaten Way Kanan', 'FKM Way Kanan');
		otherForumId = await createForum('Forum Multipihak Kota Kupang', 'FMK Kupang');
		const path = await invite(admin, forumId, 'moderator', MODERATOR.name, MODERATOR.email);
		expect(await links()).toBe(1);

		const invitee = new Client(ctx.server.url);
		const offer = await (await invitee.get(path)).text();
		expect(offer).toContain('FKM Way Kanan');
		expect(offer).toContain('Moderator');
		const weak = await invitee.post(`${path}?/create`, { _action: 'create', name: MODERATOR.name, email: MODERATOR.email, password: 'maya-way-kanan', passwordConfirm: 'maya-way-kanan' });
		expect(weak.status).toBe(400);
		expect(await weak.text()).toContain('bagian depan alamat email');
		expect(await users()).toBe(1);

		const accepted = await invitee.post(`${path}?/create`, { _action: 'create', name: MODERATOR.name, email: MODERATOR.email, password: MODERATOR.password, passwordConfirm: MODERATOR.password });
		expect(accepted.status).toBe(303);
		expect(accepted.headers.get('location')).toBe(`/forums/${forumId}`);
		expect((await invitee.get(`/forums/${forumId}`)).status).toBe(200);

		const reused = await new Client(ctx.server.url).post(`${path}?/create`, { _action: 'create', name: 'Orang Lain', email: 'lain@forum-lampung.test', password: MODERATOR.password, passwordConfirm: MODERATOR.password });
		expect(reused.status).toBe(410);
		expect(await reused.text()).toContain('sudah dipakai');
		expect(await users()).toBe(2);

		await moderator.login(MODERATOR.email, MODERATOR.password);
		const people = await (await moderator.get(`/forums/${forumId}/people`)).text();
		expect(people).toContain(MODERATOR.email);
		expect(people).toContain('Tidak ada undangan terbuka.');
	});

	it('refuses a revoked invitation with a message', async () => {
		const path = await invite(moderator, forumId, 'secretariat', 'Sekar Ayu');
		const id = (await ctx.serverDb.one("select id from access_links where kind = 'invite' and used_at is null") as { id: number }).id;
		expect((await moderator.post(`/forums/${forumId}/people?/revoke`, { invitationId: String(id) })).status).toBe(200);
		const gone = await new Client(ctx.server.url).get(path);
		expect(gone.status).toBe(404);
		expect(await gone.text()).toContain('sudah dicabut');
	});

	it('keeps participants, observers and accounts of another forum away from the new actions, and nothing changes', async () => {
		const observer = await acceptNew(await invite(moderator, forumId, 'observer', 'Oki Pengamat'), { name: 'Oki Pengamat', email: 'oki@forum-lampung.test', password: 'layang layang merah putih' });
		const kupang = await acceptNew(await invite(admin, otherForumId, 'moderator', 'Yohana'), { name: 'Yohana Kupang', email: 'yohana@forum-kupang.test', password: 'ombak besar pantai lasiana' });
		const participant = await joinedParticipant();
		const open = await invite(moderator, forumId, 'secretariat', 'Sekar Ayu');
		const openId = (await ctx.serverDb.one("select id from access_links where kind = 'invite' and used_at is null") as { id: number }).id;
		const mayaId = (await ctx.serverDb.one('select id from users where email = ?', MODERATOR.email) as { id: number }).id;

		const before = { users: await users(), links: await links(), members: await members(), hashes: await ctx.serverDb.all('select token_hash, expires_at from access_links order by id'), active: await count('select count(*) n from users where active = 1') };
		const attempts: [string, Record<string, string>][] = [
			[`/forums/${forumId}/people?/invite`, { role: 'moderator', name: 'Penyusup', email: 'penyusup@forum.test' }],
			[`/forums/${forumId}/people?/renew`, { invitationId: String(openId) }],
			[`/forums/${forumId}/people?/revoke`, { invitationId: String(openId) }],
			['/admin?/deactivate', { userId: String(mayaId) }],
			['/admin?/reset', { userId: String(mayaId) }],
			['/admin?/reactivate', { userId: String(mayaId) }]
		];
		const visitor = new Client(ctx.server.url);
		for (const [who, client, status] of [
			['logged out', visitor, 401],
			['participant', participant, 403],
			['observer', observer, 403],
			['moderator of another forum', kupang, 403],
			['moderator (admin pages)', moderator, 403]
		] as const) {
			for (const [path, fields] of attempts) {
				if (who === 'moderator (admin pages)' && !path.startsWith('/admin')) continue;
				expect((await client.post(path, fields)).status, `${who} ${path}`).toBe(status);
			}
		}
		// A participant opening a staff page is sent to the sign-in page; accounts without the role are refused.
		expect((await participant.get(`/forums/${forumId}/people`)).headers.get('location')).toMatch(/^\/login\?next=/);
		for (const client of [observer, kupang]) expect((await client.get(`/forums/${forumId}/people`)).status).toBe(403);
		expect((await observer.get('/admin')).status).toBe(403);
		expect({ users: await users(), links: await links(), members: await members(), hashes: await ctx.serverDb.all('select token_hash, expires_at from access_links order by id'), active: await count('select count(*) n from users where active = 1') }).toEqual(before);
		expect((await new Client(ctx.server.url).get(open)).status).toBe(200);

		// An observer reads the forum's pages and changes nothing there either.
		for (const page of ['', '/commitments', '/dashboard']) expect((await observer.get(`/forums/${forumId}${page}`)).status, page).toBe(200);
		const programmes = await count('select count(*) n from programmes');
		expect((await observer.get(`/forums/${forumId}/programmes`)).status).toBe(200);
		expect((await observer.post(`/forums/${forumId}/programmes?/create`, { name: 'Program Pengamat' })).status).toBe(403);
		expect(await count('select count(*) n from programmes')).toBe(programmes);
	});

	it('deactivates an account (its sessions end at once), reactivates it, and resets its password by a single-use link', async () => {
		const mayaId = (await ctx.serverDb.one('select id from users where email = ?', MODERATOR.email) as { id: number }).id;
		expect((await admin.post('/admin?/deactivate', { userId: String(mayaId) })).status).toBe(200);
		expect(await count('select count(*) n from sessions where user_id = ?', mayaId)).toBe(0);
		expect((await moderator.get(`/forums/${forumId}`)).status).toBe(303);
		const refused = await new Client(ctx.server.url).post('/login', { email: MODERATOR.email, password: MODERATOR.password });
		expect(refused.status).toBe(400);

		expect((await admin.post('/admin?/reactivate', { userId: String(mayaId) })).status).toBe(200);
		const reset = await admin.post('/admin?/reset', { userId: String(mayaId) });
		expect(reset.status).toBe(200);
		const path = linkPath(await reset.text(), 'reset');
		const owner = new Client(ctx.server.url);
		expect(await (await owner.get(path)).text()).toContain(MODERATOR.email);
		const fresh = 'jembatan gantung sungai tulang bawang';
		expect((await owner.post(path, { password: fresh, passwordConfirm: fresh })).status).toBe(303);
		expect((await owner.get(`/forums/${forumId}`)).status).toBe(200);
		expect((await new Client(ctx.server.url).post(path, { password: fresh, passwordConfirm: fresh })).status).toBe(410);
		await moderator.login(MODERATOR.email, fresh);
		MODERATOR.password = fresh;
	});

	it('changes an own password with the current one; the account’s other sessions end', async () => {
		const other = new Client(ctx.server.url);
		await other.login(MODERATOR.email, MODERATOR.password);
		const next = 'layar tancap di lapangan kampung';
		const wrong = await moderator.post('/account?/password', { currentPassword: 'bukan kata sandinya', password: next, passwordConfirm: next });
		expect(wrong.status).toBe(400);
		expect(await wrong.text()).toContain('Kata sandi sekarang salah');
		expect((await moderator.post('/account?/password', { currentPassword: MODERATOR.password, password: next, passwordConfirm: next })).status).toBe(200);
		expect((await moderator.get('/account')).status).toBe(200);
		expect((await other.get('/account')).status).toBe(303);
		await new Client(ctx.server.url).login(MODERATOR.email, next);
	});

	/** A participant of a live workshop of this forum, joined the ordinary way. */
	async function joinedParticipant(): Promise<Client> {
		const institutionId = await ctx.serverDb.insert(
			"insert into institutions (forum_id, official_name, short_name, sector) values (?, 'Dinas Pemberdayaan Masyarakat dan Kampung', 'DPMK', 'pemerintah')",
			forumId
		);
		const created = await moderator.post(`/forums/${forumId}/workshops/new`, { title: 'Musyawarah Kampung', date: '2026-12-03', startTime: '09:00', place: 'Balai Kampung', kind: 'musyawarah', programmeId: '' });
		expect(created.status).toBe(303);
		const workshopId = Number(created.headers.get('location')!.split('/').pop());
		expect((await moderator.post(`/workshops/${workshopId}?/status`, { status: 'live' })).status).toBe(200);
		const code = (await ctx.serverDb.one('select join_code c from workshops where id = ?', workshopId) as { c: string }).c;
		const participant = new Client(ctx.server.url);
		const joined = await participant.post(`/join/${code}`, { institutionId: String(institutionId), name: 'Rudi Hartono', jabatan: 'Staf', gender: 'L', phone: '' });
		expect(joined.status).toBe(303);
		return participant;
	}
});

describe('demo accounts on a demo database once the demo is off', () => {
	let dir = '';
	beforeAll(() => {
		dir = mkdtempSync(join(tmpdir(), 'mufakat-demo-off-'));
	});
	afterAll(() => removeDir(dir));

	it('sign in with the demo on, under the demo band, and not with MUFAKAT_DEMO=off', async () => {
		const demo = await startServer({ dir });
		try {
			const client = new Client(demo.url);
			expect(await (await client.get('/')).text()).toContain('Mode demo — akun demo terbuka untuk semua orang di jaringan ini');
			await client.login('moderator@mufakat.test', 'mufakat-demo');
		} finally {
			await demo.stop();
		}
		const off = await startServer({ dir, env: { MUFAKAT_DEMO: 'off' } });
		try {
			const res = await new Client(off.url).post('/login', { email: 'moderator@mufakat.test', password: 'mufakat-demo' });
			expect(res.status).toBe(400);
			expect(await res.text()).toContain('Email atau kata sandi salah.');
			expect(await (await new Client(off.url).get('/')).text()).not.toContain('Mode demo');
		} finally {
			await off.stop();
		}
	});
});

describe('npm run admin', () => {
	it('creates an administrator with a password from stdin, refusing a weak one, and prints a reset link', async () => {
		const dir = mkdtempSync(join(tmpdir(), 'mufakat-cli-'));
		const postgres = testPostgresUrl();
		const target = { dbPath: join(dir, 'mufakat.db'), databaseUrl: postgres ? await freshPostgresDatabase(postgres) : null };
		try {
			const env = { ...process.env, DATABASE_PATH: target.dbPath, DATABASE_URL: target.databaseUrl ?? undefined, PUBLIC_URL: 'http://mufakat.hall.test' };
			const run = (args: string[], input = '') => spawnSync(process.execPath, ['node_modules/tsx/dist/cli.mjs', 'scripts/admin.ts', ...args], { env, input, encoding: 'utf8' });
			const weak = run(['create-admin', '--email', 'op@hall.test', '--name', 'Operator'], 'password123\n');
			expect(weak.status).toBe(1);
			expect(weak.stderr).toContain('terlalu umum');
			const made = run(['create-admin', '--email', 'op@hall.test', '--name', 'Operator'], 'genset menyala sampai pagi\n');
			expect(made.status, made.stderr).toBe(0);
			const reset = run(['reset-password', '--email', 'op@hall.test']);
			expect(reset.status, reset.stderr).toBe(0);
			expect(reset.stdout).toMatch(/^http:\/\/mufakat\.hall\.test\/reset\/[A-Za-z0-9_-]+$/m);
			const db = await openServerDb(target);
			expect(await db.one("select is_admin from users where email = 'op@hall.test'")).toEqual({ is_admin: 1 });
			await db.close();
			expect(run(['reset-password', '--email', 'nobody@hall.test']).status).toBe(1);
		} finally {
			removeDir(dir);
		}
	});
});
