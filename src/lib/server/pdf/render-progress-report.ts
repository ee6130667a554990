/**
 * Lays out a Laporan Kemajuan (the secretariat's periodic monitoring report to the Bupati/Wali Kota)
 * as an A4 PDF on the forum's letterhead: period and date, summary figures, a chart and table per
 * commitment, beneficiaries by desa and by sex, budget realisation by funding source, issues and
 * follow-ups, and who verified. Charts are drawn as vector paths (rectangles and text), not images:
 * they stay sharp when printed and cost no PNG decoding. The result is unsigned: seal it.
 */
import { formatNumber, formatPercent, formatRupiah } from '../../commitments/periods';
import { ASCENT, Composer, GREY, MARGIN, type Rgb } from './layout';
import { kop, logoGraphic, newDocumentWithFonts } from './render-minutes';

const BODY = 10;
const SMALL = 8;

export type ProgressReportDocument = {
	documentId: string;
	locale?: 'id' | 'en';
	forum: { name: string; shortName: string };
	kop: string[];
	logo: { bytes: Uint8Array; mime: 'image/png' | 'image/jpeg' } | null;
	programme: string;
	/** "Triwulan I 2026". */
	periodLabel: string;
	/** "1 Januari 2026 – 31 Maret 2026". */
	periodRange: string;
	verifiedOnly: boolean;
	/** "Madiun, 7 April 2026". */
	placeAndDate: string;
	generatedAt: Date;
	summary: { label: string; value: string }[];
	commitments: {
		number: string;
		statement: string;
		lead: string;
		target: string;
		realisation: string;
		/** Clamped 0–100 for the chart; null: no figure. */
		achievement: number | null;
		period: string;
		verified: boolean;
	}[];
	desa: { name: string; district: string; male: number; female: number; total: number }[];
	/** Commitments whose beneficiaries carry no desa breakdown: said, not spread over sites. */
	withoutDesa: string[];
	bySex: { male: number; female: number; total: number };
	groups: { name: string; count: number }[];
	budget: { source: string; budget: number; spent: number; realisation: number | null }[];
	budgetTotal: { budget: number; spent: number; realisation: number | null } | null;
	issues: { number: string; label: string; obstacles: string; followUp: string }[];
	verifiers: string[];
	verifyUrl: string;
	secretariat: string;
};

