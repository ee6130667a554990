/**
 * A small page composer on top of pdf-lib: a cursor running down A4 pages, wrapped and justified
 * paragraphs that break between lines (never inside one), and tables whose header row is repeated
 * on every page they run onto.
 *
 * Pages are written as PDF content text and compressed with node:zlib, instead of through
 * pdf-lib's drawText/drawLine: those validate every option, lay each string out through fontkit's
 * OpenType shaping and deflate in JavaScript, which made a 100-signer document cost about half a
 * second. pdf-lib still provides the document, the font subsetting (with its ToUnicode map, which
 * text search and pdftotext rely on), images and saving.
 */
import { deflateSync } from 'node:zlib';
import { PDFName, type PDFContext, type PDFDocument, type PDFFont, type PDFPage, type PDFRef } from 'pdf-lib';

export type Orientation = 'portrait' | 'landscape';

const A4: [number, number] = [595.28, 841.89];
export const MARGIN = { top: 54, right: 56, bottom: 62, left: 62 } as const;

export type Rgb = readonly [number, number, number];
export const BLACK: Rgb = [0, 0, 0];
export const GREY: Rgb = [0.35, 0.35, 0.35];
const RULE: Rgb = [0.55, 0.55, 0.55];
const HEADER_FILL: Rgb = [0.9, 0.92, 0.95];

/** Distance from a line's top to its baseline, as a share of the font size (DejaVu's ascent). */
export const ASCENT = 0.93;

const num = (n: number) => String(Math.round(n * 100) / 100);
const colour = (c: Rgb) => `${num(c[0])} ${num(c[1])} ${num(c[2])}`;

/** A stream compressed natively; pdf-lib's own flateStream deflates in JavaScript. */
export function deflatedStream(context: PDFContext, data: string | Uint8Array, dict: Record<string, unknown> = {}): PDFRef {
	const bytes = typeof data === 'string' ? Buffer.from(data, 'latin1') : data;
	return context.register(context.stream(deflateSync(bytes), { ...dict, Filter: 'FlateDecode' } as Parameters<PDFContext['stream']>[1]));
}

/**
 * An embedded (subset) font with per-character caches of glyph codes and advances. Text is set
 * character by character, without OpenType shaping: right for the Latin script of Indonesian names,
 * and the same glyphs pdf-lib would draw (it applies no kerning either). Text is NFC-normalised so
 * that "José" typed with a combining accent uses the precomposed glyph.
 */
export class FontFace {
	private readonly codes = new Map<string, string>();
	private readonly advances = new Map<string, number>();
	constructor(readonly font: PDFFont) {}

	/** Glyph ids as hex for a Tj operand; registers the glyphs in the subset. */
	encode(text: string): string {
		let hex = '';
		for (const ch of text.normalize('NFC')) {
			let code = this.codes.get(ch);
			if (code === undefined) {
				code = this.font.encodeText(ch).toString().slice(1, -1);
				this.codes.set(ch, code);
			}
			hex += code;
		}
		return hex;
	}

	width(text: string, size: number): number {
		let total = 0;
		for (const ch of text.normalize('NFC')) {
			let advance = this.advances.get(ch);
			if (advance === undefined) {
				advance = this.font.widthOfTextAtSize(ch, 1000);
				this.advances.set(ch, advance);
			}
			total += advance;
		}
		return (total * size) / 1000;
	}

	/** Greedy line filling; explicit newlines are kept; a word longer than the line is cut by characters. */
	wrap(text: string, size: number, maxWidth: number): string[] {
		const lines: string[] = [];
		const space = this.width(' ', size);
		for (const paragraph of text.split('\n')) {
			let line = '';
			let lineWidth = 0;
			for (const word of paragraph.split(/[ \t]+/).filter(Boolean)) {
				const wordWidth = this.width(word, size);
				if (line && lineWidth + space + wordWidth <= maxWidth) {
					line += ' ' + word;
					lineWidth += space + wordWidth;
					continue;
				}
				if (line) lines.push(line);
				if (wordWidth <= maxWidth) {
					line = word;
					lineWidth = wordWidth;
					continue;
				}
				line = '';
				lineWidth = 0;
				for (const ch of word) {
					const w = this.width(ch, size);
					if (line && lineWidth + w > maxWidth) {
						lines.push(line);
						line = '';
						lineWidth = 0;
					}
					line += ch;
					lineWidth += w;
				}
			}
			lines.push(line);
		}
		return lines;
	}
}

