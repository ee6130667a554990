import { describe, expect, it } from 'vitest';
import { useTestServer } from '../helpers/lifecycle';
import { Client } from '../helpers/http';

const ctx = useTestServer();

const MODERATOR = ['moderator@mufakat.test', 'mufakat-demo'] as const;
const SECRETARIAT = ['sekretariat@mufakat.test', 'mufakat-demo'] as const;

const count = async (sql: string, ...args: unknown[]) => (await ctx.serverDb.one(sql, ...args) as { n: number }).n;

async function createLiveWorkshop(moderator: Client, title: string): Promise<{ id: number; code: string }> {
	const created = await moderator.post('/forums/1/workshops/new', { title, date: '2026-11-26', startTime: '09:00', place: 'Aula Kelurahan Taman', kind: 'lokakarya', programmeId: '1' });
	expect(created.status).toBe(303);
	const id = Number(created.headers.get('location')!.split('/').pop());
	expect((await moderator.post(`/workshops/${id}?/status`, { status: 'live' })).status).toBe(200);
	const code = (await ctx.serverDb.one('select join_code as c from workshops where id = ?', id) as { c: string }).c;
	return { id, code };
}

const joinFields = (over: Record<string, string> = {}) => ({ institutionId: '1', name: 'Rina Kusuma', jabatan: 'Staf Perencanaan', gender: 'P', phone: '081377770001', ...over });

