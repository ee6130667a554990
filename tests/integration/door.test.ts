import * as Y from 'yjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cellKey, roots } from '../../src/lib/collab/matrix-doc';
import { connectClient, refusals, TEST_SECRET, token, until, type TestClient } from '../helpers/collab';
import { Client } from '../helpers/http';
import { removeDir, startServer, type RunningServer } from '../helpers/server';
import { openServerDb } from '../helpers/server-db';

const JOIN_LIMIT = 8;
let server: RunningServer;
const clients: TestClient[] = [];
let moderator: Client;
let codes: Map<number, string>;

const BAPPELITBANGDA = 1;
const PT_INKA = 14;
const person = (name: string) => ({ name, jabatan: 'Staf', gender: 'P', phone: '' });

beforeAll(async () => {
	server = await startServer({ env: { MUFAKAT_COLLAB_SECRET: TEST_SECRET, MUFAKAT_JOIN_LIMIT: String(JOIN_LIMIT) } });
	moderator = new Client(server.url);
	await moderator.login('moderator@mufakat.test', 'mufakat-demo');
	const page = await (await moderator.get('/workshops/3')).text();
	codes = new Map([...page.matchAll(/data-institution="(\d+)"[\s\S]*?data-testid="invitation-code">([A-Z0-9]+)</g)].map((m) => [Number(m[1]), m[2]!]));
});
afterAll(async () => {
	for (const c of clients) c.destroy();
	await server?.stop();
	removeDir(server.dir);
});

function open(auth: { token?: string; cookie?: string }): TestClient {
	const c = connectClient(server.url, 'workshop-3', auth);
	clients.push(c);
	return c;
}
const unit = (c: TestClient, inst: number) => roots(c.doc).cells.get(cellKey(inst, 1))?.get('unit');
const attendanceId = async (name: string) => {
	const db = await openServerDb(server);
	try {
		return (await db.one<{ id: number }>('select id from attendance where name = ?', name)).id;
	} finally {
		await db.close();
	}
};

describe('trust at the door', () => {
	it('shows each invited institution its own code on the workshop page and on the printable undangan', async () => {
		expect(codes.size).toBeGreaterThan(5);
		for (const code of codes.values()) expect(code).toMatch(/^[ABCDEFGHJKMNPQRSTUVWXYZ23456789]{10}$/);
		const print = await (await moderator.get('/workshops/3/invitations')).text();
		expect(print).toContain(codes.get(PT_INKA)!);
		expect(print).toContain(`/join/${codes.get(PT_INKA)}`);
		expect(print).toContain('<svg');
	});

	it('keeps a general-code check-in a viewer until the moderator confirms; then a new socket writes', async () => {
		const phone = new Client(server.url);
		expect((await phone.post('/join/TAMAN8', { institutionId: String(PT_INKA), ...person('Umum Menunggu') })).status).toBe(303);
		const witness = open({ token: token({ role: 'viewer' }) });
		const waiting = open({ cookie: phone.cookieHeader() });
		await Promise.all([witness.synced, waiting.synced]);
		roots(waiting.doc).cells.get(cellKey(PT_INKA, 1))!.set('unit', 'belum dikonfirmasi');
		await until(() => waiting.denied.length > 0, 5000, 'refusal');
		expect(refusals(waiting)[0]).toEqual({ code: 'readOnly' });
		expect((await phone.get('/w/TAMAN8/reports')).status).toBe(403);

		const confirmed = await moderator.post('/workshops/3/attendance?/confirm', { _action: 'confirm', id: String(await attendanceId('Umum Menunggu')) });
		expect(confirmed.status).toBe(200);
		await until(() => waiting.closes.some((c) => c.code === 4000), 5000, 'close 4000 after confirmation');
		waiting.destroy();

		const speaking = open({ cookie: phone.cookieHeader() });
		await speaking.synced;
		roots(speaking.doc).cells.get(cellKey(PT_INKA, 1))!.set('unit', 'sudah dikonfirmasi');
		await until(() => unit(witness, PT_INKA) === 'sudah dikonfirmasi', 5000, 'confirmed write');
		expect(speaking.denied).toHaveLength(0);
		expect((await phone.get('/w/TAMAN8/reports')).status).toBe(200);
	});

	it('binds an institution-code check-in to its institution and lets it write at once; revoking cuts the socket', async () => {
		const code = codes.get(BAPPELITBANGDA)!;
		const phone = new Client(server.url);
		const form = await (await phone.get(`/join/${code}`)).text();
		expect(form).not.toContain('name="institutionId"');
		// The form cannot move the check-in to another institution.
		expect((await phone.post(`/join/${code}`, { institutionId: String(PT_INKA), ...person('Undangan Langsung') })).status).toBe(303);
		const witness = open({ token: token({ role: 'viewer' }) });
		const rep = open({ cookie: phone.cookieHeader() });
		await Promise.all([witness.synced, rep.synced]);
		roots(rep.doc).cells.get(cellKey(BAPPELITBANGDA, 1))!.set('unit', 'dari undangan');
		await until(() => unit(witness, BAPPELITBANGDA) === 'dari undangan', 5000, 'invited write');

		const revoked = await moderator.post('/workshops/3/attendance?/revoke', { _action: 'revoke', id: String(await attendanceId('Undangan Langsung')) });
		expect(revoked.status).toBe(200);
		await until(() => rep.closes.some((c) => c.code === 4403), 5000, 'close 4403 after revocation');
		rep.destroy();

		const again = open({ cookie: phone.cookieHeader() });
		await again.synced;
		(roots(again.doc).cells.get(cellKey(BAPPELITBANGDA, 1))!.get('description') as Y.Text).insert(0, 'setelah dicabut');
		await until(() => again.denied.length > 0, 5000, 'refusal after revocation');
		expect(refusals(again)[0]).toEqual({ code: 'readOnly' });
		expect((await phone.get('/w/TAMAN8/reports')).status).toBe(403);
		const list = await (await moderator.get('/workshops/3/attendance')).text();
		expect(list).toMatch(/Dicabut/);
	});

	it('refuses join attempts beyond the limit per address with 429, the form kept and a message in Indonesian', async () => {
		const guesser = new Client(server.url);
		let last: Response | null = null;
		for (let i = 0; i < JOIN_LIMIT + 2 && last?.status !== 429; i++) last = await guesser.get(`/join/ZZZZZ${i}`);
		expect(last!.status).toBe(429);
		expect(await last!.text()).toContain('Terlalu banyak percobaan');
		const post = await guesser.post('/join/TAMAN8', { institutionId: String(PT_INKA), ...person('Nama Tetap Terisi') });
		expect(post.status).toBe(429);
		const html = await post.text();
		expect(html).toContain('Terlalu banyak percobaan');
		expect(html).toContain('Nama Tetap Terisi');
	});
});
