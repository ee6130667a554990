import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client } from '../helpers/http';
import { removeDir, startServer, type RunningServer } from '../helpers/server';
import { openServerDb, type ServerDb } from '../helpers/server-db';

let server: RunningServer;
let db: ServerDb;
let sealed: Buffer;

beforeAll(async () => {
	server = await startServer();
	db = await openServerDb(server);
	const moderator = new Client(server.url);
	await moderator.login('moderator@mufakat.test', 'mufakat-demo');
	const res = await moderator.get('/workshops/1/minutes/1/berita-acara.pdf');
	expect(res.status).toBe(200);
	sealed = Buffer.from(await res.arrayBuffer());
});
afterAll(async () => {
	await db?.close();
	await server?.stop();
	removeDir(server.dir);
});

type VersionRow = { id: number; version: number; voided_at: number | null; void_reason: string | null; voided_by: number | null };
const versions = () => db.all<VersionRow>('SELECT id, version, voided_at, void_reason, voided_by FROM minutes_versions WHERE workshop_id = 1 ORDER BY version');
const signedOn = async (versionId: number) => (await db.one<{ n: number }>("SELECT count(*) AS n FROM minutes_signers WHERE minutes_version_id = ? AND status = 'signed'", versionId)).n;

async function verifyPage(bytes: Buffer): Promise<string> {
	const body = new FormData();
	body.append('pdf', new Blob([new Uint8Array(bytes)], { type: 'application/pdf' }), 'ba.pdf');
	const res = await fetch(server.url + '/verify', { method: 'POST', body, headers: { origin: server.url, accept: 'text/html' } });
	return res.text();
}

describe('re-finalising the signed and sealed demo minutes', () => {
	it('is refused to the secretariat, and all 18 signatures stay', async () => {
		const [v1] = await versions();
		expect(await signedOn(v1!.id)).toBe(18);
		const secretariat = new Client(server.url);
		await secretariat.login('sekretariat@mufakat.test', 'mufakat-demo');
		const res = await secretariat.post('/workshops/1/minutes?/finalize', { reason: 'Saya ingin mengubah butir kesepakatan' });
		expect(res.status).toBe(400);
		expect(await res.text()).toContain('Hanya moderator forum yang dapat membuat versi baru');
		expect(await versions()).toEqual([{ ...v1, voided_at: null }]);
		expect(await signedOn(v1!.id)).toBe(18);
		expect(await verifyPage(sealed)).toContain('data-verdict="genuine"');
	});

	it('needs a moderator and a reason; the sealed original then still verifies as genuine, superseded by version 2', async () => {
		const moderator = new Client(server.url);
		await moderator.login('moderator@mufakat.test', 'mufakat-demo');
		const withoutReason = await moderator.post('/workshops/1/minutes?/finalize', { reason: 'ralat' });
		expect(withoutReason.status).toBe(400);
		expect(await withoutReason.text()).toContain('paling sedikit 10 karakter');
		expect(await versions()).toHaveLength(1);

		const reason = 'Nama lembaga pada butir 2 salah ketik';
		const res = await moderator.post('/workshops/1/minutes?/finalize', { reason });
		expect(res.status).toBe(200);
		const [v1, v2] = await versions();
		expect(v2?.version).toBe(2);
		expect(v1).toMatchObject({ void_reason: reason });
		expect(v1!.voided_at).not.toBeNull();
		expect(v1!.voided_by).toBe((await db.one<{ id: number }>("SELECT id FROM users WHERE email = 'moderator@mufakat.test'")).id);
		expect(await signedOn(v1!.id)).toBe(18);

		const html = await verifyPage(sealed);
		expect(html).toContain('data-verdict="genuine"');
		expect(html).toContain('Dokumen ini asli, tetapi sudah digantikan oleh versi 2');
		expect(html).toContain(reason);
		expect(html).not.toContain('dibatalkan');

		const download = await moderator.get('/workshops/1/minutes/1/berita-acara.pdf');
		expect(download.status).toBe(200);
		expect(Buffer.from(await download.arrayBuffer()).equals(sealed)).toBe(true);
	});
});