const LABELS = {
	id: {
		title: 'LAPORAN KEMAJUAN',
		programme: 'Program',
		period: 'Periode',
		range: 'Rentang',
		basis: 'Dasar angka',
		basisVerified: 'laporan terverifikasi sampai akhir periode (realisasi kumulatif)',
		basisAll: 'semua laporan sampai akhir periode, termasuk yang belum diverifikasi (realisasi kumulatif)',
		summary: 'A. Ringkasan',
		summaryItem: 'Uraian',
		summaryValue: 'Angka',
		perCommitment: 'B. Capaian per komitmen',
		chartCaption: 'Grafik 1. Capaian terhadap target (%)',
		no: 'No.',
		statement: 'Komitmen',
		lead: 'Penanggung jawab',
		target: 'Target',
		realisation: 'Realisasi',
		achievement: 'Capaian',
		lastReport: 'Laporan',
		unverified: 'belum diverifikasi',
		beneficiaries: 'C. Penerima manfaat',
		byDesa: 'Per desa/kelurahan (hanya angka yang dilaporkan per desa)',
		desa: 'Desa/Kelurahan',
		district: 'Kecamatan',
		male: 'L',
		female: 'P',
		total: 'Jumlah',
		chartDesa: 'Grafik 2. Penerima manfaat per desa/kelurahan (L/P)',
		noDesa: 'Tidak ada rincian per desa yang dilaporkan.',
		withoutDesa: 'Tanpa rincian per desa',
		bySex: 'Menurut jenis kelamin',
		groups: 'Kelompok (dihitung di samping L/P)',
		noBeneficiaries: 'Belum ada laporan yang mencatat penerima manfaat.',
		budget: 'D. Realisasi anggaran per sumber dana',
		source: 'Sumber dana',
		planned: 'Anggaran',
		spent: 'Realisasi',
		percent: '%',
		noBudget: 'Tidak ada komitmen dengan nilai Rupiah.',
		chartBudget: 'Grafik 3. Anggaran dan realisasi (Rp)',
		issues: 'E. Kendala dan tindak lanjut',
		obstacles: 'Kendala',
		followUp: 'Tindak lanjut',
		noIssues: 'Tidak ada kendala yang dilaporkan.',
		verifiedBy: 'Diverifikasi oleh',
		nobody: '—',
		preparedBy: 'Sekretariat',
		sealNote: (url: string) => `Dokumen ini disegel secara elektronik dengan segel sistem forum (tidak tersertifikasi). Keaslian dapat diperiksa di ${url}.`,
		page: (n: number, of: number) => `Halaman ${n} dari ${of}`
	},
	en: {
		title: 'PROGRESS REPORT',
		programme: 'Programme',
		period: 'Period',
		range: 'Range',
		basis: 'Figures',
		basisVerified: 'verified reports up to the end of the period (cumulative realisation)',
		basisAll: 'all reports up to the end of the period, unverified ones included (cumulative realisation)',
		summary: 'A. Summary',
		summaryItem: 'Item',
		summaryValue: 'Figure',
		perCommitment: 'B. Achievement per commitment',
		chartCaption: 'Chart 1. Achievement against target (%)',
		no: 'No.',
		statement: 'Commitment',
		lead: 'Lead',
		target: 'Target',
		realisation: 'Realisation',
		achievement: 'Achievement',
		lastReport: 'Report',
		unverified: 'not verified',
		beneficiaries: 'C. Beneficiaries',
		byDesa: 'Per village (only figures reported per village)',
		desa: 'Village',
		district: 'District',
		male: 'M',
		female: 'F',
		total: 'Total',
		chartDesa: 'Chart 2. Beneficiaries per village (M/F)',
		noDesa: 'No village breakdown reported.',
		withoutDesa: 'Without a village breakdown',
		bySex: 'By sex',
		groups: 'Groups (counted beside M/F)',
		noBeneficiaries: 'No report counts beneficiaries yet.',
		budget: 'D. Budget realisation by funding source',
		source: 'Funding source',
		planned: 'Budget',
		spent: 'Spent',
		percent: '%',
		noBudget: 'No commitment carries a Rupiah value.',
		chartBudget: 'Chart 3. Budget and spending (Rp)',
		issues: 'E. Obstacles and follow-up',
		obstacles: 'Obstacles',
		followUp: 'Follow-up',
		noIssues: 'No obstacles reported.',
		verifiedBy: 'Verified by',
		nobody: '—',
		preparedBy: 'Secretariat',
		sealNote: (url: string) => `This document carries the forum's electronic system seal (not certified). Check it at ${url}.`,
		page: (n: number, of: number) => `Page ${n} of ${of}`
	}
} as const;

const BAR: Rgb = [0.16, 0.4, 0.62];
const BAR_LIGHT: Rgb = [0.62, 0.76, 0.88];
const FEMALE: Rgb = [0.78, 0.36, 0.45];
const TRACK: Rgb = [0.92, 0.93, 0.95];

/** Horizontal bars, one per row, scaled to `max`; labels on the left, values on the right. */
function barChart(
	c: Composer,
	caption: string,
	rows: { label: string; parts: { value: number; color: Rgb }[]; text: string }[],
	max: number,
	legend: { label: string; color: Rgb }[] = []
): void {
	const rowHeight = 13;
	const labelWidth = 150;
	const valueWidth = 95;
	const height = rows.length * rowHeight + 28;
	c.ensure(height);
	c.text(caption, c.left, c.y - SMALL * ASCENT, { size: SMALL, bold: true });
	let lx = c.left + c.faces.bold.width(caption, SMALL) + 12;
	for (const l of legend) {
		c.rect(lx, c.y - SMALL + 1, 8, 6, l.color);
		c.text(l.label, lx + 11, c.y - SMALL * ASCENT, { size: SMALL - 1, color: GREY });
		lx += 16 + c.faces.regular.width(l.label, SMALL - 1) + 8;
	}
	c.y -= 14;
	const x0 = c.left + labelWidth;
	const width = c.width - labelWidth - valueWidth;
	for (const row of rows) {
		const label = c.faces.regular.wrap(row.label, SMALL, labelWidth - 6)[0] ?? '';
		c.text(label, c.left, c.y - SMALL * ASCENT - 1, { size: SMALL });
		c.rect(x0, c.y - rowHeight + 3, width, rowHeight - 5, TRACK);
		let at = x0;
		for (const part of row.parts) {
			const w = max > 0 ? (Math.max(0, part.value) / max) * width : 0;
			if (w > 0) c.rect(at, c.y - rowHeight + 3, Math.min(w, x0 + width - at), rowHeight - 5, part.color);
			at += w;
		}
		c.text(row.text, x0 + width + 6, c.y - SMALL * ASCENT - 1, { size: SMALL });
		c.y -= rowHeight;
	}
	c.y -= 8;
}

