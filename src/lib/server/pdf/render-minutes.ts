/**
 * Lays out a signed berita acara as an A4 PDF: kop (the forum's logo, name and address), title and nomor, opening formula, parties,
 * agreed points, notes, the frozen matrix (landscape, header repeated on each page), commitments,
 * changes since the last meeting, closing formula, signature blocks, the daftar hadir annex with
 * signatures, and an audit page with a QR code to the verify page; "Halaman X dari Y" on every page.
 *
 * DejaVu Sans is embedded as a subset so names such as "Ma’ruf Syafiʼi" render (pdf-lib's standard
 * fonts only know WinAnsi). The file is saved with a classic xref table, which the seal and any
 * later incremental signature need.
 */
import { createHash } from 'node:crypto';
import fontkit from '@pdf-lib/fontkit';
import { PDFDocument } from 'pdf-lib';
import QRCode from 'qrcode';
import { loadFonts } from './embedded-fonts';
import { MINUTES_LABELS, type MinutesLabels } from './labels';
import { DEFAULT_TIME_ZONE, formatLongDateTime } from '../../time-zones';
import { formatNumber, formatRupiah } from '../../commitments/periods';
import { ASCENT, BLACK, Composer, deflatedStream, GREY, MARGIN, type Cell, type PlacedGraphic, type RichCell } from './layout';
import type { MinutesDocument, MinutesMatrixCell, SignatureRole, SignatureStrokes } from './minutes-document';
import { inkBox, signaturePng, strokesContent } from './signature-ink';

export type RenderOptions = {
	/** 'vector' (default) draws strokes as paths; 'png' embeds 600 px images, for the benchmark only. */
	signatureStyle?: 'vector' | 'png';
};

const BODY = 10;
const SMALL = 8;

/** "Senin, 8 November 2021 pukul 10.15 WIB": the forum's own words and zone, as on its pages. */
export function formatAuditTime(date: Date, timeZone: string = DEFAULT_TIME_ZONE, locale: 'id' | 'en' = 'id'): string {
	return formatLongDateTime(date, timeZone, locale);
}

/** The cell's fields as paragraphs: the type's label in bold, then what was agreed, each detail on its own line. */
function contributionCell(cell: MinutesMatrixCell, labels: MinutesLabels, locale: 'id' | 'en'): RichCell | string {
	if (cell === null) return '';
	if (typeof cell === 'string') return cell;
	const paragraphs: RichCell['paragraphs'] = [];
	if (cell.type) paragraphs.push({ text: labels.contributionType(cell.type), bold: true });
	if (cell.description.trim()) paragraphs.push({ text: cell.description.trim() });
	const detail = (label: string, value: string) => value && paragraphs.push({ text: `${label}: ${value}` });
	// "150 kelompok · Rp 3.000.000.000": volume and value read without labels, and one line saves a row's height.
	const amount = [cell.volume !== null ? `${formatNumber(cell.volume, locale)} ${cell.unit}`.trim() : cell.unit.trim(), cell.valueRupiah !== null ? rupiah(cell.valueRupiah, locale) : '']
		.filter(Boolean)
		.join(' · ');
	if (amount) paragraphs.push({ text: amount });
	detail(labels.sites, cell.sites.map((site) => site.name).join(', '));
	detail(labels.timing, cell.timing.trim());
	detail(labels.funding, cell.fundingSource.trim());
	return { paragraphs };
}

/** "Rp 20.000.000" kept on one line: the space after "Rp" does not break. */
const rupiah = (value: number, locale: 'id' | 'en') => formatRupiah(value, locale).replace(' ', '\u00a0');

const valueOf = (cell: MinutesMatrixCell) => (cell && typeof cell === 'object' ? cell.valueRupiah : null);

/** Sums the values present; null when none of them has one, so that "no money agreed" is not printed as Rp 0. */
function sum(values: (number | null)[]): number | null {
	const present = values.filter((v): v is number => v !== null);
	return present.length ? present.reduce((a, b) => a + b, 0) : null;
}

