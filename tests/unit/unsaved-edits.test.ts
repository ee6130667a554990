import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { cellKey, newCellMap, readCell, readMatrix, roots } from '../../src/lib/collab/matrix-doc';
import { applyTextEdit, setCellField, setComponentLocked, setRowLocked } from '../../src/lib/collab/matrix-edits';
import {
	applyUnsavedEdit,
	canRetry,
	collectUnsavedEdits,
	hasLanded,
	mergeUnsavedEdits,
	parseUnsavedEdit,
	shouldReapplyAutomatically,
	type UnsavedEdit
} from '../../src/lib/collab/unsaved-edits';
import { describeRefusal } from '../../src/lib/components/matrix/format';
import { translate, type Locale, type MessageKey } from '../../src/lib/i18n/translate';

const TAMAN = '5';
const INKA = '14';
const COMPONENTS = ['1', '2'];

/** A server doc shaped like a seeded room: two rows, two columns, every cell pre-created. */
function serverDoc(): Y.Doc {
	const doc = new Y.Doc();
	const r = roots(doc);
	doc.transact(() => {
		for (const [i, id] of [TAMAN, INKA].entries()) {
			const row = new Y.Map<unknown>();
			r.rows.set(id, row);
			row.set('name', id === TAMAN ? 'Kelurahan Taman' : 'PT Industri Kereta Api');
			row.set('shortName', id === TAMAN ? 'Kel. Taman' : 'PT INKA');
			row.set('sector', id === TAMAN ? 'pemerintah' : 'bisnis');
			row.set('position', i);
			row.set('locked', false);
		}
		for (const [i, id] of COMPONENTS.entries()) {
			const component = new Y.Map<unknown>();
			r.components.set(id, component);
			component.set('name', `Komponen ${id}`);
			component.set('position', i);
			component.set('locked', false);
		}
		for (const inst of [TAMAN, INKA]) for (const comp of COMPONENTS) r.cells.set(cellKey(inst, comp), newCellMap());
		r.meta.set('frozen', false);
	});
	return doc;
}

/** A browser's copy: the server's state received, then its own history. */
function copyOf(doc: Y.Doc): Y.Doc {
	const copy = new Y.Doc();
	Y.applyUpdate(copy, Y.encodeStateAsUpdate(doc));
	return copy;
}

const text = (doc: Y.Doc, key: string) => roots(doc).cells.get(key)!.get('description') as Y.Text;
const cell = (doc: Y.Doc, key: string) => readCell(roots(doc).cells.get(key));
const rowLocked = { code: 'rowLocked', institutionId: TAMAN } as const;