/** One page's content, kept as operator text until the document is finished. Resource keys include the slash. */
class PageContent {
	readonly ops: string[] = [];
	private readonly fontKeys = new Map<FontFace, string>();
	private readonly xobjectKeys = new Map<PDFRef, string>();
	constructor(readonly page: PDFPage) {}

	fontKey(face: FontFace): string {
		let key = this.fontKeys.get(face);
		if (!key) {
			key = this.page.node.newFontDictionary('F', face.font.ref).asString();
			this.fontKeys.set(face, key);
		}
		return key;
	}

	xobjectKey(ref: PDFRef): string {
		let key = this.xobjectKeys.get(ref);
		if (!key) {
			key = this.page.node.newXObject('X', ref).asString();
			this.xobjectKeys.set(ref, key);
		}
		return key;
	}
}

export type Fonts = { regular: PDFFont; bold: PDFFont };

export type TextStyle = { size: number; bold?: boolean; color?: Rgb };

export type Align = 'left' | 'center' | 'right' | 'justify';

export type ParagraphOptions = TextStyle & { align?: Align; indent?: number; lineHeight?: number; spaceAfter?: number };

export type Column = { header: string; weight: number; align?: 'left' | 'center' | 'right' };

/** A Form XObject and its box in its own units, ready to be scaled into a frame. */
export type PlacedGraphic = { ref: PDFRef; box: { x: number; y: number; width: number; height: number } };

/** A drawn signature placed into a cell; `null` leaves the cell empty. */
export type SignatureCell = { signature: PlacedGraphic | null };
/** Paragraphs each in their own style (a bold label over its details), wrapped like any text. */
export type RichCell = { paragraphs: { text: string; bold?: boolean; color?: Rgb }[] };
export type Cell = string | SignatureCell | RichCell;

type StyledLine = { text: string; bold?: boolean; color?: Rgb };

const isSignature = (cell: Cell): cell is SignatureCell => typeof cell !== 'string' && 'signature' in cell;
const paragraphsOf = (cell: Cell): RichCell['paragraphs'] | null =>
	typeof cell === 'string' ? [{ text: cell }] : 'paragraphs' in cell ? cell.paragraphs : null;

export type TableOptions = {
	size: number;
	/** Minimum height of a row holding a signature. */
	signatureRowHeight?: number;
	/** Printed above the repeated header on the pages a table continues onto. */
	caption?: string;
	continued?: string;
};

export class Composer {
	private readonly contents: PageContent[] = [];
	private current!: PageContent;
	y = 0;
	orientation: Orientation = 'portrait';
	readonly faces: { regular: FontFace; bold: FontFace };

	constructor(
		readonly doc: PDFDocument,
		fonts: Fonts
	) {
		this.faces = { regular: new FontFace(fonts.regular), bold: new FontFace(fonts.bold) };
	}

	get pages(): PDFPage[] {
		return this.contents.map((c) => c.page);
	}
	get pageWidth() {
		return this.orientation === 'portrait' ? A4[0] : A4[1];
	}
	get pageHeight() {
		return this.orientation === 'portrait' ? A4[1] : A4[0];
	}
	get left() {
		return MARGIN.left;
	}
	get right() {
		return this.pageWidth - MARGIN.right;
	}
	get width() {
		return this.right - this.left;
	}
	get top() {
		return this.pageHeight - MARGIN.top;
	}
	/** Space left above the bottom margin. */
	get room() {
		return this.y - MARGIN.bottom;
	}
	get atTopOfPage() {
		return this.y >= this.top - 0.01;
	}

	newPage(orientation: Orientation = this.orientation): void {
		this.orientation = orientation;
		const page = this.doc.addPage(orientation === 'portrait' ? A4 : [A4[1], A4[0]]);
		this.current = new PageContent(page);
		this.contents.push(this.current);
		this.y = this.top;
	}