/**
 * The frozen matrix on landscape pages: institutions down, components across, each cell with every
 * field that was agreed; the Rupiah total of each institution in the last column and of each
 * component in the last row. Smaller type for more components, so that 20 × 6 stays readable;
 * text wraps, and a row too tall for a page continues on the next under the repeated header.
 */
function matrixSection(c: Composer, matrix: NonNullable<MinutesDocument['matrix']>, labels: MinutesLabels, locale: 'id' | 'en'): void {
	c.newPage('landscape');
	c.heading(labels.matrix, { size: 11.5, spaceBefore: 0, keepWith: 0 });
	c.paragraph(labels.matrixVersion(matrix.version, matrix.contentHash), { size: SMALL, color: GREY, spaceAfter: 6 });
	const n = matrix.components.length;
	const withMoney = matrix.rows.some((r) => r.cells.some((cell) => valueOf(cell) !== null));
	const money = (v: number | null) => (v === null ? '—' : rupiah(v, locale));
	const rows: Cell[][] = matrix.rows.map((row, i) => [
		String(i + 1),
		{ paragraphs: [{ text: row.institution, bold: true }, { text: `(${row.sector})`, color: GREY }] },
		...matrix.components.map((_, k) => contributionCell(row.cells[k] ?? null, labels, locale)),
		...(withMoney ? [money(sum(row.cells.map(valueOf)))] : [])
	]);
	if (withMoney) {
		const bold = (text: string): RichCell => ({ paragraphs: [{ text, bold: true }] });
		rows.push([
			'',
			bold(labels.total),
			...matrix.components.map((_, k) => bold(money(sum(matrix.rows.map((r) => valueOf(r.cells[k] ?? null)))))),
			bold(money(sum(matrix.rows.flatMap((r) => r.cells.map(valueOf)))))
		]);
	}
	c.table(
		[
			{ header: labels.no, weight: 0.3, align: 'center' },
			{ header: `${labels.institution} (${labels.unsur})`, weight: 1.2 },
			...matrix.components.map((name) => ({ header: name, weight: 6 / Math.max(n, 2) })),
			...(withMoney ? [{ header: labels.totalRupiah, weight: 0.85, align: 'right' as const }] : [])
		],
		rows,
		{ size: n <= 3 ? 7.5 : n <= 5 ? 7 : 6.5, caption: labels.matrix, continued: labels.continued }
	);
	c.newPage('portrait');
}

/**
 * PNGs the PNG route has made, by stroke data: the server would have them stored already, so the
 * benchmark measures embedding them, not drawing them. Bounded; the route is not used in production.
 */
const pngCache = new Map<string, Uint8Array>();

/** One Form XObject (or image) per distinct signature, drawn wherever that signature appears. */
class SignatureGraphics {
	private readonly made = new Map<string, PlacedGraphic | null>();
	/** The same strokes object usually comes twice (block and annex): skip serialising it again. */
	private readonly keys = new WeakMap<SignatureStrokes, string>();

	constructor(
		private readonly doc: PDFDocument,
		private readonly style: 'vector' | 'png'
	) {}