describe('words the server refused are kept, not lost', () => {
	it('collects the own-row cells the local copy changed and the server lacks, only the changed fields', () => {
		const server = serverDoc();
		const local = copyOf(server);
		const a = cellKey(TAMAN, '1');
		applyTextEdit(text(local, a), 'Kader Pokmas mendampingi warga', null);
		setCellField(local, a, 'type', 'PENDAMPINGAN');
		setCellField(local, a, 'volume', 12);
		setCellField(local, cellKey(TAMAN, '2'), 'sites', ['35.77.03.1009']);
		// Another institution's cell is not this person's to keep.
		applyTextEdit(text(local, cellKey(INKA, '1')), 'tidak dihitung', null);

		const edits = collectUnsavedEdits(local, server, TAMAN, { refusal: rowLocked, savedAt: 1000 });
		expect(edits).toEqual([
			{
				id: `${a}@1000`,
				cellKey: a,
				fields: { description: 'Kader Pokmas mendampingi warga', type: 'PENDAMPINGAN', volume: 12 },
				refusal: rowLocked,
				savedAt: 1000
			},
			{ id: `${cellKey(TAMAN, '2')}@1000`, cellKey: cellKey(TAMAN, '2'), fields: { sites: ['35.77.03.1009'] }, refusal: rowLocked, savedAt: 1000 }
		]);
	});

	it('collects nothing when the server holds the same content', () => {
		const server = serverDoc();
		applyTextEdit(text(server, cellKey(TAMAN, '1')), 'Sudah tersimpan', null);
		setCellField(server, cellKey(TAMAN, '1'), 'valueRupiah', 150_000_000);
		const local = copyOf(server);
		expect(collectUnsavedEdits(local, server, TAMAN)).toEqual([]);
	});

	it('collects nothing where the local copy only lags behind the server (a colleague typed meanwhile)', () => {
		const server = serverDoc();
		const local = copyOf(server);
		applyTextEdit(text(server, cellKey(TAMAN, '1')), 'Ditulis rekan dari laptop lain', null);
		expect(collectUnsavedEdits(local, server, TAMAN)).toEqual([]);
	});

	it('keeps a colleague’s words around one’s own in the saved text', () => {
		const server = serverDoc();
		const key = cellKey(TAMAN, '1');
		applyTextEdit(text(server, key), 'Pelatihan kader.', null);
		const local = copyOf(server);
		applyTextEdit(text(server, key), 'Pelatihan kader. Rekan: 20 orang.', null);
		applyTextEdit(text(local, key), 'Saya: Juni. Pelatihan kader.', null);
		const [edit] = collectUnsavedEdits(local, server, TAMAN);
		expect(edit?.fields).toEqual({ description: 'Saya: Juni. Pelatihan kader. Rekan: 20 orang.' });
	});

	it('compares docs without a common history as they stand', () => {
		const server = serverDoc();
		const local = serverDoc();
		applyTextEdit(text(local, cellKey(TAMAN, '2')), 'Monitoring bulanan', null);
		const edits = collectUnsavedEdits(local, server, TAMAN);
		expect(edits.map((e) => [e.cellKey, e.fields])).toEqual([[cellKey(TAMAN, '2'), { description: 'Monitoring bulanan' }]]);
	});

	it('puts the saved text and fields back into an editable cell as one update', () => {
		const server = serverDoc();
		const local = copyOf(server);
		const key = cellKey(TAMAN, '1');
		applyTextEdit(text(local, key), 'Bimtek pengemasan produk', null);
		setCellField(local, key, 'type', 'PELATIHAN');
		setCellField(local, key, 'unit', 'UMKM');
		const [edit] = collectUnsavedEdits(local, server, TAMAN);

		const fresh = copyOf(server);
		const updates: unknown[] = [];
		fresh.on('update', (_u: Uint8Array, origin: unknown) => updates.push(origin));
		const origin = { source: 'test' };
		expect(applyUnsavedEdit(fresh, edit!, origin)).toBe(true);
		expect(updates).toEqual([origin]);
		expect(cell(fresh, key)).toEqual(cell(local, key));
		expect(hasLanded(readMatrix(fresh), edit!)).toBe(true);
		expect(hasLanded(readMatrix(server), edit!)).toBe(false);
	});

	it('writes nothing into a locked row, a locked column or a frozen matrix', () => {
		const server = serverDoc();
		const local = copyOf(server);
		const key = cellKey(TAMAN, '1');
		applyTextEdit(text(local, key), 'Tertolak', null);
		const [edit] = collectUnsavedEdits(local, server, TAMAN, { refusal: rowLocked });

		const lockedRow = copyOf(server);
		setRowLocked(lockedRow, TAMAN, true);
		const lockedColumn = copyOf(server);
		setComponentLocked(lockedColumn, '1', true);
		const frozen = copyOf(server);
		roots(frozen).meta.set('frozen', true);
		for (const doc of [lockedRow, lockedColumn, frozen]) {
			const before = Y.encodeStateVector(doc);
			expect(applyUnsavedEdit(doc, edit!)).toBe(false);
			expect(Y.encodeStateVector(doc)).toEqual(before);
			expect(cell(doc, key).description).toBe('');
		}
	});

	it('offers "try again" once the cell is editable, and re-applies by itself only when the refusal is shown to be gone', () => {
		const doc = serverDoc();
		const key = cellKey(TAMAN, '1');
		const edit = (refusal: UnsavedEdit['refusal']): UnsavedEdit => ({ id: 'x', cellKey: key, fields: { description: 'Kata-kata' }, refusal, savedAt: 1 });

		setRowLocked(doc, TAMAN, true);
		expect(canRetry(readMatrix(doc), edit(rowLocked))).toBe(false);
		expect(shouldReapplyAutomatically(readMatrix(doc), edit(rowLocked))).toBe(false);
		setRowLocked(doc, TAMAN, false);
		const open = readMatrix(doc);
		expect(canRetry(open, edit(rowLocked))).toBe(true);
		expect(shouldReapplyAutomatically(open, edit(rowLocked))).toBe(true);

		// An older server's text reason says nothing the snapshot could show gone: the person decides.
		expect(canRetry(open, edit({ code: 'notAllowed' }))).toBe(true);
		expect(shouldReapplyAutomatically(open, edit({ code: 'notAllowed' }))).toBe(false);
		// The words themselves were refused: the same words would be refused again.
		const invalidHere = edit({ code: 'invalidValue', institutionId: TAMAN, componentId: '1', field: 'volume' });
		expect(canRetry(open, invalidHere)).toBe(false);
		// The refused update also carried another cell; this one was not the problem.
		const invalidThere = edit({ code: 'invalidValue', institutionId: TAMAN, componentId: '2', field: 'volume' });
		expect(canRetry(open, invalidThere)).toBe(true);
		expect(shouldReapplyAutomatically(open, invalidThere)).toBe(true);

		roots(doc).meta.set('frozen', true);
		expect(canRetry(readMatrix(doc), edit({ code: 'frozen' }))).toBe(false);
	});

	it('merges newly refused words with stored ones without dropping any', () => {
		const key = cellKey(TAMAN, '1');
		const first: UnsavedEdit = { id: 'a', cellKey: key, fields: { description: 'Satu' }, refusal: rowLocked, savedAt: 1 };
		const again: UnsavedEdit = { id: 'b', cellKey: key, fields: { description: 'Satu' }, refusal: { code: 'frozen' }, savedAt: 2 };
		const other: UnsavedEdit = { id: 'c', cellKey: key, fields: { description: 'Dua' }, refusal: { code: 'frozen' }, savedAt: 2 };
		expect(mergeUnsavedEdits([first], [again])).toEqual([{ ...again, id: 'a' }]);
		expect(mergeUnsavedEdits([first], [other])).toEqual([first, other]);
	});

	it('reads stored entries back and drops malformed ones', () => {
		const edit: UnsavedEdit = {
			id: '5:1@3',
			cellKey: '5:1',
			fields: { description: 'Teks', volume: null, sites: ['35.77'] },
			refusal: { code: 'columnLocked', componentId: '1' },
			savedAt: 3
		};
		expect(parseUnsavedEdit(structuredClone(edit))).toEqual(edit);
		expect(parseUnsavedEdit({ ...edit, cellKey: 'bukan' })).toBeNull();
		expect(parseUnsavedEdit({ ...edit, fields: { volume: 'banyak' } })).toBeNull();
		expect(parseUnsavedEdit({ ...edit, refusal: 'row 5 is locked' })?.refusal).toEqual({ code: 'notAllowed' });
	});
});