	/** Starts a new page unless `height` still fits on this one. */
	ensure(height: number): void {
		if (this.room < height && !this.atTopOfPage) this.newPage();
	}

	space(height: number): void {
		if (!this.atTopOfPage) this.y -= height;
	}

	face(bold?: boolean): FontFace {
		return bold ? this.faces.bold : this.faces.regular;
	}

	/** `onPage` draws on an earlier page by index (footers, once the page count is known). */
	text(text: string, x: number, baseline: number, style: TextStyle, onPage: number = this.contents.length - 1): void {
		if (!text) return;
		const content = this.contents[onPage]!;
		const face = this.face(style.bold);
		content.ops.push(`${colour(style.color ?? BLACK)} rg BT ${content.fontKey(face)} ${num(style.size)} Tf ${num(x)} ${num(baseline)} Td <${face.encode(text)}> Tj ET`);
	}

	hrule(x1: number, x2: number, y: number, thickness = 0.5, color: Rgb = RULE): void {
		this.current.ops.push(`${colour(color)} RG ${num(thickness)} w ${num(x1)} ${num(y)} m ${num(x2)} ${num(y)} l S`);
	}

	rect(x: number, y: number, width: number, height: number, fill: Rgb, border?: { color: Rgb; width: number }): void {
		const path = `${num(x)} ${num(y)} ${num(width)} ${num(height)} re`;
		this.current.ops.push(border ? `${colour(fill)} rg ${colour(border.color)} RG ${num(border.width)} w ${path} B` : `${colour(fill)} rg ${path} f`);
	}

	/** Draws one line inside [x, x + width]; justified lines are set word by word. */
	line(text: string, x: number, baseline: number, width: number, style: TextStyle, align: Align = 'left', last = true): void {
		const face = this.face(style.bold);
		if (align === 'justify' && !last) {
			const words = text.split(' ');
			const widths = words.map((w) => face.width(w, style.size));
			const gap = words.length > 1 ? (width - widths.reduce((a, b) => a + b, 0)) / (words.length - 1) : 0;
			// A line with few words and a huge gap reads worse justified than ragged.
			if (words.length > 1 && gap < face.width(' ', style.size) * 4) {
				let at = x;
				words.forEach((word, i) => {
					this.text(word, at, baseline, style);
					at += widths[i]! + gap;
				});
				return;
			}
		}
		const w = align === 'center' || align === 'right' ? face.width(text, style.size) : 0;
		const offset = align === 'center' ? (width - w) / 2 : align === 'right' ? width - w : 0;
		this.text(text, x + offset, baseline, style);
	}

	/** A wrapped paragraph at the cursor; breaks to the next page between lines. */
	paragraph(text: string, options: ParagraphOptions): void {
		const indent = options.indent ?? 0;
		const width = this.width - indent;
		const lineHeight = options.lineHeight ?? options.size * 1.4;
		const lines = this.face(options.bold).wrap(text, options.size, width);
		lines.forEach((line, i) => {
			this.ensure(lineHeight);
			this.line(line, this.left + indent, this.y - options.size * ASCENT, width, options, options.align, i === lines.length - 1);
			this.y -= lineHeight;
		});
		this.y -= options.spaceAfter ?? 0;
	}

	/** A numbered (or bulleted) list item with a hanging label. */
	listItem(label: string, text: string, options: ParagraphOptions & { labelWidth: number }): void {
		const lineHeight = options.lineHeight ?? options.size * 1.4;
		const x = this.left + (options.indent ?? 0);
		const width = this.right - x - options.labelWidth;
		const lines = this.face(options.bold).wrap(text, options.size, width);
		lines.forEach((line, i) => {
			this.ensure(lineHeight);
			const baseline = this.y - options.size * ASCENT;
			if (i === 0) this.text(label, x, baseline, options);
			this.line(line, x + options.labelWidth, baseline, width, options, options.align, i === lines.length - 1);
			this.y -= lineHeight;
		});
		this.y -= options.spaceAfter ?? 0;
	}

