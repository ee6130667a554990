import { afterAll, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { cellKey, roots } from '../../src/lib/collab/matrix-doc';
import { hashPassword } from '../../src/lib/server/auth';
import { connectClient, TEST_SECRET, token, until, type TestClient } from '../helpers/collab';
import { Client } from '../helpers/http';
import { useTestServer } from '../helpers/lifecycle';

const ctx = useTestServer({ env: { MUFAKAT_COLLAB_SECRET: TEST_SECRET } });
const clients: TestClient[] = [];
afterAll(() => clients.forEach((c) => c.destroy()));

const MODERATOR = ['moderator@mufakat.test', 'mufakat-demo'] as const;
const INKA = 14;
const one = async <T,>(sql: string, ...args: unknown[]) => await ctx.serverDb.one(sql, ...args) as T;
const count = async (sql: string, ...args: unknown[]) => (await one<{ n: number }>(sql, ...args)).n;

async function moderator(): Promise<Client> {
	const client = new Client(ctx.server.url);
	await client.login(...MODERATOR);
	return client;
}

/** Accounts the demo does not have, written straight into the server's database (WAL lets both write). */
async function addAccount(email: string, forumId: number, role: 'moderator' | 'secretariat' | 'observer') {
	const user = await one<{ id: number }>('insert into users (email, name, password_hash) values (?, ?, ?) returning id', email, email, hashPassword('kata-sandi-uji'));
	await ctx.serverDb.run('insert into forum_members (forum_id, user_id, role) values (?, ?, ?)', forumId, user.id, role);
}

async function live(auth: { cookie?: string; token?: string }): Promise<TestClient> {
	const c = connectClient(ctx.server.url, 'workshop-3', auth);
	clients.push(c);
	await c.synced;
	return c;
}

let programmeId = 0;

describe('programme setup under the forum', () => {
	it('creates a programme with ordered components and pilot sites through the form actions', async () => {
		const mod = await moderator();
		const created = await mod.post('/forums/1/programmes?/create', { name: 'Program Kampung Tangguh', vision: 'Warga tangguh bencana', legalBasis: 'Perwal 7/2025', listed: 'on' });
		expect(created.status).toBe(303);
		programmeId = Number(created.headers.get('location')!.match(/^\/forums\/1\/programmes\/(\d+)$/)![1]);
		const page = `/forums/1/programmes/${programmeId}`;

		for (const name of ['Pemetaan risiko', 'Pelatihan relawan', 'Rencana kontinjensi'])
			expect((await mod.post(`${page}?/addComponent`, { _action: 'addComponent', name, kind: 'focus' })).status).toBe(200);
		const last = await one<{ id: number }>('select id from components where programme_id = ? and name = ?', programmeId, 'Rencana kontinjensi');
		expect((await mod.post(`${page}?/moveComponent`, { _action: 'moveComponent', id: String(last.id), direction: 'up' })).status).toBe(200);
		const order = (await ctx.serverDb.all('select name from components where programme_id = ? order by position', programmeId)).map((r) => (r as { name: string }).name);
		expect(order).toEqual(['Pemetaan risiko', 'Rencana kontinjensi', 'Pelatihan relawan']);

		expect((await mod.post(`${page}?/addPilot`, { _action: 'addPilot', areaCode: '35.77.03.1009' })).status).toBe(200);
		const site = await one<{ id: number; stage: string }>('select id, stage from pilot_sites where programme_id = ?', programmeId);
		expect((await mod.post(`${page}?/pilotStage`, { _action: 'pilotStage', id: String(site.id), stage: 'replication' })).status).toBe(200);
		expect((await one<{ stage: string }>('select stage from pilot_sites where id = ?', site.id)).stage).toBe('replication');

		// A code edited in the browser: refused with a message, nothing stored.
		const forged = await mod.post(`${page}?/addPilot`, { _action: 'addPilot', areaCode: '35.77.03.1999' });
		expect(forged.status).toBe(400);
		expect(await forged.text()).toContain('Kode wilayah tidak dikenal.');
		expect(await count('select count(*) n from pilot_sites where programme_id = ?', programmeId)).toBe(1);

		const html = await (await mod.get(`${page}?areaQuery=Demangan`)).text();
		expect(html).toContain('Rencana kontinjensi');
		expect(html).toContain('35.77.03.1008');
		expect(await (await mod.get('/forums/1')).text()).toContain(`href="/forums/1/programmes/${programmeId}"`);
	});
});

describe('a participant who lost their session', () => {
	let attendanceId = 0;
	let session = '';

	it('is let back in by a single-use re-entry link as the same attendance entry, with the same rights', async () => {
		const phone = new Client(ctx.server.url);
		const joined = await phone.post('/join/TAMAN8', { institutionId: String(INKA), name: 'Lina Marlina', jabatan: 'Staf TJSL', gender: 'P', phone: '081355550101' });
		expect(joined.status).toBe(303);
		attendanceId = (await one<{ id: number }>("select id from attendance where workshop_id = 3 and name = 'Lina Marlina'")).id;

		// With the general code she only watches until the moderator confirms her on the daftar hadir.
		const mod = await moderator();
		expect((await mod.post('/workshops/3/attendance?/confirm', { _action: 'confirm', id: String(attendanceId) })).status).toBe(200);
		// The phone's cookie is gone; the moderator issues a link.
		const issued = await mod.post('/workshops/3/attendance?/reentry', { _action: 'reentry', id: String(attendanceId) });
		expect(issued.status).toBe(200);
		const link = (await issued.text()).match(/\/reentry\/([A-Za-z0-9_-]{20,64})/)![1]!;

		const fresh = new Client(ctx.server.url);
		const confirm = await fresh.get(`/reentry/${link}`);
		expect(confirm.status).toBe(200);
		expect(await confirm.text()).toContain('Lina Marlina');
		const back = await fresh.post(`/reentry/${link}`, {});
		expect(back.status).toBe(303);
		expect(back.headers.get('location')).toBe('/w/TAMAN8');
		expect(await (await fresh.get('/w/TAMAN8')).text()).toContain('Lina Marlina');
		const used = await new Client(ctx.server.url).post(`/reentry/${link}`, {});
		expect(used.status).toBe(400);
		expect(await used.text()).toContain('sudah dipakai');
		expect(await count('select count(*) n from attendance where workshop_id = 3 and name = ?', 'Lina Marlina')).toBe(1);
		session = fresh.cookieHeader();

		// Back as INKA's representative: a write to INKA's own cell reaches the projector.
		const viewer = await live({ token: token({ role: 'viewer' }) });
		const rep = await live({ cookie: session });
		rep.doc.transact(() => (roots(rep.doc).cells.get(cellKey(INKA, 1))!.get('description') as Y.Text).insert(0, 'Pelatihan UMKM mitra binaan'));
		await until(() => String(roots(viewer.doc).cells.get(cellKey(INKA, 1))?.get('description')).includes('Pelatihan UMKM mitra binaan'), 5000, 'the representative’s write');
		expect(rep.denied).toEqual([]);
	});

	it('loses that session when staff remove the entry', async () => {
		const rep = clients.at(-1)!;
		const mod = await moderator();
		expect((await mod.post('/workshops/3/attendance?/remove', { _action: 'remove', id: String(attendanceId) })).status).toBe(200);
		await until(() => rep.closes.some((c) => c.code === 4403), 5000, 'the live connection to close');
		const page = await fetch(`${ctx.server.url}/w/TAMAN8`, { headers: { cookie: session }, redirect: 'manual' });
		expect(page.status).toBe(303);
		expect(page.headers.get('location')).toBe('/join/TAMAN8');
		expect((await one<{ removed: number | null }>('select removed_at removed from attendance where id = ?', attendanceId)).removed).not.toBeNull();
		expect(await count("select count(*) n from attendance_audit where attendance_id = ? and action = 'remove'", attendanceId)).toBe(1);
		const list = await (await mod.get('/workshops/3/attendance')).text();
		expect(list).toContain('Riwayat koreksi daftar hadir');
	});
});

describe('institutions page', () => {
	it('merges a duplicate proposed at the door into the institution it duplicates', async () => {
		const phone = new Client(ctx.server.url);
		const joined = await phone.post('/join/TAMAN8', { institutionId: 'new', newInstitutionName: 'Bapeda Madiun', newInstitutionSector: 'pemerintah', name: 'Agus Salim', jabatan: 'Staf', gender: 'L', phone: '' });
		expect(joined.status).toBe(303);
		const duplicate = (await one<{ id: number }>("select id from institutions where official_name = 'Bapeda Madiun'")).id;

		const mod = await moderator();
		const page = await (await mod.get('/forums/1/institutions')).text();
		expect(page).toContain('Bapeda Madiun');
		expect(page).toContain('Gabungkan lembaga ganda');
		const self = await mod.post('/forums/1/institutions?/merge', { _action: 'merge', duplicateId: String(duplicate), survivorId: String(duplicate) });
		expect(self.status).toBe(400);
		expect(await self.text()).toContain('Lembaga tidak dapat digabungkan dengan dirinya sendiri.');

		expect((await mod.post('/forums/1/institutions?/merge', { _action: 'merge', id: String(duplicate), duplicateId: String(duplicate), survivorId: '1' })).status).toBe(200);
		expect((await one<{ merged: number }>('select merged_into_id merged from institutions where id = ?', duplicate)).merged).toBe(1);
		expect((await one<{ inst: number }>("select institution_id inst from attendance where name = 'Agus Salim'")).inst).toBe(1);
		expect(await (await phone.get('/w/TAMAN8')).text()).toContain('Bappelitbangda');
		const joinList = await (await new Client(ctx.server.url).get('/join/TAMAN8')).text();
		expect(joinList).not.toContain('Bapeda Madiun');
		expect(joinList).toContain('Lembaga yang diundang');
	});

	it('shows the workshop setup page with the same programme setup', async () => {
		const html = await (await (await moderator()).get('/workshops/3')).text();
		expect(html).toContain('href="/forums/1/programmes/1"');
		expect(html).toContain('data-testid="component-list"');
		expect(html).toContain('data-testid="pilot-list"');
	});
});

describe('the new actions, asked by someone who may not', () => {
	it('answer 403 to a participant, an observer and a moderator of another forum, and change nothing', async () => {
		const participant = new Client(ctx.server.url);
		expect((await participant.post('/join/TAMAN8', { institutionId: '1', name: 'Rina Kusuma', jabatan: 'Staf', gender: 'P', phone: '' })).status).toBe(303);
		const rina = (await one<{ id: number }>("select id from attendance where workshop_id = 3 and name = 'Rina Kusuma'")).id;
		await addAccount('observer@forum1.test', 1, 'observer');
		await addAccount('moderator@forum2.test', 2, 'moderator');
		const observer = new Client(ctx.server.url);
		await observer.login('observer@forum1.test', 'kata-sandi-uji');
		const outsider = new Client(ctx.server.url);
		await outsider.login('moderator@forum2.test', 'kata-sandi-uji');

		const snapshot = async () =>
			JSON.stringify([
				await ctx.serverDb.all('select * from programmes order by id'),
				await ctx.serverDb.all('select * from components order by id'),
				await ctx.serverDb.all('select * from pilot_sites order by id'),
				await ctx.serverDb.all('select * from institutions order by id'),
				await ctx.serverDb.all('select * from attendance order by id'),
				await ctx.serverDb.all('select * from access_links order by id')
			]);
		const before = await snapshot();
		const page = `/forums/1/programmes/${programmeId}`;
		const component = (await one<{ id: number }>('select id from components where programme_id = ? limit 1', programmeId)).id;
		const calls: [string, Record<string, string>][] = [
			['/forums/1/programmes?/create', { name: 'Disusupkan' }],
			[`${page}?/details`, { _action: 'details', name: 'Diganti' }],
			[`${page}?/addComponent`, { _action: 'addComponent', name: 'Disusupkan' }],
			[`${page}?/removeComponent`, { _action: 'removeComponent', id: String(component) }],
			[`${page}?/addPilot`, { _action: 'addPilot', areaCode: '35.77.03.1008' }],
			['/forums/1/institutions?/update', { _action: 'update', id: '1', officialName: 'Diganti', sector: 'pemerintah' }],
			['/forums/1/institutions?/merge', { _action: 'merge', duplicateId: '2', survivorId: '1' }],
			['/forums/1/institutions?/retire', { _action: 'retire', id: '3' }],
			['/workshops/3/attendance?/edit', { _action: 'edit', id: String(rina), name: 'Diganti', jabatan: 'X', gender: 'P', phone: '', institutionId: '1' }],
			['/workshops/3/attendance?/remove', { _action: 'remove', id: String(rina) }],
			['/workshops/3/attendance?/restore', { _action: 'restore', id: String(await attendanceIdOf('Lina Marlina')) }],
			['/workshops/3/attendance?/signatory', { _action: 'signatory', id: String(rina) }],
			['/workshops/3/attendance?/reentry', { _action: 'reentry', id: String(rina) }]
		];
		for (const [who, client] of [['participant', participant], ['observer', observer], ['other forum', outsider]] as const)
			for (const [path, fields] of calls) expect((await client.post(path, fields)).status, `${who} ${path}`).toBe(403);
		expect(await snapshot()).toBe(before);
	});
});

async function attendanceIdOf(name: string): Promise<number> {
	return (await one<{ id: number }>('select id from attendance where workshop_id = 3 and name = ?', name)).id;
}
