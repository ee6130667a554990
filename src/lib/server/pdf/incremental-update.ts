/**
 * Adds a signature field to a PDF as an incremental update: the original bytes stay exactly as
 * they are and new or changed objects, a new xref section and a trailer pointing back (/Prev) are
 * appended. That is what keeps every earlier signature valid, and it is how an official's
 * certified signature can later be added on top of our seal.
 *
 * Only classic xref tables are read (what the renderer writes with `useObjectStreams: false`);
 * a file with cross-reference streams is refused rather than half-understood.
 */
import { PDFArray, PDFContext, PDFDict, PDFName, PDFNumber, PDFObjectParser, PDFRef, type PDFObject } from 'pdf-lib';

export class PdfStructureError extends Error {}

type XrefEntry = { offset: number; generation: number };

type ParsedPdf = {
	bytes: Uint8Array;
	/** The file as latin1 text: one char per byte, so string offsets are byte offsets. */
	text: string;
	context: PDFContext;
	objects: Map<number, XrefEntry>;
	trailer: PDFDict;
	lastXrefOffset: number;
};

function lastStartXref(text: string): number {
	const at = text.lastIndexOf('startxref');
	const match = at < 0 ? null : /startxref\s+(\d+)/y.exec(text.slice(at));
	if (!match) throw new PdfStructureError('no startxref: not a complete PDF');
	return Number(match[1]);
}

function parseAt(parsed: Pick<ParsedPdf, 'bytes' | 'context'>, offset: number): PDFObject {
	return PDFObjectParser.forBytes(parsed.bytes.subarray(offset), parsed.context).parseObject();
}

/** Reads one classic xref section and its trailer; entries already known (from newer sections) win. */
function readXrefSection(pdf: Omit<ParsedPdf, 'trailer' | 'lastXrefOffset'>, offset: number): PDFDict {
	const { text } = pdf;
	if (!text.startsWith('xref', offset))
		throw new PdfStructureError('cross-reference streams are not supported: save the PDF with a classic xref table');
	const subsection = /\s*(\d+)\s+(\d+)/y;
	const entry = /\s*(\d{10})\s+(\d{5})\s+([nf])/y;
	let at = offset + 4;
	for (;;) {
		subsection.lastIndex = at;
		const head = subsection.exec(text);
		if (!head) break;
		const first = Number(head[1]);
		const count = Number(head[2]);
		at = subsection.lastIndex;
		for (let i = 0; i < count; i++) {
			entry.lastIndex = at;
			const row = entry.exec(text);
			if (!row) throw new PdfStructureError(`malformed xref entry at byte ${at}`);
			at = entry.lastIndex;
			if (row[3] === 'n' && !pdf.objects.has(first + i)) pdf.objects.set(first + i, { offset: Number(row[1]), generation: Number(row[2]) });
			else if (row[3] === 'f' && !pdf.objects.has(first + i)) pdf.objects.set(first + i, { offset: -1, generation: Number(row[2]) });
		}
	}
	const trailerAt = text.indexOf('trailer', at);
	if (trailerAt < 0 || trailerAt > at + 64) throw new PdfStructureError('xref section without a trailer');
	const trailer = parseAt(pdf, trailerAt + 'trailer'.length);
	if (!(trailer instanceof PDFDict)) throw new PdfStructureError('trailer is not a dictionary');
	return trailer;
}

export function parseClassicPdf(bytes: Uint8Array): ParsedPdf {
	const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');
	if (!text.startsWith('%PDF-')) throw new PdfStructureError('not a PDF file');
	const base = { bytes, text, context: PDFContext.create(), objects: new Map<number, XrefEntry>() };
	const lastXrefOffset = lastStartXref(text);
	const seen = new Set<number>();
	let trailer: PDFDict | undefined;
	for (let offset: number | undefined = lastXrefOffset; offset !== undefined; ) {
		if (seen.has(offset)) throw new PdfStructureError('xref /Prev chain loops');
		seen.add(offset);
		const section = readXrefSection(base, offset);
		trailer ??= section;
		if (section.has(PDFName.of('XRefStm'))) throw new PdfStructureError('hybrid xref files are not supported');
		const prev = section.get(PDFName.of('Prev'));
		offset = prev instanceof PDFNumber ? prev.asNumber() : undefined;
	}
	if (!trailer) throw new PdfStructureError('no trailer');
	if (trailer.has(PDFName.of('Encrypt'))) throw new PdfStructureError('encrypted PDFs cannot be sealed');
	return { ...base, trailer, lastXrefOffset };
}

function readObject(pdf: ParsedPdf, ref: PDFRef): PDFObject {
	const entry = pdf.objects.get(ref.objectNumber);
	if (!entry || entry.offset < 0) throw new PdfStructureError(`object ${ref.objectNumber} is not in the xref table`);
	const header = /(\d+)\s+(\d+)\s+obj/y;
	header.lastIndex = entry.offset;
	const match = header.exec(pdf.text);
	if (!match || Number(match[1]) !== ref.objectNumber) throw new PdfStructureError(`xref offset of object ${ref.objectNumber} is wrong`);
	return parseAt(pdf, header.lastIndex);
}

