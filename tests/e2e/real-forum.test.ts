/**
 * Issue 9's acceptance, end to end in Chromium: a real forum the demo does not contain (Kabupaten
 * Kupang, NTT, in WITA) sets itself up from an empty database and ends with a sealed berita acara
 * carrying its own letterhead, logo, place, number, village word and time zone.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { readdirSync, renameSync } from 'node:fs';
import type { BrowserContext, Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { useTestServer } from '../helpers/lifecycle';
import { signOnPhone } from '../helpers/signing';
import { outputPath, PHONE } from '../helpers/browser';
import { pngLogo } from '../helpers/images';

const ctx = useTestServer({ browser: true, env: { MUFAKAT_DEMO: 'off' } });

const FORUM = {
	name: 'Forum Kemitraan Pembangunan Desa Kabupaten Kupang',
	shortName: 'FKPD Kupang',
	address: 'Jl. Timor Raya Km 36, Oelamasi\nKecamatan Kupang Tengah, Kabupaten Kupang 85361'
};
const ADMIN = { name: 'Yohanes Bria', email: 'admin@fkpd-kupang.test', password: 'sasando berbunyi merdu di oelamasi' };
const MODERATOR = { name: 'Maria Goreti Nenobais', email: 'moderator@fkpd-kupang.test', password: 'lontar tumbuh di tanah timor' };
const INSTITUTIONS = [
	{ officialName: 'Dinas Pemberdayaan Masyarakat dan Desa Kabupaten Kupang', shortName: 'DPMD Kab. Kupang', sector: 'pemerintah', label: 'DPMD Kab. Kupang — Pemerintah' },
	{ officialName: 'Yayasan Alfa Omega', shortName: 'Yayasan Alfa Omega', sector: 'komunitas', label: 'Yayasan Alfa Omega — Komunitas' }
];
const PARTICIPANTS = [
	{ name: 'Agustina Tefa', jabatan: 'Staf Bidang Pemdes', corrected: 'Kepala Bidang Pemerintahan Desa', gender: 'P' as const, institution: INSTITUTIONS[0]!.label },
	{ name: 'Simon Petrus Ndun', jabatan: 'Koordinator Program', gender: 'L' as const, institution: INSTITUTIONS[1]!.label }
];

/** Waits for the page a form post leads to; a refusal fails at once with what the page said. */
async function landsOn(page: Page, url: RegExp) {
	const refused = page
		.locator('.error, [role="alert"]')
		.first()
		.waitFor({ timeout: 20_000 })
		.then(async () => `refused at ${page.url()}: ${(await page.locator('.error, [role="alert"]').allTextContents()).join(' | ')}`)
		.catch(() => null);
	await Promise.race([
		page.waitForURL(url, { waitUntil: 'networkidle', timeout: 20_000 }),
		refused.then((message) => {
			if (message) throw new Error(message);
			return new Promise(() => {});
		})
	]);
}

/** Today's date in the forum's zone, as a date field takes it. */
const todayInKupang = () => new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Makassar' }).format(new Date());

async function joinAs(page: Page, joinUrl: string, person: (typeof PARTICIPANTS)[number]) {
	await page.goto(joinUrl, { waitUntil: 'networkidle' });
	await page.getByLabel('Lembaga/Instansi Anda').selectOption({ label: person.institution });
	await page.getByLabel('Nama lengkap').fill(person.name);
	await page.getByLabel('Jabatan').fill(person.jabatan);
	await page.getByLabel(person.gender === 'L' ? 'Laki-laki (L)' : 'Perempuan (P)').check();
	await page.getByRole('button', { name: 'Isi daftar hadir' }).click();
	await page.waitForURL(/\/w\/[A-Z2-9]{6}$/);
}