	async get(strokes: SignatureStrokes | null): Promise<PlacedGraphic | null> {
		if (!strokes) return null;
		// Keyed by content, not identity: the caller may load a signature once for its block and again for the annex.
		let key = this.keys.get(strokes);
		if (key === undefined) {
			key = JSON.stringify(strokes);
			this.keys.set(strokes, key);
		}
		const known = this.made.get(key);
		if (known !== undefined) return known;
		const box = inkBox(strokes);
		let graphic: PlacedGraphic | null = null;
		if (box && this.style === 'vector') {
			// Pad coordinates run downwards; /Matrix flips them so the box sits at y ∈ [-maxY, -minY].
			const ref = deflatedStream(this.doc.context, strokesContent(strokes), {
				Type: 'XObject',
				Subtype: 'Form',
				BBox: [box.minX, box.minY, box.maxX, box.maxY],
				Matrix: [1, 0, 0, -1, 0, 0],
				Resources: {}
			});
			graphic = { ref, box: { x: box.minX, y: -box.maxY, width: box.maxX - box.minX, height: box.maxY - box.minY } };
		} else if (box) {
			let png = pngCache.get(key);
			if (!png) {
				png = signaturePng(strokes, 600);
				if (pngCache.size > 2000) pngCache.clear();
				pngCache.set(key, png);
			}
			const image = await this.doc.embedPng(png);
			// An image XObject draws into the unit square: wrap it in a form of the image's pixel size.
			const ref = deflatedStream(this.doc.context, `q ${image.width} 0 0 ${image.height} 0 0 cm /Im Do Q`, {
				Type: 'XObject',
				Subtype: 'Form',
				BBox: [0, 0, image.width, image.height],
				Resources: { XObject: { Im: image.ref } }
			});
			graphic = { ref, box: { x: 0, y: 0, width: image.width, height: image.height } };
		}
		this.made.set(key, graphic);
		return graphic;
	}
}

function qrGraphic(doc: PDFDocument, url: string): PlacedGraphic {
	const qr = QRCode.create(url, { errorCorrectionLevel: 'M' });
	const size = qr.modules.size;
	const ops: string[] = ['0 0 0 rg'];
	// One rectangle per horizontal run of dark modules; row 0 is at the top.
	for (let row = 0; row < size; row++)
		for (let col = 0; col < size; ) {
			if (!qr.modules.get(row, col)) {
				col++;
				continue;
			}
			let end = col;
			while (end < size && qr.modules.get(row, end)) end++;
			ops.push(`${col} ${size - row - 1} ${end - col} 1 re`);
			col = end;
		}
	ops.push('f');
	const quiet = 2;
	const ref = deflatedStream(doc.context, ops.join('\n'), { Type: 'XObject', Subtype: 'Form', BBox: [-quiet, -quiet, size + quiet, size + quiet], Resources: {} });
	return { ref, box: { x: -quiet, y: -quiet, width: size + 2 * quiet, height: size + 2 * quiet } };
}

/** The letterhead's logo as a form of the image's own size, so `place` keeps its proportions. */
export async function logoGraphic(pdf: PDFDocument, logo: NonNullable<MinutesDocument['logo']>): Promise<PlacedGraphic> {
	const image = logo.mime === 'image/png' ? await pdf.embedPng(logo.bytes) : await pdf.embedJpg(logo.bytes);
	const ref = deflatedStream(pdf.context, `q ${image.width} 0 0 ${image.height} 0 0 cm /Im Do Q`, {
		Type: 'XObject',
		Subtype: 'Form',
		BBox: [0, 0, image.width, image.height],
		Resources: { XObject: { Im: image.ref } }
	});
	return { ref, box: { x: 0, y: 0, width: image.width, height: image.height } };
}

const LOGO_BOX = { width: 64, height: 60 };

/**
 * The kop: the logo on the left (when the forum has one), the forum's name and the secretariat's
 * address centred on the page, then the double rule.
 */