describe('the built server', () => {
	it('serves the demo in Indonesian by default and in English after the switch', async () => {
		const visitor = new Client(ctx.server.url);
		const home = await visitor.get('/');
		const html = await home.text();
		expect(html).toContain('<html lang="id">');
		expect(html).toContain('Gabung ke lokakarya');
		expect((await visitor.post('/lang', { locale: 'en', redirectTo: '/' })).status).toBe(303);
		const english = await (await visitor.get('/')).text();
		expect(english).toContain('<html lang="en">');
		expect(english).toContain('Join a workshop');
	});

	it('keeps every staff page and action out of reach when logged out, and stores nothing', async () => {
		const visitor = new Client(ctx.server.url);
		for (const path of ['/forums/1', '/forums/1/institutions', '/workshops/1', '/workshops/1/attendance', '/forums/1/workshops/new']) {
			const res = await visitor.get(path);
			expect(res.status, path).toBe(303);
			expect(res.headers.get('location')).toMatch(/^\/login\?next=/);
		}
		expect((await visitor.get('/workshops/1/attendance.csv')).status).toBe(303);
		const before = await count('select count(*) n from agenda_items');
		const res = await visitor.post('/workshops/1?/addAgenda', { title: 'Sisipan', durationMinutes: '5' });
		expect(res.status).toBe(401);
		expect(await res.text()).toBe('Silakan masuk terlebih dahulu.');
		expect(await count('select count(*) n from agenda_items')).toBe(before);
		const wrong = await visitor.post('/login', { email: MODERATOR[0], password: 'salah' });
		expect(wrong.status).toBe(400);
		expect(await wrong.text()).toContain('Email atau kata sandi salah.');
	});

	it('lets a moderator create a workshop and participants check in; the daftar hadir and CSV show them', async () => {
		const moderator = new Client(ctx.server.url);
		await moderator.login(...MODERATOR);
		const { id, code } = await createLiveWorkshop(moderator, 'Rapat Evaluasi Piloting');
		expect(code).toMatch(/^[A-Z2-9]{6}$/);

		const rina = new Client(ctx.server.url);
		const joined = await rina.post(`/join/${code}`, joinFields());
		expect(joined.status).toBe(303);
		expect(joined.headers.get('location')).toBe(`/w/${code}`);
		expect(joined.headers.getSetCookie().join()).toMatch(/mufakat_session=.+HttpOnly.+SameSite=Lax/i);
		expect(await (await rina.get(`/w/${code}`)).text()).toContain('Rina Kusuma');

		const budi = new Client(ctx.server.url);
		expect((await budi.post(`/join/${code.toLowerCase()}`, joinFields({ institutionId: '14', name: 'Budi Hartono', jabatan: 'Staf TJSL', gender: 'L', phone: '' }))).status).toBe(303);

		const list = await (await moderator.get(`/workshops/${id}/attendance`)).text();
		expect(list).toContain('Rina Kusuma');
		expect(list).toContain('Budi Hartono');
		const csv = await (await moderator.get(`/workshops/${id}/attendance.csv`)).text();
		expect(csv).toContain('Rina Kusuma');
		expect(csv).toContain('081377770001');
		const publicCsv = await (await moderator.get(`/workshops/${id}/attendance.csv?public=1`)).text();
		expect(publicCsv).toContain('Budi Hartono');
		expect(publicCsv).not.toContain('081377770001');
	});

	it('answers bad check-ins with a clear message and stores nothing partial', async () => {
		const moderator = new Client(ctx.server.url);
		await moderator.login(...MODERATOR);
		const { id, code } = await createLiveWorkshop(moderator, 'Rapat Uji Masukan');
		const rows = () => count('select count(*) n from attendance where workshop_id = ?', id);
		const people = () => count('select count(*) n from persons');

		const unknown = await new Client(ctx.server.url).get('/join/ZZZZZZ');
		expect(unknown.status).toBe(404);
		expect(await unknown.text()).toContain('Kode lokakarya tidak ditemukan');

		const before = await people();
		const empty = await new Client(ctx.server.url).post(`/join/${code}`, joinFields({ name: '', jabatan: 'x'.repeat(500) }));
		expect(empty.status).toBe(400);
		const emptyHtml = await empty.text();
		expect(emptyHtml).toContain('Wajib diisi.');
		expect(emptyHtml).toContain('Terlalu panjang (maksimal 120 karakter).');

		const proposing = await new Client(ctx.server.url).post(`/join/${code}`, joinFields({ institutionId: 'new', newInstitutionName: '', newInstitutionSector: 'media' }));
		expect(proposing.status).toBe(400);
		expect(await count("select count(*) n from institutions where sector = 'media'")).toBe(0);

		expect((await new Client(ctx.server.url).post(`/join/${code}`, joinFields({ phone: '081300000099' }))).status).toBe(303);
		const again = await new Client(ctx.server.url).post(`/join/${code}`, joinFields({ name: 'rina  KUSUMA', phone: '' }));
		expect(again.status).toBe(400);
		expect(await again.text()).toContain('sudah tercatat hadir di lokakarya ini');
		expect(await rows()).toBe(1);
		expect(await people()).toBe(before + 1);
	});

	it('keeps participants to their own workshop and away from moderator actions', async () => {
		const moderator = new Client(ctx.server.url);
		await moderator.login(...MODERATOR);
		const first = await createLiveWorkshop(moderator, 'Lokakarya A');
		const second = await createLiveWorkshop(moderator, 'Lokakarya B');
		const participant = new Client(ctx.server.url);
		expect((await participant.post(`/join/${first.code}`, joinFields({ name: 'Dewi Anggraini', phone: '' }))).status).toBe(303);

		expect((await participant.get(`/w/${first.code}`)).status).toBe(200);
		const foreign = await participant.get(`/w/${second.code}`);
		expect(foreign.status).toBe(403);
		expect(await foreign.text()).toContain('Anda tidak berwenang melakukan ini.');
		expect((await participant.get(`/workshops/${first.id}/attendance`)).status).toBe(303);

		const before = await count('select count(*) n from agenda_items where workshop_id = ?', first.id);
		const attempt = await participant.post(`/workshops/${first.id}?/addAgenda`, { title: 'Sisipan', durationMinutes: '5' });
		expect(attempt.status).toBe(403);
		expect(await attempt.text()).toBe('Anda tidak berwenang melakukan ini.');
		const status = await participant.post(`/workshops/${first.id}?/status`, { status: 'closed' });
		expect(status.status).toBe(403);
		expect(await count('select count(*) n from agenda_items where workshop_id = ?', first.id)).toBe(before);
		expect((await ctx.serverDb.one('select status s from workshops where id = ?', first.id) as { s: string }).s).toBe('live');
	});

	it('gives the secretariat read access but not the moderator’s controls', async () => {
		const secretariat = new Client(ctx.server.url);
		await secretariat.login(...SECRETARIAT);
		expect((await secretariat.get('/workshops/3/attendance')).status).toBe(200);
		const res = await secretariat.post('/workshops/3?/status', { status: 'closed' });
		expect(res.status).toBe(403);
		expect((await ctx.serverDb.one('select status s from workshops where id = 3') as { s: string }).s).toBe('live');
	});
});