describe('a real forum sets itself up, from an empty database to a sealed berita acara', () => {
	it('Kabupaten Kupang (WITA): setup, forum with logo, invited moderator, programme, workshop, check-in, corrections, sealed PDF', async () => {
		const base = ctx.server.url;
		const contexts: BrowserContext[] = [];
		const context = async (options: Parameters<typeof ctx.browser.newContext>[0]) => {
			const c = await ctx.browser.newContext(options);
			contexts.push(c);
			return c;
		};

		// 1. First run: the server printed a one-time setup address; the home page says set-up is pending.
		const setupUrl = /Setup: (http\S+\/setup\/\S+)/.exec(ctx.server.output())?.[1];
		expect(setupUrl, ctx.server.output()).toBeTruthy();
		const admin = await (await context({ viewport: { width: 1280, height: 900 } })).newPage();
		await admin.goto(base + '/', { waitUntil: 'networkidle' });
		expect(await admin.getByText('Penyiapan belum selesai').count()).toBeGreaterThan(0);

		// 2. The administrator is created from the setup address.
		await admin.goto(setupUrl!, { waitUntil: 'networkidle' });
		await admin.getByLabel('Nama lengkap').fill(ADMIN.name);
		await admin.getByLabel('Email').fill(ADMIN.email);
		await admin.getByLabel(/^Kata sandi/).fill(ADMIN.password);
		await admin.getByLabel('Ulangi kata sandi').fill(ADMIN.password);
		await admin.getByRole('button', { name: 'Buat administrator' }).click();
		await landsOn(admin, /\/admin$/);

		// 3. The forum, its region found with the picker, a logo, the zone and village word left automatic.
		await admin.goto(base + '/admin/forums/new', { waitUntil: 'networkidle' });
		await admin.getByLabel('Nama forum').fill(FORUM.name);
		await admin.getByLabel('Nama singkat').fill(FORUM.shortName);
		await admin.getByLabel('Tingkat').selectOption({ label: 'Kabupaten/kota' });
		await admin.getByRole('searchbox', { name: 'Cari wilayah' }).fill('Kupang');
		await admin.getByRole('button', { name: 'Cari wilayah' }).click();
		await admin.getByRole('radio', { name: /53\.01\b/ }).check();
		await expect.poll(() => admin.getByText(/zona WITA, sebutan desa "desa", tempat "Kupang"/).count()).toBeGreaterThan(0);
		await admin.getByLabel('Alamat sekretariat').fill(FORUM.address);
		await admin.getByLabel('Logo kop surat').setInputFiles({ name: 'logo-fkpd.png', mimeType: 'image/png', buffer: Buffer.from(pngLogo(160, 160)) });
		expect(await admin.getByLabel('Pola nomor berita acara').inputValue()).toBe('{n}/BA/{forum}/{month}/{year}');
		expect(await admin.getByLabel('Zona waktu').inputValue()).toBe('');
		expect(await admin.getByLabel('Sebutan desa').inputValue()).toBe('');
		await admin.screenshot({ path: outputPath('real-forum-form.png'), fullPage: true });
		await admin.getByRole('button', { name: 'Buat forum' }).click();
		await admin.waitForURL(/\/admin\/forums\/\d+\?created=1$/, { waitUntil: 'networkidle' });
		const forumId = Number(/\/admin\/forums\/(\d+)/.exec(admin.url())![1]);
		// The edit page: the letterhead with the logo, the zone the region gave it.
		expect(await admin.getByRole('img', { name: `Logo ${FORUM.name}` }).first().isVisible()).toBe(true);
		expect(await admin.getByLabel('Zona waktu').locator('option:checked').textContent()).toContain('WITA');
		expect(await admin.getByText(/zona WITA/).count()).toBeGreaterThan(0);
		const forumRow = ctx.db.prepare('SELECT time_zone AS zone, village_word AS word, regency_code AS region FROM forums WHERE id = ?').get(forumId) as
			| { zone: string; word: string; region: string }
			| undefined;
		expect(forumRow).toEqual({ zone: 'Asia/Makassar', word: 'desa', region: '53.01' });

		// 4. A moderator is invited; a second browser accepts the invitation and sets a password.
		await admin.goto(`${base}/forums/${forumId}/people`, { waitUntil: 'networkidle' });
		await admin.getByLabel('Moderator', { exact: true }).check();
		await admin.getByLabel('Nama orang yang diundang').fill(MODERATOR.name);
		await admin.getByRole('button', { name: 'Buat undangan' }).click();
		const inviteLink = admin.getByTestId('invitation-link').getByRole('link', { name: /\/invite\// });
		await inviteLink.waitFor();
		const inviteUrl = (await inviteLink.getAttribute('href'))!;
		expect(inviteUrl).toMatch(/\/invite\/[\w-]+$/);

		const office = await context({ viewport: { width: 1280, height: 900 }, acceptDownloads: true });
		const mod = await office.newPage();
		await mod.goto(inviteUrl, { waitUntil: 'networkidle' });
		const accept = mod.locator('form[action="?/create"]');
		expect(await accept.getByLabel('Nama lengkap').inputValue()).toBe(MODERATOR.name);
		await accept.getByLabel('Email').fill(MODERATOR.email);
		await accept.getByLabel(/^Kata sandi/).fill(MODERATOR.password);
		await accept.getByLabel('Ulangi kata sandi').fill(MODERATOR.password);
		await accept.getByRole('button', { name: 'Buat akun dan terima' }).click();
		await mod.waitForURL(new RegExp(`/forums/${forumId}$`), { waitUntil: 'networkidle' });
		expect(await mod.getByText(/Peran Anda: Moderator/).count()).toBeGreaterThan(0);

		// 5. The programme: two components, two pilot sites found with the area search.
		await mod.goto(`${base}/forums/${forumId}/programmes`, { waitUntil: 'networkidle' });
		await mod.getByLabel('Nama program').fill('Program Desa Mandiri Air Bersih');
		await mod.getByRole('button', { name: 'Tambah program' }).click();
		await mod.waitForURL(/\/programmes\/\d+$/, { waitUntil: 'networkidle' });
		const addComponent = mod.locator('form[action="?/addComponent"]');
		for (const component of ['Penguatan BUM Desa', 'Sarana air bersih']) {
			await addComponent.getByLabel('Nama fokus/rencana aksi').fill(component);
			await addComponent.getByRole('button', { name: 'Tambah komponen' }).click();
			await expect.poll(() => mod.getByTestId('component-list').locator('input[name="name"]').evaluateAll((els) => els.map((e) => (e as HTMLInputElement).value))).toContain(component);
		}
		for (const desa of ['Oelnasi', 'Baumata']) {
			await mod.getByRole('searchbox', { name: 'Cari desa menurut nama' }).fill(desa);
			await mod.getByRole('button', { name: 'Cari', exact: true }).click();
			const add = mod.getByRole('button', { name: `Tambahkan: ${desa}`, exact: true });
			await add.waitFor();
			await add.click();
			await expect.poll(() => mod.getByTestId('pilot-list').textContent()).toContain(`Desa ${desa}`);
		}
		expect(await mod.getByTestId('pilot-list').textContent()).toContain('Kabupaten Kupang');

		// The institutions.
		await mod.goto(`${base}/forums/${forumId}/institutions`, { waitUntil: 'networkidle' });
		const addInstitution = mod.locator('form[action="?/create"]');
		for (const inst of INSTITUTIONS) {
			await addInstitution.getByLabel('Nama resmi').fill(inst.officialName);
			await addInstitution.getByLabel('Nama singkat').fill(inst.shortName);
			await addInstitution.getByLabel('Unsur').selectOption(inst.sector);
			await addInstitution.getByRole('button', { name: 'Tambah lembaga' }).click();
			await expect.poll(() => mod.getByTestId('institution-row').locator('td:nth-child(2)').allTextContents()).toContain(inst.officialName);
		}

		// The workshop, its institutions invited, live.
		await mod.goto(`${base}/forums/${forumId}/workshops/new`, { waitUntil: 'networkidle' });
		await mod.getByLabel('Judul').fill('Lokakarya Perencanaan Desa Mandiri Air Bersih');
		await mod.getByLabel('Program').selectOption({ label: 'Program Desa Mandiri Air Bersih' });
		await mod.getByLabel('Tanggal').fill(todayInKupang());
		await mod.getByLabel('Jam mulai').fill('09:00');
		await mod.getByLabel(/^Tempat/).fill('Aula Kantor Bupati Kupang, Oelamasi');
		await mod.getByRole('button', { name: 'Buat lokakarya' }).click();
		await mod.waitForURL(/\/workshops\/\d+$/, { waitUntil: 'networkidle' });
		const workshopId = Number(/\/workshops\/(\d+)$/.exec(mod.url())![1]);
		for (const inst of INSTITUTIONS) await mod.getByRole('checkbox', { name: new RegExp(inst.shortName.replace(/\./g, '\\.')) }).check();
		await mod.getByRole('button', { name: 'Simpan undangan' }).click();
		await expect.poll(() => ctx.db.prepare('SELECT count(*) AS n FROM workshop_invitations WHERE workshop_id = ?').get(workshopId), { timeout: 5_000 }).toEqual({ n: 2 });
		await mod.getByRole('button', { name: 'Mulai lokakarya (buka pendaftaran)' }).click();
		await mod.getByTestId('join-code').waitFor();
		const code = (await mod.getByTestId('join-code').textContent())!.trim();
		expect(await mod.locator('[role="img"][aria-label="Kode QR untuk bergabung"] svg').count()).toBe(1);
		const joinUrl = (await mod.getByRole('link', { name: new RegExp(`/join/${code}$`) }).getAttribute('href'))!;
		expect(joinUrl).toBe(`${base}/join/${code}`);

		// 6. Two participants join on their phones from the address next to the QR.
		const phoneA = await (await context(PHONE)).newPage();
		const phoneB = await (await context(PHONE)).newPage();
		await joinAs(phoneA, joinUrl, PARTICIPANTS[0]!);
		await joinAs(phoneB, joinUrl, PARTICIPANTS[1]!);

		// 7. Attendance corrections: one jabatan corrected, a re-entry link for the other participant.
		await mod.getByRole('link', { name: 'Daftar hadir' }).first().click();
		await mod.waitForURL(/\/attendance$/, { waitUntil: 'networkidle' });
		await expect.poll(() => mod.getByTestId('attendance-count').textContent(), { timeout: 10_000 }).toContain('2 hadir');
		expect(await mod.getByTestId('attendance-count').textContent()).toContain('2/2 lembaga undangan hadir');
		// They joined with the workshop's general code: one tap each on the daftar hadir confirms them.
		for (const person of PARTICIPANTS.slice(0, 2)) {
			const row = mod.getByTestId('attendance-row').filter({ hasText: person.name });
			await row.getByRole('button', { name: `Konfirmasi: ${person.name}` }).click();
			await expect.poll(() => row.getByTestId('door-status').textContent(), { timeout: 10_000 }).toContain('Terkonfirmasi');
		}
		const rowA = mod.getByTestId('attendance-row').filter({ hasText: PARTICIPANTS[0]!.name });
		await rowA.getByText('Koreksi', { exact: true }).click();
		await rowA.getByLabel(/^Jabatan/).fill(PARTICIPANTS[0]!.corrected!);
		await rowA.getByRole('button', { name: 'Simpan' }).click();
		await expect.poll(() => rowA.locator('td').nth(2).textContent(), { timeout: 10_000 }).toBe(PARTICIPANTS[0]!.corrected);
		await expect.poll(() => mod.getByTestId('attendance-audit').textContent()).toContain(`${PARTICIPANTS[0]!.jabatan} → ${PARTICIPANTS[0]!.corrected}`);

		await mod.getByRole('button', { name: `Tautan masuk kembali: ${PARTICIPANTS[1]!.name}` }).click();
		const reentryUrl = (await mod.getByTestId('reentry-url').getAttribute('href'))!;
		expect(reentryUrl).toMatch(new RegExp(`^${base}/reentry/`));
		// The participant lost their session: a fresh phone opens the link.
		const phoneB2 = await (await context(PHONE)).newPage();
		await phoneB2.goto(reentryUrl, { waitUntil: 'networkidle' });
		expect(await phoneB2.getByText(`Lanjutkan sebagai ${PARTICIPANTS[1]!.name}`).count()).toBe(1);
		await phoneB2.getByRole('button', { name: 'Masuk kembali' }).click();
		await phoneB2.waitForURL(`**/w/${code}`, { waitUntil: 'networkidle' });
		expect(await phoneB2.getByRole('heading', { level: 1 }).textContent()).toContain(PARTICIPANTS[1]!.name);

		// 8. The berita acara: freeze the matrix, finalise, both sign, seal.
		await mod.goto(`${base}/workshops/${workshopId}/minutes`, { waitUntil: 'networkidle' });
		const frozen = await office.request.post(`${base}/workshops/${workshopId}/matrix?/freeze`, { form: {}, headers: { origin: base } });
		expect(frozen.ok()).toBe(true);
		await mod.getByRole('button', { name: 'Finalkan teks dan minta tanda tangan' }).click();
		await expect.poll(() => mod.getByTestId('signed-count').textContent(), { timeout: 10_000 }).toContain('0 dari 2');
		const nomor = /Nomor (\S+)/.exec((await mod.locator('p').filter({ hasText: /^Nomor \d/ }).textContent())!)![1]!;
		const [year, month] = todayInKupang().split('-').map(Number) as [number, number];
		const roman = ['I', 'II', 'III', 'IV', 'V', 'VI', 'VII', 'VIII', 'IX', 'X', 'XI', 'XII'][month - 1];
		expect(nomor).toBe(`1/BA/FKPD-Kupang/${roman}/${year}`);

		await signOnPhone(phoneA, base, code);
		await signOnPhone(phoneB2, base, code);
		await expect.poll(() => mod.getByTestId('signed-count').textContent(), { timeout: 15_000 }).toContain('2 dari 2');
		await mod.getByRole('button', { name: 'Buat dan segel PDF' }).click();
		const link = mod.getByTestId('download-pdf').first();
		await link.waitFor({ timeout: 20_000 });
		const [download] = await Promise.all([mod.waitForEvent('download'), link.click()]);
		const file = outputPath('real-forum-berita-acara.pdf');
		await download.saveAs(file);

		// 9. The sealed PDF is the forum's own.
		const sig = spawnSync('pdfsig', [file], { encoding: 'utf8' }).stdout;
		expect(sig).toContain('Signature is Valid');
		expect(sig).toContain('Total document signed');
		const text = execFileSync('pdftotext', [file, '-'], { encoding: 'utf8' }).replace(/\s+/g, ' ');
		expect(text.toUpperCase()).toContain(FORUM.name.toUpperCase());
		expect(text).toContain('Jl. Timor Raya Km 36, Oelamasi');
		expect(text).toContain(nomor);
		expect(text).toMatch(/Kupang, \d{1,2} \w+ \d{4}/);
		expect(text).toContain('Desa Oelnasi');
		expect(text).toContain('Desa Baumata');
		expect(text).toMatch(/\d{2}[.:]\d{2} WITA/);
		expect(text).not.toContain('WIB');
		expect(text).toContain(PARTICIPANTS[0]!.corrected);
		expect(text).toContain(PARTICIPANTS[1]!.name);
		const images = execFileSync('pdfimages', ['-list', file], { encoding: 'utf8' }).trim().split('\n').slice(2);
		// The letterhead logo, at the size it was uploaded (signatures are vector strokes, not images).
		expect(images.some((line) => /^\s*1\s+\d+\s+image\s+160\s+160\b/.test(line)), images.join('\n')).toBe(true);

		execFileSync('pdftoppm', ['-png', '-r', '60', '-f', '1', '-l', '1', file, outputPath('real-forum-pdf-first-page')]);
		for (const shot of readdirSync(outputPath('')).filter((f) => /^real-forum-pdf-first-page-\d+\.png$/.test(f))) {
			renameSync(outputPath(shot), outputPath('real-forum-pdf-first-page.png'));
		}
		expect(readdirSync(outputPath(''))).toContain('real-forum-pdf-first-page.png');

		for (const c of contexts) await c.close();
	}, 150_000);
});