	/** A heading kept on the same page as at least `keepWith` points of what follows. */
	heading(text: string, options: TextStyle & { keepWith?: number; align?: 'left' | 'center'; spaceBefore?: number }): void {
		this.space(options.spaceBefore ?? options.size * 0.8);
		const lines = this.faces.bold.wrap(text, options.size, this.width);
		const lineHeight = options.size * 1.35;
		this.ensure(lines.length * lineHeight + (options.keepWith ?? options.size * 4));
		for (const line of lines) {
			this.line(line, this.left, this.y - options.size * ASCENT, this.width, { ...options, bold: true }, options.align ?? 'left');
			this.y -= lineHeight;
		}
		this.y -= options.size * 0.35;
	}

	/** Draws a Form XObject scaled to fit inside the frame, centred, keeping its proportions. */
	place(graphic: PlacedGraphic, frame: { x: number; y: number; width: number; height: number }): void {
		const { box } = graphic;
		if (box.width <= 0 || box.height <= 0) return;
		const scale = Math.min(frame.width / box.width, frame.height / box.height);
		const x = frame.x + (frame.width - box.width * scale) / 2 - box.x * scale;
		const y = frame.y + (frame.height - box.height * scale) / 2 - box.y * scale;
		this.current.ops.push(`q ${num(scale)} 0 0 ${num(scale)} ${num(x)} ${num(y)} cm ${this.current.xobjectKey(graphic.ref)} Do Q`);
	}

	/**
	 * A table at the cursor. A row that fits on a page is never split; a row taller than a whole
	 * page is cut between text lines. The header row (after the caption, marked as continued)
	 * starts every page the table runs onto.
	 */
	table(columns: Column[], rows: Cell[][], options: TableOptions): void {
		const { size } = options;
		const padX = 3;
		const padY = 2.5;
		const lineHeight = size * 1.22;
		const widths = this.columnWidths(columns, rows, size, padX);
		const xs = widths.map((_, i) => this.left + widths.slice(0, i).reduce((a, b) => a + b, 0));
		const headerLines = columns.map((c, i) => this.faces.bold.wrap(c.header, size, widths[i]! - 2 * padX));
		const headerHeight = Math.max(...headerLines.map((l) => l.length)) * lineHeight + 2 * padY;
		const captionHeight = options.caption ? size * 1.8 : 0;

		const measureRow = (row: Cell[]) => {
			const lines = row.map((cell, i): StyledLine[] | null => {
				const paragraphs = paragraphsOf(cell);
				if (!paragraphs) return null;
				return paragraphs.flatMap((p) => this.face(p.bold).wrap(p.text, size, widths[i]! - 2 * padX).map((text) => ({ text, bold: p.bold, color: p.color })));
			});
			const hasSignature = row.some(isSignature);
			const textHeight = Math.max(1, ...lines.map((l) => l?.length ?? 0)) * lineHeight + 2 * padY;
			return { lines, height: Math.max(textHeight, hasSignature ? (options.signatureRowHeight ?? 0) : 0) };
		};

		const drawHeader = (continued: boolean) => {
			if (continued && options.caption) {
				this.text(`${options.caption} ${options.continued ?? ''}`.trim(), this.left, this.y - size * ASCENT, { size, bold: true, color: GREY });
				this.y -= captionHeight;
			}
			this.rect(this.left, this.y - headerHeight, this.width, headerHeight, HEADER_FILL);
			columns.forEach((c, i) =>
				headerLines[i]!.forEach((line, k) =>
					this.line(line, xs[i]! + padX, this.y - padY - size * ASCENT - k * lineHeight, widths[i]! - 2 * padX, { size, bold: true }, c.align ?? 'left')
				)
			);
			this.grid(xs, widths, headerHeight, true);
			this.y -= headerHeight;
		};

		const drawRow = (row: Cell[], lines: (StyledLine[] | null)[], from: number, count: number, height: number) => {
			row.forEach((cell, i) => {
				const cellLines = lines[i];
				if (cellLines)
					cellLines.slice(from, from + count).forEach((line, k) =>
						this.line(line.text, xs[i]! + padX, this.y - padY - size * ASCENT - k * lineHeight, widths[i]! - 2 * padX, { size, bold: line.bold, color: line.color }, columns[i]!.align ?? 'left')
					);
				else if (isSignature(cell) && cell.signature && from === 0)
					this.place(cell.signature, { x: xs[i]! + padX, y: this.y - height + padY, width: widths[i]! - 2 * padX, height: height - 2 * padY });
			});
			this.grid(xs, widths, height, false);
			this.y -= height;
		};

		const pageRoom = () => this.top - MARGIN.bottom - headerHeight - captionHeight;
		const first = rows[0] ? Math.min(pageRoom(), measureRow(rows[0]).height) : 0;
		this.ensure(headerHeight + first);
		drawHeader(false);

		for (const row of rows) {
			const { lines, height } = measureRow(row);
			if (height <= this.room) {
				drawRow(row, lines, 0, Infinity, height);
				continue;
			}
			if (height <= pageRoom()) {
				this.newPage();
				drawHeader(true);
				drawRow(row, lines, 0, Infinity, height);
				continue;
			}
			const totalLines = Math.max(...lines.map((l) => l?.length ?? 0));
			for (let from = 0; from < totalLines; ) {
				const fit = Math.floor((this.room - 2 * padY) / lineHeight);
				if (fit < 1) {
					this.newPage();
					drawHeader(true);
					continue;
				}
				const count = Math.min(fit, totalLines - from);
				drawRow(row, lines, from, count, count * lineHeight + 2 * padY);
				from += count;
				if (from < totalLines) {
					this.newPage();
					drawHeader(true);
				}
			}
		}
	}

