import { afterAll, describe, expect, it } from 'vitest';
import { readMatrix, roots } from '../../src/lib/collab/matrix-doc';
import { connectClient, TEST_SECRET, token, until, type TestClient } from '../helpers/collab';
import { Client } from '../helpers/http';
import { useTestServer } from '../helpers/lifecycle';

const ctx = useTestServer({ env: { MUFAKAT_COLLAB_SECRET: TEST_SECRET } });
const clients: TestClient[] = [];
afterAll(() => clients.forEach((c) => c.destroy()));

/** The demo's live workshop, on the projector: a read-only live client. */
async function projector(): Promise<TestClient> {
	const c = connectClient(ctx.server.url, 'workshop-3', { token: token({ role: 'viewer' }) });
	clients.push(c);
	await c.synced;
	return c;
}

async function moderator(): Promise<Client> {
	const client = new Client(ctx.server.url);
	await client.login('moderator@mufakat.test', 'mufakat-demo');
	return client;
}

describe('structure changes from the setup page reach the open room', () => {
	it('shows a component added and then renamed on the setup page to a connected viewer', async () => {
		const viewer = await projector();
		expect(readMatrix(viewer.doc).components.map((c) => c.name)).not.toContain('Replikasi ke 23 kelurahan');
		const rows = readMatrix(viewer.doc).rows.length;
		const mod = await moderator();

		const added = await mod.post('/workshops/3?/addComponent', { _action: 'addComponent', name: 'Replikasi ke 23 kelurahan', kind: 'action' });
		expect(added.status).toBe(200);
		await until(() => readMatrix(viewer.doc).components.some((c) => c.name === 'Replikasi ke 23 kelurahan'), 5000, 'the new column');
		const column = readMatrix(viewer.doc).components.find((c) => c.name === 'Replikasi ke 23 kelurahan')!;
		expect(column.position).toBe(readMatrix(viewer.doc).components.length);
		expect(Object.keys(readMatrix(viewer.doc).cells).filter((k) => k.endsWith(`:${column.id}`))).toHaveLength(rows);

		const renamed = await mod.post('/workshops/3?/renameComponent', { _action: 'renameComponent', id: column.id, name: 'Replikasi bertahap' });
		expect(renamed.status).toBe(200);
		await until(() => roots(viewer.doc).components.get(column.id)?.get('name') === 'Replikasi bertahap', 5000, 'the new name');
		expect(viewer.denied).toEqual([]);
	});
});

describe('double actions', () => {
	it('freezes once when two freeze requests arrive together', async () => {
		const viewer = await projector();
		const mod = await moderator();
		const freeze = () => mod.post('/workshops/3/matrix?/freeze', { _action: 'freeze' });
		const answers = await Promise.all([freeze(), freeze()]);
		expect(answers.map((r) => r.status)).toEqual([200, 200]);
		const pages = await Promise.all(answers.map((r) => r.text()));
		expect(pages.filter((p) => p.includes('Matriks dibekukan sebagai versi 1.'))).toHaveLength(1);
		expect(pages.filter((p) => p.includes('Matriks sudah dibekukan sebagai versi 1;'))).toHaveLength(1);
		const versions = await ctx.serverDb.all('select version from matrix_versions where workshop_id = 3');
		expect(versions).toEqual([{ version: 1 }]);
		await until(() => roots(viewer.doc).meta.get('frozen') === true, 5000, 'the frozen flag');
		expect(roots(viewer.doc).meta.get('version')).toBe(1);
	});
});