export function kop(c: Composer, doc: Pick<MinutesDocument, 'kop'>, logo: PlacedGraphic | null): void {
	const [first, ...rest] = doc.kop;
	const top = c.y;
	// Text keeps clear of the logo on both sides so that it stays centred on the page.
	const side = logo ? LOGO_BOX.width + 10 : 0;
	const x = c.left + side;
	const width = c.width - 2 * side;
	let y = top;
	const lines: [string, number, boolean, number][] = [];
	if (first) for (const line of c.faces.bold.wrap(first.toUpperCase(), 13, width)) lines.push([line, 13, true, 16]);
	for (const entry of rest) for (const line of c.faces.regular.wrap(entry, 9, width)) lines.push([line, 9, false, 11.5]);
	const textHeight = lines.reduce((h, l) => h + l[3], 0);
	// A short letterhead is centred beside a taller logo.
	if (logo && textHeight < LOGO_BOX.height) y -= (LOGO_BOX.height - textHeight) / 2;
	for (const [line, size, bold, lineHeight] of lines) {
		c.line(line, x, y - size * ASCENT, width, { size, bold }, 'center');
		y -= lineHeight;
	}
	if (logo) c.place(logo, { x: c.left, y: top - LOGO_BOX.height, width: LOGO_BOX.width, height: LOGO_BOX.height });
	c.y = Math.min(y, logo ? top - LOGO_BOX.height : y) - 4;
	// The double rule under an Indonesian letterhead: thick, then thin.
	c.hrule(c.left, c.right, c.y, 1.6, BLACK);
	c.hrule(c.left, c.right, c.y - 2.6, 0.5, BLACK);
	c.y -= 16;
}

function titleBlock(c: Composer, doc: MinutesDocument, labels: MinutesLabels): void {
	c.paragraph(doc.title, { size: 14, bold: true, align: 'center', lineHeight: 17 });
	c.paragraph(doc.subtitle, { size: 10.5, bold: true, align: 'center', lineHeight: 13.5 });
	c.paragraph(`${labels.nomor}: ${doc.nomor}`, { size: BODY, align: 'center', spaceAfter: 12 });
}

/**
 * "Para Pihak", "Saksi" or "Mengetahui": three blocks to a row (a short last row centred), each with
 * the instansi, the drawn signature, the name underlined, the jabatan and when it was signed.
 * A row of blocks is never split across pages.
 */
async function signatureBlocks(c: Composer, doc: MinutesDocument, role: SignatureRole, labels: MinutesLabels, graphics: SignatureGraphics): Promise<void> {
	const group = doc.signatures.filter((s) => s.role === role);
	if (!group.length) return;
	const perRow = 3;
	const columnWidth = c.width / perRow;
	const inner = columnWidth - 14;
	const boxHeight = 44;
	c.heading(`${labels.roles[role]},`, { size: BODY + 0.5, align: 'center', keepWith: 120, spaceBefore: 12 });
	for (let i = 0; i < group.length; i += perRow) {
		const chunk = group.slice(i, i + perRow);
		const blocks = chunk.map((s) => ({
			signature: s,
			instansi: c.faces.regular.wrap(s.instansi, SMALL, inner),
			name: c.faces.bold.wrap(s.name, BODY - 0.5, inner),
			jabatan: c.faces.regular.wrap(s.jabatan, SMALL, inner),
			signedOn: labels.signedOn(formatAuditTime(s.signedAt, doc.timeZone, doc.locale))
		}));
		const heights = blocks.map((b) => b.instansi.length * 10 + 4 + boxHeight + 4 + b.name.length * 12 + b.jabatan.length * 10 + 9 + 14);
		const height = Math.max(...heights);
		c.ensure(height);
		// A short last row is centred under the others.
		const x0 = c.left + ((perRow - chunk.length) * columnWidth) / 2;
		for (const [k, block] of blocks.entries()) {
			const x = x0 + k * columnWidth + 7;
			let y = c.y;
			for (const line of block.instansi) {
				c.line(line, x, y - SMALL * 0.93, inner, { size: SMALL, color: GREY }, 'center', true);
				y -= 10;
			}
			y -= 4;
			const graphic = await graphics.get(block.signature.strokes);
			if (graphic) c.place(graphic, { x: x + inner * 0.1, y: y - boxHeight, width: inner * 0.8, height: boxHeight });
			y -= boxHeight + 4;
			for (const line of block.name) {
				c.line(line, x, y - (BODY - 0.5) * 0.93, inner, { size: BODY - 0.5, bold: true }, 'center', true);
				const w = c.faces.bold.width(line, BODY - 0.5);
				c.hrule(x + (inner - w) / 2, x + (inner + w) / 2, y - (BODY - 0.5) * 0.93 - 1.5, 0.6, BLACK);
				y -= 12;
			}
			for (const line of block.jabatan) {
				c.line(line, x, y - SMALL * 0.93, inner, { size: SMALL }, 'center', true);
				y -= 10;
			}
			c.line(block.signedOn, x, y - 6.5 * 0.93, inner, { size: 6.5, color: GREY }, 'center', true);
		}
		c.y -= height;
	}
}