	/**
	 * Column widths from their weights, widened where a word would otherwise be cut in the middle
	 * ("Pemerinta-h"); the widening comes out of the other columns. Tokens longer than 16
	 * characters (hashes, URLs) are expected to break and do not count.
	 */
	private columnWidths(columns: Column[], rows: Cell[][], size: number, padX: number): number[] {
		const longestWord = (face: FontFace, text: string) =>
			Math.max(0, ...text.split(/\s+/).filter((w) => w.length <= 16).map((w) => face.width(w, size)));
		const minimum = columns.map((c, i) =>
			Math.min(
				this.width * 0.4,
				2 * padX + 0.5 + Math.max(longestWord(this.faces.bold, c.header), ...rows.map((r) => Math.max(0, ...(paragraphsOf(r[i]!) ?? []).map((p) => longestWord(this.face(p.bold), p.text)))))
			)
		);
		// Widening one column narrows the others, which may then need widening too: a few rounds settle it.
		const narrow = columns.map(() => false);
		let widths: number[] = [];
		for (let round = 0; round <= columns.length; round++) {
			const fixed = minimum.reduce((n, m, i) => n + (narrow[i] ? m : 0), 0);
			const flexible = columns.reduce((n, c, i) => n + (narrow[i] ? 0 : c.weight), 0);
			widths = columns.map((c, i) => (narrow[i] ? minimum[i]! : (c.weight / flexible) * (this.width - fixed)));
			const more = widths.map((w, i) => !narrow[i] && minimum[i]! > w);
			if (!more.includes(true)) break;
			more.forEach((m, i) => (narrow[i] ||= m));
		}
		return widths;
	}

	/** Cell borders of one row: its bottom (and top for a header) and every column edge. */
	private grid(xs: number[], widths: number[], height: number, withTop: boolean): void {
		const top = this.y;
		const bottom = top - height;
		const right = xs[xs.length - 1]! + widths[widths.length - 1]!;
		let path = `${num(this.left)} ${num(bottom)} m ${num(right)} ${num(bottom)} l`;
		if (withTop) path += ` ${num(this.left)} ${num(top)} m ${num(right)} ${num(top)} l`;
		for (const x of [...xs, right]) path += ` ${num(x)} ${num(top)} m ${num(x)} ${num(bottom)} l`;
		this.current.ops.push(`${colour(RULE)} RG 0.5 w ${path} S`);
	}

	/** Writes each page's content as one compressed stream. Call once, after the last drawing. */
	finish(): void {
		for (const content of this.contents) {
			const ref = deflatedStream(this.doc.context, content.ops.join('\n'));
			content.page.node.set(PDFName.of('Contents'), ref);
		}
	}
}
