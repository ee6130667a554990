/**
 * What a person wrote in their own row that the server refused, kept apart from the live doc so
 * that resynchronising after a refusal loses no words. Pure functions of Y.Docs and snapshots:
 * the browser stores the entries in IndexedDB, tests build docs in Node.
 */
import * as Y from 'yjs';
import {
	CELL_SCALAR_FIELDS,
	parseCellKey,
	readCell,
	roots,
	type CellFields,
	type CellScalarField,
	type MatrixSnapshot
} from './matrix-doc';
import { applyTextEdit, setCellField, type CellScalarValue } from './matrix-edits';
import { decodeRefusal, type Refusal, type RefusalCode } from './refusals';

export const UNSAVED_FIELDS = ['description', ...CELL_SCALAR_FIELDS] as const;
export type UnsavedField = 'description' | CellScalarField;
/** Only the fields that differ from the server: re-applying them leaves the others as they are. */
export type UnsavedFields = Partial<Pick<CellFields, UnsavedField>>;

export type UnsavedEdit = {
	/** Unique per entry: one cell may hold words refused at two different times. */
	id: string;
	cellKey: string;
	fields: UnsavedFields;
	/** The refusal that made the browser resynchronise. */
	refusal: Refusal;
	/** Epoch ms. */
	savedAt: number;
};

/**
 * Refusals that sending the same words again cannot pass, whatever the moderator does. Only when
 * the refusal is about this very cell: the refused update may have carried several cells.
 */
const FINAL_CODES: ReadonlySet<RefusalCode> = new Set(['readOnly', 'foreignRow', 'invalidValue']);
/**
 * Refusals that a fresh doc or an editable cell clears by itself, so the words may go back in
 * without asking. Locks and freezing are judged by the current snapshot (`canRetry`); the others
 * concerned the old doc's history, which the fresh doc does not carry.
 */
const CLEARED_BY_RESYNC: ReadonlySet<RefusalCode> = new Set(['rowLocked', 'columnLocked', 'frozen', 'missingContent', 'foreignClientId', 'malformed']);

function sameValue(a: unknown, b: unknown): boolean {
	if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((v, i) => v === b[i]);
	return a === b;
}

function differingFields(have: CellFields, server: CellFields): UnsavedFields {
	const fields: Record<string, unknown> = {};
	for (const field of UNSAVED_FIELDS) if (!sameValue(have[field], server[field])) fields[field] = have[field];
	return fields as UnsavedFields;
}

/** Both docs hold the very same cell map (one created it, the other received it), not two lookalikes. */
function sameCellMap(a: Y.Map<unknown> | undefined, b: Y.Map<unknown> | undefined): boolean {
	const ia = a?._item;
	const ib = b?._item;
	return !!ia && !!ib && Y.compareIDs(ia.id, ib.id);
}

/**
 * Cells of `institutionId` whose content in `localDoc` differs from `serverDoc` (the server's state
 * after a fresh sync), each with the fields as the person had them.
 *
 * "As the person had them" is read from the local doc merged with the server's state: where a
 * colleague of the same institution changed the cell meanwhile, the entry carries both their
 * words and the person's, and a cell the local copy merely lagged behind on yields nothing. Cells
 * that the two docs did not get from a common history are compared as they stand.
 */
export function collectUnsavedEdits(
	localDoc: Y.Doc,
	serverDoc: Y.Doc,
	institutionId: string,
	context: { refusal?: Refusal; savedAt?: number } = {}
): UnsavedEdit[] {
	const refusal = context.refusal ?? { code: 'notAllowed' };
	const savedAt = context.savedAt ?? Date.now();
	const localCells = roots(localDoc).cells;
	const serverCells = roots(serverDoc).cells;
	let merged: Y.Doc | null = null;
	const edits: UnsavedEdit[] = [];
	try {
		for (const [key, localCell] of localCells.entries()) {
			if (parseCellKey(key)?.institutionId !== institutionId) continue;
			const serverCell = serverCells.get(key);
			let have = readCell(localCell);
			if (sameCellMap(localCell, serverCell)) {
				if (!merged) {
					merged = new Y.Doc();
					Y.applyUpdate(merged, Y.encodeStateAsUpdate(serverDoc));
					Y.applyUpdate(merged, Y.encodeStateAsUpdate(localDoc));
				}
				have = readCell(roots(merged).cells.get(key));
			}
			const fields = differingFields(have, readCell(serverCell));
			if (Object.keys(fields).length > 0) edits.push({ id: `${key}@${savedAt}`, cellKey: key, fields, refusal, savedAt });
		}
	} finally {
		merged?.destroy();
	}
	return edits.sort((a, b) => a.cellKey.localeCompare(b.cellKey, 'en', { numeric: true }));
}

/** Whether a representative of the cell's institution may write the cell in this doc now. */
function cellEditableInDoc(doc: Y.Doc, key: string): boolean {
	const parsed = parseCellKey(key);
	if (!parsed) return false;
	const r = roots(doc);
	if (r.meta.get('frozen') === true || !r.cells.has(key)) return false;
	if (r.rows.get(parsed.institutionId)?.get('locked') === true) return false;
	return r.components.get(parsed.componentId)?.get('locked') !== true;
}

/**
 * Consent the person gave on the refused doc that the server does not have, written into the
 * fresh doc. Consent stays open under locks and after freezing, so it is never kept aside: it
 * only travelled in the same refused update as something else. Returns how many marks it wrote.
 */
export function restoreConsent(localDoc: Y.Doc, freshDoc: Y.Doc, institutionId: string, origin?: unknown): number {
	const mine = roots(localDoc).consent.get(institutionId);
	const marks = roots(freshDoc).consent.get(institutionId);
	if (!mine || !marks) return 0;
	let written = 0;
	freshDoc.transact(() => {
		for (const [target, state] of mine.entries()) {
			if (marks.get(target) === state) continue;
			if (target !== '*' && !roots(freshDoc).cells.has(target)) continue;
			marks.set(target, state);
			written++;
		}
	}, origin);
	return written;
}