function distinct<T>(values: T[]): T[] {
	return [...new Set(values)];
}

async function auditPage(c: Composer, doc: MinutesDocument, labels: MinutesLabels, pdf: PDFDocument): Promise<void> {
	const { audit } = doc;
	const timeZone = doc.timeZone ?? DEFAULT_TIME_ZONE;
	c.newPage('portrait');
	c.heading(labels.audit, { size: 13, keepWith: 0, spaceBefore: 0 });
	const qrSize = 92;
	const qrTop = c.y;
	c.place(qrGraphic(pdf, audit.verifyUrl), { x: c.right - qrSize, y: qrTop - qrSize, width: qrSize, height: qrSize });
	const labelWidth = 10 + Math.max(...[labels.documentId, labels.nomor, labels.textHash, labels.matrixHash, labels.generatedAt, labels.verifyAt, labels.sealTime].map((l) => c.faces.bold.width(l, SMALL + 0.5)));
	const valueWidth = c.width - qrSize - 12 - labelWidth;
	const facts: [string, string][] = [
		[labels.documentId, doc.documentId],
		[labels.nomor, doc.nomor],
		[labels.textHash, audit.textHash],
		[labels.matrixHash, audit.matrixHash ?? '—'],
		[labels.generatedAt, formatAuditTime(audit.generatedAt, timeZone, doc.locale)],
		[labels.verifyAt, audit.verifyUrl],
		// Said on the document itself, so a reader knows what the seal's time rests on.
		...(audit.sealTimeAuthority === undefined
			? []
			: [[labels.sealTime, audit.sealTimeAuthority === null ? labels.sealTimeServerClock : labels.sealTimeAuthority(audit.sealTimeAuthority)] as [string, string]])
	];
	for (const [label, value] of facts) {
		const lines = c.faces.regular.wrap(value, SMALL + 0.5, valueWidth);
		c.text(label, c.left, c.y - SMALL * 0.93, { size: SMALL + 0.5, bold: true });
		lines.forEach((line, i) => c.text(line, c.left + labelWidth, c.y - SMALL * 0.93 - i * 11, { size: SMALL + 0.5 }));
		c.y -= lines.length * 11 + 3;
	}
	c.y = Math.min(c.y, qrTop - qrSize) - 10;
	// The plain statement of what these signatures are comes before the details, on the first audit page.
	const disclaimerLines = c.faces.regular.wrap(doc.disclaimer, SMALL + 0.5, c.width - 16);
	const boxHeight = disclaimerLines.length * 11 + 12;
	c.rect(c.left, c.y - boxHeight, c.width, boxHeight, [0.98, 0.96, 0.9], { color: BLACK, width: 0.8 });
	disclaimerLines.forEach((line, i) => c.text(line, c.left + 8, c.y - 6 - SMALL * 0.93 - i * 11, { size: SMALL + 0.5 }));
	c.y -= boxHeight + 4;

	// The consent statement is usually the same for everyone: print each distinct one once.
	const statements = distinct(audit.signers.map((s) => s.consent));
	c.heading(labels.consent, { size: BODY, keepWith: 30 });
	statements.forEach((statement, i) => c.listItem(`[${i + 1}]`, statement, { size: SMALL + 0.5, labelWidth: 18, lineHeight: 11, spaceAfter: 3 }));

	c.heading(labels.signers, { size: BODY, keepWith: 60 });
	const rows: Cell[][] = audit.signers.map((s, i) => [
		String(i + 1),
		s.name,
		labels.roleOne[s.role],
		formatAuditTime(s.signedAt, timeZone, doc.locale),
		s.ip,
		s.device,
		`[${statements.indexOf(s.consent) + 1}]`,
		s.shownHash === audit.textHash ? labels.sameAsTextHash : s.shownHash
	]);
	c.table(
		[
			{ header: labels.no, weight: 0.45, align: 'center' },
			{ header: labels.name, weight: 2.1 },
			{ header: labels.role, weight: 1.15 },
			{ header: labels.signedAt, weight: 1.75 },
			{ header: labels.ip, weight: 1.35 },
			{ header: labels.device, weight: 1.6 },
			{ header: labels.consent, weight: 1.05, align: 'center' },
			{ header: labels.shownHash, weight: 1.6 }
		],
		rows,
		{ size: 7, caption: labels.signers, continued: labels.continued }
	);

}