/** Renders the report. The result is unsigned: pass it to `sealForumDocument`. */
export async function renderProgressReportPdf(doc: ProgressReportDocument): Promise<Uint8Array> {
	const locale = doc.locale ?? 'id';
	const L = LABELS[locale];
	const { pdf, fonts } = await newDocumentWithFonts(doc.documentId);
	pdf.setTitle(`${L.title} ${doc.periodLabel} – ${doc.programme}`);
	pdf.setAuthor(doc.forum.name);
	pdf.setSubject(`${doc.programme}, ${doc.periodLabel}`);
	pdf.setCreator('Mufakat');
	pdf.setProducer('Mufakat (pdf-lib)');
	pdf.setCreationDate(doc.generatedAt);
	pdf.setModificationDate(doc.generatedAt);
	pdf.setLanguage(locale === 'en' ? 'en' : 'id-ID');

	const c = new Composer(pdf, fonts);
	c.newPage('portrait');
	kop(c, doc, doc.logo ? await logoGraphic(pdf, doc.logo) : null);
	c.heading(L.title, { size: 14, align: 'center', spaceBefore: 0 });
	c.paragraph(`${doc.programme} · ${doc.periodLabel}`, { size: 11, bold: true, align: 'center', spaceAfter: 8 });
	c.table(
		[
			{ header: L.period, weight: 1 },
			{ header: doc.periodLabel, weight: 3 }
		],
		[
			[L.range, doc.periodRange],
			[L.programme, doc.programme],
			[L.basis, doc.verifiedOnly ? L.basisVerified : L.basisAll]
		],
		{ size: SMALL + 1 }
	);

	c.heading(L.summary, { size: 11, keepWith: 60 });
	c.table(
		[
			{ header: L.summaryItem, weight: 3 },
			{ header: L.summaryValue, weight: 2, align: 'right' }
		],
		doc.summary.map((s) => [s.label, s.value]),
		{ size: SMALL + 1 }
	);

	c.heading(L.perCommitment, { size: 11, keepWith: 80 });
	barChart(
		c,
		L.chartCaption,
		doc.commitments.map((k) => ({
			label: `${k.number}. ${k.statement}`,
			parts: [{ value: k.achievement ?? 0, color: k.verified ? BAR : BAR_LIGHT }],
			text: k.achievement == null ? '—' : formatPercent(k.achievement, locale)
		})),
		100
	);
	c.table(
		[
			{ header: L.no, weight: 0.5 },
			{ header: L.statement, weight: 4 },
			{ header: L.lead, weight: 1.6 },
			{ header: L.target, weight: 1.2, align: 'right' },
			{ header: L.realisation, weight: 1.2, align: 'right' },
			{ header: L.achievement, weight: 1, align: 'right' },
			{ header: L.lastReport, weight: 1.4 }
		],
		doc.commitments.map((k) => [
			k.number,
			k.statement,
			k.lead,
			k.target,
			k.realisation,
			k.achievement == null ? '—' : formatPercent(k.achievement, locale),
			k.verified || !k.period ? k.period || '—' : `${k.period} (${L.unverified})`
		]),
		{ size: SMALL, caption: L.perCommitment }
	);

	c.heading(L.beneficiaries, { size: 11, keepWith: 80 });
	if (doc.bySex.total === 0 && doc.desa.length === 0) {
		c.paragraph(L.noBeneficiaries, { size: BODY, spaceAfter: 6 });
	} else {
		c.paragraph(`${L.bySex}: ${L.male} ${formatNumber(doc.bySex.male, locale)} · ${L.female} ${formatNumber(doc.bySex.female, locale)} · ${L.total} ${formatNumber(doc.bySex.total, locale)}`, {
			size: BODY,
			bold: true,
			spaceAfter: 4
		});
		if (doc.groups.length)
			c.paragraph(`${L.groups}: ${doc.groups.map((g) => `${g.name} ${formatNumber(g.count, locale)}`).join(' · ')}`, { size: BODY, spaceAfter: 4 });
		c.paragraph(L.byDesa, { size: BODY, spaceAfter: 4 });
		if (doc.desa.length === 0) c.paragraph(L.noDesa, { size: BODY, spaceAfter: 4 });
		else {
			const max = Math.max(...doc.desa.map((d) => d.total));
			barChart(
				c,
				L.chartDesa,
				doc.desa.map((d) => ({
					label: d.name,
					parts: [
						{ value: d.male, color: BAR },
						{ value: d.female, color: FEMALE }
					],
					text: `${formatNumber(d.male, locale)} / ${formatNumber(d.female, locale)}`
				})),
				max,
				[
					{ label: L.male, color: BAR },
					{ label: L.female, color: FEMALE }
				]
			);
			c.table(
				[
					{ header: L.desa, weight: 2.5 },
					{ header: L.district, weight: 2 },
					{ header: L.male, weight: 1, align: 'right' },
					{ header: L.female, weight: 1, align: 'right' },
					{ header: L.total, weight: 1, align: 'right' }
				],
				[
					...doc.desa.map((d) => [d.name, d.district, formatNumber(d.male, locale), formatNumber(d.female, locale), formatNumber(d.total, locale)]),
					[L.total, '', formatNumber(doc.bySex.male, locale), formatNumber(doc.bySex.female, locale), formatNumber(doc.bySex.total, locale)]
				],
				{ size: SMALL, caption: L.beneficiaries }
			);
		}
		if (doc.withoutDesa.length) c.paragraph(`${L.withoutDesa}: ${doc.withoutDesa.join('; ')}`, { size: SMALL, color: GREY, spaceAfter: 4 });
	}

	c.heading(L.budget, { size: 11, keepWith: 80 });
	if (doc.budget.length === 0) c.paragraph(L.noBudget, { size: BODY, spaceAfter: 6 });
	else {
		const max = Math.max(...doc.budget.map((b) => Math.max(b.budget, b.spent)));
		barChart(
			c,
			L.chartBudget,
			doc.budget.flatMap((b) => [
				{ label: `${b.source} · ${L.planned}`, parts: [{ value: b.budget, color: BAR_LIGHT }], text: formatRupiah(b.budget, locale) },
				{ label: `${b.source} · ${L.spent}`, parts: [{ value: b.spent, color: BAR }], text: formatRupiah(b.spent, locale) }
			]),
			max
		);
		const t = doc.budgetTotal;
		c.table(
			[
				{ header: L.source, weight: 2 },
				{ header: L.planned, weight: 2, align: 'right' },
				{ header: L.spent, weight: 2, align: 'right' },
				{ header: L.percent, weight: 1, align: 'right' }
			],
			[
				...doc.budget.map((b) => [b.source, formatRupiah(b.budget, locale), formatRupiah(b.spent, locale), b.realisation == null ? '—' : formatPercent(b.realisation, locale)]),
				...(t ? [[L.total, formatRupiah(t.budget, locale), formatRupiah(t.spent, locale), t.realisation == null ? '—' : formatPercent(t.realisation, locale)]] : [])
			],
			{ size: SMALL, caption: L.budget }
		);
	}

	c.heading(L.issues, { size: 11, keepWith: 60 });
	if (doc.issues.length === 0) c.paragraph(L.noIssues, { size: BODY, spaceAfter: 6 });
	else
		c.table(
			[
				{ header: L.no, weight: 0.5 },
				{ header: L.statement, weight: 2.5 },
				{ header: L.obstacles, weight: 3 },
				{ header: L.followUp, weight: 3 }
			],
			doc.issues.map((i) => [i.number, i.label, i.obstacles || '—', i.followUp || '—']),
			{ size: SMALL, caption: L.issues }
		);

	c.space(12);
	c.ensure(90);
	c.paragraph(`${L.verifiedBy}: ${doc.verifiers.length ? doc.verifiers.join(', ') : L.nobody}`, { size: BODY, spaceAfter: 10 });
	const x = c.left + c.width * 0.55;
	const width = c.right - x;
	c.line(doc.placeAndDate, x, c.y - BODY * ASCENT, width, { size: BODY }, 'center');
	c.y -= BODY * 1.4;
	c.line(`${L.preparedBy} ${doc.forum.shortName}`, x, c.y - BODY * ASCENT, width, { size: BODY, bold: true }, 'center');
	c.y -= BODY * 1.6;
	c.paragraph(L.sealNote(doc.verifyUrl), { size: SMALL, color: GREY });

	const pages = c.pages;
	pages.forEach((page, i) => {
		const { width: pageWidth } = page.getSize();
		const label = L.page(i + 1, pages.length);
		const style = { size: 7.5, color: GREY };
		const footerY = MARGIN.bottom / 2;
		c.text(label, pageWidth - MARGIN.right - c.faces.regular.width(label, style.size), footerY, style, i);
		c.text(`${doc.documentId} · ${doc.forum.shortName}`, MARGIN.left, footerY, style, i);
	});
	c.finish();
	return pdf.save({ useObjectStreams: false });
}