function lookup(pdf: ParsedPdf, value: PDFObject | undefined): PDFObject | undefined {
	return value instanceof PDFRef ? readObject(pdf, value) : value;
}

function requireRef(value: PDFObject | undefined, what: string): PDFRef {
	if (!(value instanceof PDFRef)) throw new PdfStructureError(`${what} is not an indirect object`);
	return value;
}

function requireDict(value: PDFObject | undefined, what: string): PDFDict {
	if (!(value instanceof PDFDict)) throw new PdfStructureError(`${what} is not a dictionary`);
	return value;
}

/** The first leaf of the page tree: where the invisible seal's widget is listed. */
function firstPage(pdf: ParsedPdf, pagesRef: PDFRef): PDFRef {
	let ref = pagesRef;
	for (let depth = 0; depth < 32; depth++) {
		const node = requireDict(readObject(pdf, ref), 'page tree node');
		if (node.get(PDFName.of('Type')) === PDFName.of('Page')) return ref;
		const kids = lookup(pdf, node.get(PDFName.of('Kids')));
		if (!(kids instanceof PDFArray) || kids.size() === 0) throw new PdfStructureError('page tree has no pages');
		ref = requireRef(kids.get(0), 'page tree kid');
	}
	throw new PdfStructureError('page tree too deep');
}

/**
 * An array held directly in `holder` or as its own object: appends `item` and says which object
 * must be rewritten (the holder, or the array object itself).
 */
function appendToArray(pdf: ParsedPdf, holder: PDFDict, key: string, item: PDFRef, rewrite: Map<number, { ref: PDFRef; object: PDFObject }>): void {
	const name = PDFName.of(key);
	const value = holder.get(name);
	if (value instanceof PDFRef) {
		const array = readObject(pdf, value);
		if (!(array instanceof PDFArray)) throw new PdfStructureError(`${key} is not an array`);
		array.push(item);
		rewrite.set(value.objectNumber, { ref: value, object: array });
	} else if (value instanceof PDFArray) {
		value.push(item);
	} else {
		const array = PDFArray.withContext(pdf.context);
		array.push(item);
		holder.set(name, array);
	}
}

/** ASCII text as a literal string, anything else as UTF-16BE with a byte-order mark (PDF text string). */
export function pdfTextString(value: string): string {
	if (/^[\x20-\x7e]*$/.test(value)) return `(${value.replace(/[\\()]/g, '\\$&')})`;
	let hex = 'FEFF';
	for (let i = 0; i < value.length; i++) hex += value.charCodeAt(i).toString(16).padStart(4, '0').toUpperCase();
	return `<${hex}>`;
}

export type SignatureUpdate = {
	/** The whole new file, with the /Contents hex string still zeros. */
	bytes: Uint8Array;
	/** [0, a, b, c]: the signed ranges, everything but the /Contents hex string and its brackets. */
	byteRange: [number, number, number, number];
};

const BYTE_RANGE_PLACEHOLDER = '/ByteRange [0 0000000000 0000000000 0000000000]';

/**
 * Appends a signature dictionary (with `signatureHexLength` zeros reserved for the CMS), its
 * invisible widget on the first page, and the AcroForm entry, with /SigFlags 3.
 * `signatureEntries` are further entries of the signature dictionary (/SubFilter, /M, /Reason …).
 */