/**
 * "ABCDEF+DejaVuSans": a subset font's name starts with six capitals and a plus (PDF 9.6.4), which
 * is how viewers and preflight tools know it is a subset; pdf-lib would add a random suffix instead.
 */
function subsetName(fontName: string, documentId: string): string {
	const digest = createHash('sha256').update(`${documentId}\0${fontName}`).digest();
	const tag = [...digest.subarray(0, 6)].map((b) => String.fromCharCode(65 + (b % 26))).join('');
	return `${tag}+${fontName}`;
}

/**
 * A new PDF with the bundled DejaVu Sans embedded as subsets named after the document, so that the
 * same document renders to the same bytes (the berita acara and the Laporan Kemajuan alike).
 */
export async function newDocumentWithFonts(documentId: string) {
	const pdf = await PDFDocument.create({ updateMetadata: false });
	pdf.registerFontkit(fontkit);
	const fontBytes = loadFonts();
	const fonts = {
		regular: await pdf.embedFont(fontBytes.regular, { subset: true, customName: subsetName('DejaVuSans', documentId) }),
		bold: await pdf.embedFont(fontBytes.bold, { subset: true, customName: subsetName('DejaVuSans-Bold', documentId) })
	};
	return { pdf, fonts };
}

/** Renders the minutes. The result is unsigned: pass it to `sealPdf`. */
export async function renderMinutesPdf(doc: MinutesDocument, opts: RenderOptions = {}): Promise<Uint8Array> {
	const labels = MINUTES_LABELS[doc.locale ?? 'id'];
	const { pdf, fonts } = await newDocumentWithFonts(doc.documentId);
	pdf.setTitle(`${doc.title} ${doc.nomor} – ${doc.subtitle}`);
	pdf.setAuthor(doc.forum.name);
	pdf.setSubject(doc.subtitle);
	pdf.setCreator('Mufakat');
	pdf.setProducer('Mufakat (pdf-lib)');
	pdf.setCreationDate(doc.audit.generatedAt);
	pdf.setModificationDate(doc.audit.generatedAt);
	pdf.setLanguage(doc.locale === 'en' ? 'en' : 'id-ID');

	const graphics = new SignatureGraphics(pdf, opts.signatureStyle ?? 'vector');
	const c = new Composer(pdf, fonts);
	c.newPage('portrait');
	kop(c, doc, doc.logo ? await logoGraphic(pdf, doc.logo) : null);
	titleBlock(c, doc, labels);
	c.paragraph(doc.openingFormula, { size: BODY, align: 'justify', spaceAfter: 8 });

	c.heading(`${labels.parties}:`, { size: BODY, keepWith: 40 });
	c.table(
		[
			{ header: labels.no, weight: 0.5, align: 'center' },
			{ header: labels.name, weight: 3 },
			{ header: labels.jabatan, weight: 3.2 },
			{ header: labels.instansi, weight: 3.3 }
		],
		doc.parties.map((p, i) => [String(i + 1), p.name, p.jabatan, p.instansi]),
		{ size: SMALL + 0.5, caption: labels.parties, continued: labels.continued }
	);

	c.heading(`${labels.agreedPoints}:`, { size: BODY, keepWith: 40 });
	doc.agreedPoints.forEach((point, i) => c.listItem(`${i + 1}.`, point, { size: BODY, labelWidth: 20, align: 'justify', spaceAfter: 3 }));

	if (doc.notes.trim()) {
		c.heading(`${labels.notes}:`, { size: BODY, keepWith: 30 });
		for (const paragraph of doc.notes.trim().split(/\n\s*\n/)) c.paragraph(paragraph.trim(), { size: BODY, align: 'justify', spaceAfter: 4 });
	}

	if (doc.matrix) matrixSection(c, doc.matrix, labels, doc.locale ?? 'id');

	if (doc.commitments.length) {
		c.heading(labels.commitments, { size: BODY + 0.5, keepWith: 50 });
		c.table(
			[
				{ header: labels.no, weight: 0.5, align: 'center' },
				{ header: labels.commitment, weight: 5 },
				{ header: labels.lead, weight: 2.2 },
				{ header: labels.target, weight: 2.3 }
			],
			doc.commitments.map((k) => [String(k.number), k.statement, k.lead, k.target]),
			{ size: SMALL + 0.5, caption: labels.commitments, continued: labels.continued }
		);
	}

	if (doc.changesSinceLastMeeting.length) {
		c.heading(`${labels.changes}:`, { size: BODY, keepWith: 30 });
		for (const change of doc.changesSinceLastMeeting) c.listItem('•', change, { size: BODY, labelWidth: 14, align: 'justify', spaceAfter: 2 });
	}

	c.space(8);
	c.paragraph(doc.closingFormula, { size: BODY, align: 'justify', spaceAfter: 10 });
	c.ensure(BODY * 1.4 + 150);
	c.paragraph(doc.placeAndDate, { size: BODY, align: 'right' });
	for (const role of ['party', 'witness', 'acknowledging'] as const) await signatureBlocks(c, doc, role, labels, graphics);

	if (doc.attendance.length) {
		c.newPage('portrait');
		c.heading(labels.attendanceAnnex, { size: 11.5, spaceBefore: 0, keepWith: 0 });
		c.paragraph(`${doc.subtitle} · ${labels.nomor} ${doc.nomor}`, { size: SMALL, color: GREY, spaceAfter: 6 });
		const rows: Cell[][] = [];
		for (const a of doc.attendance)
			rows.push([String(a.no), a.name, a.jabatan, a.instansi, a.unsur, a.gender, a.time, { signature: await graphics.get(a.strokes) }]);
		c.table(
			[
				{ header: labels.no, weight: 0.5, align: 'center' },
				{ header: labels.name, weight: 2.2 },
				{ header: labels.jabatan, weight: 2 },
				{ header: labels.instansi, weight: 2 },
				{ header: labels.unsur, weight: 1.2 },
				{ header: labels.gender, weight: 0.5, align: 'center' },
				// Wide enough for "08.52 WITA" on one line.
				{ header: labels.time, weight: 1.35, align: 'center' },
				{ header: labels.signature, weight: 1.85 }
			],
			rows,
			{ size: SMALL, signatureRowHeight: 26, caption: labels.attendanceAnnex, continued: labels.continued }
		);
	}

	await auditPage(c, doc, labels, pdf);

	const pages = c.pages;
	pages.forEach((page, i) => {
		const { width } = page.getSize();
		const label = labels.page(i + 1, pages.length);
		const style = { size: 7.5, color: GREY };
		const footerY = MARGIN.bottom / 2;
		c.text(label, width - MARGIN.right - c.faces.regular.width(label, style.size), footerY, style, i);
		c.text(`${doc.documentId} · ${doc.forum.shortName}`, MARGIN.left, footerY, style, i);
	});
	c.finish();

	return pdf.save({ useObjectStreams: false });
}
