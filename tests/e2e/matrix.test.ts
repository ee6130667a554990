import type { BrowserContext, Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { useTestServer } from '../helpers/lifecycle';
import { invitationCode } from '../helpers/invitations';
import { cellDescription } from '../../src/lib/collab/matrix-edits';
import { roomName } from '../../src/lib/collab/matrix-doc';
import { outputPath } from '../helpers/browser';
import { connectClient, refusals, until } from '../helpers/collab';

const ctx = useTestServer({ browser: true });

const LAPTOP = { viewport: { width: 1366, height: 800 } };
const CODE = 'TAMAN8';

/** Checks in on the demo workshop and opens the matrix from the participant's page. */
async function representative(context: BrowserContext, person: { institution: string; name: string; gender: 'L' | 'P' }): Promise<Page> {
	const page = await context.newPage();
	// Fill the form only once it is hydrated: hydration would reset a choice made before it.
	// With the institution's own code from the undangan: it writes its row at once.
	await page.goto(`${ctx.server.url}/join/${invitationCode(ctx.db, 3, person.institution.split(' — ')[0]!)}`, { waitUntil: 'networkidle' });
	await page.getByLabel('Nama lengkap').fill(person.name);
	await page.getByLabel('Jabatan').fill('Staf');
	await page.getByLabel(person.gender === 'L' ? 'Laki-laki (L)' : 'Perempuan (P)').check();
	await page.getByRole('button', { name: 'Isi daftar hadir' }).click();
	await page.waitForURL(`**/w/${CODE}`);
	await page.getByRole('link', { name: 'Isi matriks peran dan kontribusi' }).click();
	await page.waitForURL(`**/w/${CODE}/matrix`);
	return page;
}

const live = (page: Page) => expect.poll(() => page.getByTestId('connection-status').getAttribute('data-state'), { timeout: 15_000 }).toBe('live');
const cookieHeader = async (context: BrowserContext) => (await context.cookies()).map((c) => `${c.name}=${c.value}`).join('; ');

describe('live role and contribution matrix', () => {
	it('two representatives co-edit their own rows, everyone sees both, nobody writes in another row, the frozen version exports', async () => {
		const [laptopA, laptopB, moderatorContext] = await Promise.all([
			ctx.browser.newContext(LAPTOP),
			ctx.browser.newContext(LAPTOP),
			ctx.browser.newContext({ viewport: { width: 1920, height: 1080 } })
		]);

		const projector = await moderatorContext.newPage();
		await projector.goto(`${ctx.server.url}/workshops/3/projector`, { waitUntil: 'networkidle' });
		await projector.getByLabel('Email').fill('moderator@mufakat.test');
		await projector.getByLabel('Kata sandi').fill('mufakat-demo');
		await projector.getByRole('button', { name: 'Masuk' }).click();
		await projector.waitForURL('**/workshops/3/projector');

		const a = await representative(laptopA, { institution: 'Kel. Taman — Pemerintah', name: 'Rina Kartika', gender: 'P' });
		const b = await representative(laptopB, { institution: 'PT INKA — Bisnis', name: 'Bayu Prasetyo', gender: 'L' });
		await Promise.all([live(a), live(b), live(projector)]);

		// Only one's own row has editors: one description per programme component.
		const columns = await a.locator('thead').getByRole('columnheader').count();
		const descA = a.getByRole('textbox', { name: /^Uraian peran dan kontribusi/ }).first();
		const descB = b.getByRole('textbox', { name: /^Uraian peran dan kontribusi/ }).first();
		expect(await a.getByRole('textbox', { name: /^Uraian peran dan kontribusi/ }).count()).toBe(columns - 1);
		const rowOfInka = a.getByRole('row').filter({ has: a.getByRole('rowheader', { name: /PT INKA/ }) });
		expect(await rowOfInka.getByRole('textbox').count()).toBe(0);
		expect(await rowOfInka.getByRole('combobox').count()).toBe(0);

		const textA = 'Kader Pokmas mendampingi warga Kel. Taman';
		const textB = 'Bimtek pengemasan produk UMKM (TJSL)';
		await descA.click();
		await descB.click();
		// Both type at the same moment, keystroke by keystroke.
		await Promise.all([descA.pressSequentially(textA, { delay: 15 }), descB.pressSequentially(textB, { delay: 15 })]);
		await a.getByRole('combobox', { name: /^Jenis kontribusi/ }).first().selectOption('PENDAMPINGAN');

		for (const page of [a, b, projector]) {
			await expect.poll(() => page.locator('[data-testid="matrix-grid"]').textContent(), { timeout: 10_000 }).toContain(page === a ? textB : textA);
		}
		await expect.poll(() => projector.locator('[data-testid="matrix-grid"]').textContent()).toContain(textB);
		expect(await descA.inputValue()).toBe(textA);
		expect(await descB.inputValue()).toBe(textB);
		// Presence: B sees that A's cursor is in A's cell.
		await expect.poll(() => b.getByText('Rina Kartika sedang mengetik di sini').count()).toBeGreaterThan(0);

		// A write into PT INKA's cell with Kel. Taman's session, bypassing the UI, is refused and reaches nobody.
		const inkaCell = await b.locator('tr.own td[data-cell]').first().getAttribute('data-cell');
		const forger = connectClient(ctx.server.url, roomName(3), { cookie: await cookieHeader(laptopA) });
		try {
			await forger.synced;
			cellDescription(forger.doc, inkaCell!)!.insert(0, 'DIPALSUKAN ');
			await until(() => refusals(forger).some((r) => r.code === 'foreignRow'), 5000, 'permission denied');
		} finally {
			forger.destroy();
		}
		// A's next edit reaches B: anything the server had accepted before it would be there too.
		const tamanCell = await a.locator('tr.own td[data-cell]').first().getAttribute('data-cell');
		await a.getByRole('combobox', { name: /^Jenis kontribusi/ }).first().selectOption('PELATIHAN');
		await expect.poll(() => b.locator(`td[data-cell="${tamanCell}"]`).textContent()).toContain('Pelatihan');
		for (const page of [a, b, projector]) expect(await page.locator('[data-testid="matrix-grid"]').textContent()).not.toContain('DIPALSUKAN');

		// The projector scales the matrix to its screen (or pages it): nothing hangs off the bottom.
		await expect
			.poll(() => projector.getByTestId('matrix-grid').evaluate((table) => table.getBoundingClientRect().bottom <= table.parentElement!.getBoundingClientRect().bottom + 1))
			.toBe(true);
		await a.screenshot({ path: outputPath('matrix-representative-1366.png') });
		await projector.screenshot({ path: outputPath('matrix-projector-1920.png') });

		// The moderator freezes from the matrix page; the representatives' editors become read-only.
		const moderator = await moderatorContext.newPage();
		await moderator.goto(`${ctx.server.url}/workshops/3/matrix`);
		await live(moderator);
		await moderator.getByRole('button', { name: /^Bekukan matriks/ }).click();
		await moderator.getByLabel('Saya yakin: bekukan matriks sekarang.').check();
		await moderator.getByRole('button', { name: 'Ya, bekukan' }).click();
		await expect.poll(() => moderator.getByTestId('versions').textContent(), { timeout: 10_000 }).toContain('Versi 1');
		await expect.poll(() => a.getByTestId('frozen-banner').count()).toBe(1);
		expect(await descA.getAttribute('readonly')).not.toBeNull();

		const csv = await moderatorContext.request.get(`${ctx.server.url}/workshops/3/matrix/versions/1/matrix.csv`);
		expect(csv.status()).toBe(200);
		expect(csv.headers()['content-disposition']).toMatch(/attachment; filename="matriks-.*-v1\.csv"/);
		const csvText = await csv.text();
		expect(csvText).toContain(textA);
		expect(csvText).toContain(textB);
		expect(csvText).toContain('Pelatihan');

		const xlsx = await moderatorContext.request.get(`${ctx.server.url}/workshops/3/matrix/versions/1/matrix.xlsx`);
		expect(xlsx.status()).toBe(200);
		expect((await xlsx.body()).subarray(0, 2).toString('latin1')).toBe('PK');

		// Representatives cannot download the staff exports (they are sent to sign in).
		expect((await laptopA.request.get(`${ctx.server.url}/workshops/3/matrix/versions/1/matrix.csv`, { maxRedirects: 0 })).status()).toBe(303);
	});
});