export function appendSignatureField(pdfBytes: Uint8Array, signatureEntries: string, signatureHexLength: number, fieldNamePrefix: string): SignatureUpdate {
	const pdf = parseClassicPdf(pdfBytes);
	const rootRef = requireRef(pdf.trailer.get(PDFName.of('Root')), 'trailer /Root');
	const catalog = requireDict(readObject(pdf, rootRef), 'catalog');
	const pageRef = firstPage(pdf, requireRef(catalog.get(PDFName.of('Pages')), 'catalog /Pages'));
	const page = requireDict(readObject(pdf, pageRef), 'first page');

	const sizeValue = pdf.trailer.get(PDFName.of('Size'));
	let next = Math.max(sizeValue instanceof PDFNumber ? sizeValue.asNumber() : 0, ...[...pdf.objects.keys()].map((n) => n + 1));
	const sigRef = PDFRef.of(next++);
	const widgetRef = PDFRef.of(next++);

	const rewrite = new Map<number, { ref: PDFRef; object: PDFObject }>();
	let fieldCount = 0;
	const acroFormValue = catalog.get(PDFName.of('AcroForm'));
	let acroForm: PDFDict;
	if (acroFormValue instanceof PDFRef) {
		acroForm = requireDict(readObject(pdf, acroFormValue), 'AcroForm');
		rewrite.set(acroFormValue.objectNumber, { ref: acroFormValue, object: acroForm });
	} else if (acroFormValue instanceof PDFDict) {
		acroForm = acroFormValue;
		rewrite.set(rootRef.objectNumber, { ref: rootRef, object: catalog });
	} else {
		acroForm = PDFDict.withContext(pdf.context);
		const acroFormRef = PDFRef.of(next++);
		catalog.set(PDFName.of('AcroForm'), acroFormRef);
		rewrite.set(rootRef.objectNumber, { ref: rootRef, object: catalog });
		rewrite.set(acroFormRef.objectNumber, { ref: acroFormRef, object: acroForm });
	}
	const fields = lookup(pdf, acroForm.get(PDFName.of('Fields')));
	if (fields instanceof PDFArray) fieldCount = fields.size();
	appendToArray(pdf, acroForm, 'Fields', widgetRef, rewrite);
	// 1 = the file has signatures, 2 = append only: viewers must save changes incrementally.
	acroForm.set(PDFName.of('SigFlags'), PDFNumber.of(3));

	// An /Annots array of its own is rewritten by appendToArray; otherwise the page itself changes.
	if (!(page.get(PDFName.of('Annots')) instanceof PDFRef)) rewrite.set(pageRef.objectNumber, { ref: pageRef, object: page });
	appendToArray(pdf, page, 'Annots', widgetRef, rewrite);

	const fieldName = pdfTextString(`${fieldNamePrefix} ${fieldCount + 1}`);
	const original = pdf.text;
	let out = /[\r\n]$/.test(original) ? '' : '\n';
	const offsets = new Map<number, { offset: number; generation: number }>();
	const base = pdfBytes.length;
	const write = (ref: PDFRef, body: string) => {
		offsets.set(ref.objectNumber, { offset: base + out.length, generation: ref.generationNumber });
		out += `${ref.objectNumber} ${ref.generationNumber} obj\n${body}\nendobj\n`;
	};
	const contentsPlaceholder = `<${'0'.repeat(signatureHexLength)}>`;
	write(sigRef, `<<\n/Type /Sig\n${BYTE_RANGE_PLACEHOLDER}\n/Contents ${contentsPlaceholder}\n${signatureEntries.trim()}\n>>`);
	write(
		widgetRef,
		`<<\n/Type /Annot\n/Subtype /Widget\n/FT /Sig\n/T ${fieldName}\n/V ${sigRef.toString()}\n/F 132\n/Rect [0 0 0 0]\n/P ${pageRef.toString()}\n>>`
	);
	for (const { ref, object } of [...rewrite.values()].sort((a, b) => a.ref.objectNumber - b.ref.objectNumber)) write(ref, object.toString());

	const xrefOffset = base + out.length;
	const numbers = [...offsets.keys()].sort((a, b) => a - b);
	out += 'xref\n';
	for (let i = 0; i < numbers.length; ) {
		let j = i;
		while (j + 1 < numbers.length && numbers[j + 1] === numbers[j]! + 1) j++;
		out += `${numbers[i]} ${j - i + 1}\n`;
		for (let k = i; k <= j; k++) {
			const { offset, generation } = offsets.get(numbers[k]!)!;
			out += `${String(offset).padStart(10, '0')} ${String(generation).padStart(5, '0')} n\r\n`;
		}
		i = j + 1;
	}
	const trailer = PDFDict.withContext(pdf.context);
	for (const [key, value] of pdf.trailer.entries()) if (key !== PDFName.of('Prev')) trailer.set(key, value);
	trailer.set(PDFName.of('Size'), PDFNumber.of(Math.max(next, ...numbers.map((n) => n + 1))));
	trailer.set(PDFName.of('Prev'), PDFNumber.of(pdf.lastXrefOffset));
	out += `trailer\n${trailer.toString()}\nstartxref\n${xrefOffset}\n%%EOF\n`;

	const appended = Buffer.from(out, 'latin1');
	const bytes = new Uint8Array(base + appended.length);
	bytes.set(pdfBytes, 0);
	bytes.set(appended, base);

	const contentsAt = base + out.indexOf(`/Contents ${contentsPlaceholder}`) + '/Contents '.length;
	const afterContents = contentsAt + contentsPlaceholder.length;
	const byteRange: [number, number, number, number] = [0, contentsAt, afterContents, bytes.length - afterContents];
	const filled = `/ByteRange [${byteRange.join(' ')}]`.padEnd(BYTE_RANGE_PLACEHOLDER.length, ' ');
	if (filled.length !== BYTE_RANGE_PLACEHOLDER.length) throw new PdfStructureError('file too large for the byte range');
	bytes.set(Buffer.from(filled, 'latin1'), base + out.indexOf(BYTE_RANGE_PLACEHOLDER));
	return { bytes, byteRange };
}
