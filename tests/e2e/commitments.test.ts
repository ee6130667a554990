import type { BrowserContext, Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { useTestServer } from '../helpers/lifecycle';
import { invitationCode } from '../helpers/invitations';
import { outputPath, signedInPage } from '../helpers/browser';

const ctx = useTestServer({ browser: true });

const LAPTOP = { viewport: { width: 1366, height: 900 } };
const CODE = 'TAMAN8';
const SECTOR: Record<string, string> = { pemerintah: 'Pemerintah', bisnis: 'Bisnis', komunitas: 'Komunitas', akademisi: 'Akademisi', media: 'Media', mitra: 'Mitra pembangunan' };
const PNG = Buffer.from('89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d4944415478da63f8cfc0f01f0005000201a5f3ba9b0000000049454e44ae426082', 'hex');

type Cell = { workshopId: number; version: number; institution: string; sector: string; component: string };

/** A filled cell of a current frozen version of forum 1 that no commitment came from yet. */
function frozenCell(): Cell | undefined {
	return ctx.db
		.prepare(
			`select v.workshop_id workshopId, v.version, i.short_name institution, i.sector, c.component_name component
			   from matrix_cells c join matrix_versions v on v.id = c.version_id join workshops w on w.id = v.workshop_id
			   join institutions i on i.id = c.institution_id
			  where w.forum_id = 1 and v.superseded_at is null and i.approved = 1 and trim(c.description) != ''
			    and not exists (select 1 from commitments k where k.matrix_version_id = v.id and k.source_institution_id = c.institution_id and k.source_component_id = c.component_id)
			  order by v.workshop_id, c.institution_id, c.component_id limit 1`
		)
		.get() as Cell | undefined;
}

async function checkIn(context: BrowserContext, institutionLabel: string, name: string): Promise<Page> {
	const page = await context.newPage();
	// With the institution's own code from the undangan: it reports for that institution at once.
	await page.goto(`${ctx.server.url}/join/${invitationCode(ctx.db, 3, institutionLabel.split(' — ')[0]!)}`, { waitUntil: 'networkidle' });
	await page.getByLabel('Nama lengkap').fill(name);
	await page.getByLabel('Jabatan').fill('Kasi Pemberdayaan');
	await page.getByLabel('Perempuan (P)').check();
	await page.getByRole('button', { name: 'Isi daftar hadir' }).click();
	await page.waitForURL(`**/w/${CODE}`);
	return page;
}

describe('joint commitments in the browser', () => {
	it('secretariat promotes a frozen cell, a representative reports with a photo, the secretariat verifies, the public page shows it', async () => {
		const [repContext, staffContext, publicContext] = await Promise.all([ctx.browser.newContext(LAPTOP), ctx.browser.newContext(LAPTOP), ctx.browser.newContext(LAPTOP)]);

		// The demo's 2021 workshop ships with its matrix frozen; take a cell no commitment came from yet.
		const cell = frozenCell();
		expect(cell, 'a filled cell of a frozen demo matrix').toBeDefined();
		const rep = await checkIn(repContext, `${cell!.institution} — ${SECTOR[cell!.sector]}`, 'Rahayu Setyaningsih');

		// Acceptance: the staff dashboard with the demo programme's two years of reports, as a newcomer finds it.
		const staff = await signedInPage(staffContext, ctx.server.url, 'sekretariat@mufakat.test');
		await staff.goto(`${ctx.server.url}/forums/1/dashboard`, { waitUntil: 'networkidle' });
		expect(await staff.getByTestId('commitment-row').count()).toBeGreaterThanOrEqual(8);
		expect(await staff.getByTestId('commitment-row').filter({ hasText: 'Memperluas lokasi piloting' }).textContent()).toContain('4 / 4');
		await staff.screenshot({ path: outputPath('dashboard.png'), fullPage: true });

		// The secretariat promotes the cell and completes what the meeting left open.
		await staff.goto(`${ctx.server.url}/forums/1/commitments/promote?workshop=${cell!.workshopId}&version=${cell!.version}`, { waitUntil: 'networkidle' });
		await staff.getByRole('button', { name: `Jadikan komitmen: ${cell!.institution}, ${cell!.component}` }).click();
		await staff.waitForURL(/\/forums\/1\/commitments\/\d+/);
		const commitmentId = Number(/commitments\/(\d+)/.exec(staff.url())![1]);
		const number = (ctx.db.prepare('select number from commitments where id = ?').get(commitmentId) as { number: string }).number;
		await staff.waitForLoadState('networkidle');
		await expect.poll(() => staff.getByText('Dipromosikan dari matriks beku').count()).toBe(1);
		await staff.getByLabel('Jenis komitmen').selectOption('numeric');
		await staff.getByLabel('Indikator', { exact: true }).fill('Kegiatan warga didampingi');
		await staff.getByLabel('Satuan', { exact: true }).fill('kegiatan');
		await staff.getByLabel('Nilai data dasar').fill('0');
		await staff.getByLabel('Tahun data dasar').fill('2026');
		await staff.getByLabel('Sumber data dasar').fill('Matriks lokakarya');
		await staff.getByLabel('Nilai target').fill('10');
		await staff.getByRole('button', { name: 'Simpan', exact: true }).click();
		await expect.poll(() => staff.getByRole('status').filter({ hasText: 'Tersimpan.' }).count()).toBe(1);

		// The representative files a report for their institution's commitment, with a photo.
		await rep.goto(`${ctx.server.url}/w/${CODE}`, { waitUntil: 'networkidle' });
		await rep.getByRole('link', { name: 'Laporan kemajuan komitmen lembaga Anda' }).click();
		await rep.getByRole('link', { name: new RegExp(`^${number}\\. `) }).click();
		await rep.waitForURL(`**/w/${CODE}/reports/${commitmentId}`);
		await rep.waitForLoadState('networkidle');
		await rep.getByLabel(/^Realisasi kumulatif/).fill('4');
		await rep.getByLabel('Uraian kegiatan').fill('Empat kegiatan warga didampingi kader kelurahan.');
		await rep.getByLabel('Bukti dukung: foto atau dokumen').setInputFiles({ name: 'kegiatan-warga.png', mimeType: 'image/png', buffer: PNG });
		await rep.getByRole('button', { name: 'Kirim laporan' }).click();
		await rep.waitForURL(`**/w/${CODE}/reports?saved=1`);
		expect(await rep.getByRole('status').textContent()).toContain('menunggu verifikasi');

		// Not on the public page until verified.
		const visitor = await publicContext.newPage();
		const row = visitor.locator(`[data-testid="commitment-row"][data-number="${number}"]`);
		await visitor.goto(`${ctx.server.url}/p/1`);
		expect(await row.textContent()).not.toContain('40%');

		// The secretariat checks the photo and verifies.
		await staff.goto(`${ctx.server.url}/forums/1/commitments/${commitmentId}`, { waitUntil: 'networkidle' });
		const photo = staff.getByRole('link', { name: 'kegiatan-warga.png' });
		const response = await staffContext.request.get(ctx.server.url + (await photo.getAttribute('href')));
		expect(response.headers()['content-type']).toBe('image/png');
		expect((await publicContext.request.get(ctx.server.url + (await photo.getAttribute('href')))).status()).toBe(401);
		await staff.getByRole('button', { name: 'Verifikasi', exact: true }).click();
		await expect.poll(() => staff.getByRole('status').filter({ hasText: 'Laporan diverifikasi.' }).count()).toBe(1);

		await visitor.reload();
		await expect.poll(() => row.textContent()).toContain('40%');
		expect(await row.textContent()).toContain('4 / 10');
		const html = await visitor.content();
		expect(html).not.toContain('Rahayu Setyaningsih');
		expect(html).not.toContain('081234500');
		await visitor.screenshot({ path: outputPath('commitments-public.png'), fullPage: true });

	});
});