describe('refusal reasons', () => {
	const tr = (locale: Locale) => (key: MessageKey, params?: Record<string, string | number>) => translate(locale, key, params);
	const snapshot = readMatrix(serverDoc());

	it('name the institution and the component as the matrix shows them, in the reader’s language', () => {
		expect(describeRefusal({ code: 'rowLocked', institutionId: TAMAN }, snapshot, tr('id'))).toBe('baris Kel. Taman dikunci moderator');
		expect(describeRefusal({ code: 'rowLocked', institutionId: TAMAN }, snapshot, tr('en'))).toBe('the moderator locked the row of Kel. Taman');
		expect(describeRefusal({ code: 'columnLocked', componentId: '2' }, snapshot, tr('id'))).toBe('kolom Komponen 2 dikunci moderator');
		expect(describeRefusal({ code: 'invalidValue', field: 'valueRupiah' }, snapshot, tr('id'))).toBe('isian Nilai (Rupiah) tidak sah');
		expect(describeRefusal({ code: 'descriptionTooLong', limit: 2000 }, snapshot, tr('en'))).toBe('the description is longer than 2000 characters');
	});

	it('never show an id: a row the matrix no longer has is “that row”', () => {
		expect(describeRefusal({ code: 'foreignRow', institutionId: '99' }, snapshot, tr('id'))).toBe('baris itu bukan milik lembaga Anda');
	});
});