/**
 * Writes the saved values into the cell, as one update. Returns false, writing nothing, when the
 * cell is not editable now (missing, row or column locked, matrix frozen).
 */
export function applyUnsavedEdit(doc: Y.Doc, edit: UnsavedEdit, origin?: unknown): boolean {
	if (!cellEditableInDoc(doc, edit.cellKey)) return false;
	const cell = roots(doc).cells.get(edit.cellKey)!;
	doc.transact(() => {
		const text = cell.get('description');
		if (edit.fields.description !== undefined && text instanceof Y.Text) applyTextEdit(text, edit.fields.description, origin);
		for (const field of CELL_SCALAR_FIELDS) {
			const value = edit.fields[field];
			if (value !== undefined) setCellField(doc, edit.cellKey, field, value as CellScalarValue[typeof field], origin);
		}
	}, origin);
	return true;
}

/** The cell can be written now according to the snapshot (the server judges again). */
export function cellEditable(snapshot: Pick<MatrixSnapshot, 'rows' | 'components' | 'cells' | 'frozen'>, key: string): boolean {
	const parsed = parseCellKey(key);
	if (!parsed || snapshot.frozen || !(key in snapshot.cells)) return false;
	if (snapshot.rows.find((r) => r.id === parsed.institutionId)?.locked) return false;
	return !snapshot.components.find((c) => c.id === parsed.componentId)?.locked;
}

/** The refusal names this cell (or names no cell at all, so it may well be about this one). */
function refusalConcerns(refusal: Refusal, key: string): boolean {
	const parsed = parseCellKey(key);
	if (!parsed) return true;
	if (refusal.institutionId !== undefined && refusal.institutionId !== parsed.institutionId) return false;
	return refusal.componentId === undefined || refusal.componentId === parsed.componentId;
}

/** Whether "try again" makes sense now: the cell is editable and the refusal was not about the words themselves. */
export function canRetry(snapshot: Pick<MatrixSnapshot, 'rows' | 'components' | 'cells' | 'frozen'>, edit: UnsavedEdit): boolean {
	if (!cellEditable(snapshot, edit.cellKey)) return false;
	return !(FINAL_CODES.has(edit.refusal.code) && refusalConcerns(edit.refusal, edit.cellKey));
}

/**
 * Whether to put the words back without asking, right after resynchronising: only when what
 * caused the refusal is gone for this cell. A refusal the snapshot cannot show to be gone (a role,
 * a size limit, a rate, an old server's text) waits for the person to press "try again", so a
 * refusal that persists cannot send the browser round a refuse–resync loop.
 */
export function shouldReapplyAutomatically(snapshot: Pick<MatrixSnapshot, 'rows' | 'components' | 'cells' | 'frozen'>, edit: UnsavedEdit): boolean {
	if (!canRetry(snapshot, edit)) return false;
	if (CLEARED_BY_RESYNC.has(edit.refusal.code)) return true;
	const named = edit.refusal.institutionId !== undefined || edit.refusal.componentId !== undefined;
	return named && !refusalConcerns(edit.refusal, edit.cellKey);
}

/** The server already holds every saved value (typed again, or put there by a colleague). */
export function hasLanded(snapshot: Pick<MatrixSnapshot, 'cells'>, edit: UnsavedEdit): boolean {
	const cell = snapshot.cells[edit.cellKey];
	if (!cell) return false;
	return UNSAVED_FIELDS.every((field) => edit.fields[field] === undefined || sameValue(edit.fields[field], cell[field]));
}

/**
 * Adds newly collected entries to the stored ones. Nothing stored is dropped: an entry the person
 * never retried holds words the new one may not. The same words refused again keep one entry,
 * with the newer reason.
 */
export function mergeUnsavedEdits(stored: readonly UnsavedEdit[], incoming: readonly UnsavedEdit[]): UnsavedEdit[] {
	const out = [...stored];
	for (const edit of incoming) {
		const same = out.findIndex(
			(e) => e.cellKey === edit.cellKey && UNSAVED_FIELDS.every((f) => sameValue(e.fields[f], edit.fields[f]))
		);
		if (same >= 0) out[same] = { ...edit, id: out[same]!.id };
		else if (!out.some((e) => e.id === edit.id)) out.push(edit);
	}
	return out;
}

/** Reads one stored entry back; anything malformed (an older version, a damaged store) is null. */
export function parseUnsavedEdit(value: unknown): UnsavedEdit | null {
	if (!value || typeof value !== 'object') return null;
	const v = value as Record<string, unknown>;
	if (typeof v.id !== 'string' || typeof v.cellKey !== 'string' || !parseCellKey(v.cellKey)) return null;
	if (typeof v.savedAt !== 'number' || !v.fields || typeof v.fields !== 'object') return null;
	const raw = v.fields as Record<string, unknown>;
	const fields: Record<string, unknown> = {};
	for (const field of UNSAVED_FIELDS) {
		const value = raw[field];
		if (value === undefined) continue;
		const ok =
			field === 'sites'
				? Array.isArray(value) && value.every((s) => typeof s === 'string')
				: field === 'volume' || field === 'valueRupiah'
					? value === null || (typeof value === 'number' && Number.isFinite(value))
					: typeof value === 'string';
		if (!ok) return null;
		fields[field] = value;
	}
	return { id: v.id, cellKey: v.cellKey, fields: fields as UnsavedFields, refusal: decodeRefusal(JSON.stringify(v.refusal ?? null)), savedAt: v.savedAt };
}
