/**
 * Writes a browser makes to the live matrix doc, and reads of the presenter's session. Pure
 * functions of a Y.Doc so that the page, tests and outside clients make exactly the same edits.
 * None of them creates a cell or a consent map: the server pre-creates those, and two laptops
 * creating the same map at once would race (one of the two maps silently wins).
 */
import * as Y from 'yjs';
import {
	CONTRIBUTION_TYPES,
	MAX_DESCRIPTION_LENGTH,
	roots,
	type CellFields,
	type ConsentState,
	type SessionFields
} from './matrix-doc';

export const DEFAULT_SESSION: SessionFields = {
	agendaIndex: 0,
	timerStartedAt: null,
	followMe: false,
	followTarget: 'matrix',
	consentCall: null
};

export function readSession(doc: Y.Doc): SessionFields {
	const s = roots(doc).session;
	const agendaIndex = s.get('agendaIndex');
	const timerStartedAt = s.get('timerStartedAt');
	const followTarget = s.get('followTarget');
	const consentCall = s.get('consentCall');
	return {
		agendaIndex: typeof agendaIndex === 'number' && Number.isInteger(agendaIndex) && agendaIndex >= 0 ? agendaIndex : 0,
		timerStartedAt: typeof timerStartedAt === 'number' && Number.isFinite(timerStartedAt) ? timerStartedAt : null,
		followMe: s.get('followMe') === true,
		followTarget: typeof followTarget === 'string' && followTarget ? followTarget : 'matrix',
		consentCall: typeof consentCall === 'string' && consentCall ? consentCall : null
	};
}

/** Moderators only (the server refuses anyone else). Writes only the fields that change. */
export function updateSession(doc: Y.Doc, patch: Partial<SessionFields>, origin?: unknown): void {
	const session = roots(doc).session;
	doc.transact(() => {
		for (const [key, value] of Object.entries(patch)) {
			if (value === undefined || session.get(key) === value) continue;
			session.set(key, value);
		}
	}, origin);
}

/**
 * The smallest single replacement that turns `before` into `after`: common prefix and suffix
 * stay, the middle is deleted and re-inserted. Two people typing in different places of the same
 * description then touch disjoint ranges and Yjs merges both. Never splits a surrogate pair, so
 * an emoji or a rare script is never cut in half.
 */
export function textChange(before: string, after: string): { index: number; remove: number; insert: string } | null {
	if (before === after) return null;
	let prefix = 0;
	const max = Math.min(before.length, after.length);
	while (prefix < max && before.charCodeAt(prefix) === after.charCodeAt(prefix)) prefix++;
	if (prefix > 0 && isHighSurrogate(before.charCodeAt(prefix - 1))) prefix--;
	let suffix = 0;
	while (
		suffix < max - prefix &&
		before.charCodeAt(before.length - 1 - suffix) === after.charCodeAt(after.length - 1 - suffix)
	)
		suffix++;
	if (suffix > 0 && isLowSurrogate(before.charCodeAt(before.length - suffix))) suffix--;
	return { index: prefix, remove: before.length - prefix - suffix, insert: after.slice(prefix, after.length - suffix) };
}

const isHighSurrogate = (c: number) => c >= 0xd800 && c <= 0xdbff;
const isLowSurrogate = (c: number) => c >= 0xdc00 && c <= 0xdfff;

/**
 * Applies what the user's textarea now says to the shared Y.Text as one delete + insert in one
 * transaction (one update on the wire). Keeps the text within MAX_DESCRIPTION_LENGTH by cutting
 * what this edit inserts, never what others wrote. Returns the text as it now stands.
 */
export function applyTextEdit(text: Y.Text, wanted: string, origin: unknown): string {
	const current = text.toString();
	const change = textChange(current, wanted);
	if (!change) return current;
	const room = MAX_DESCRIPTION_LENGTH - (current.length - change.remove);
	let insert = change.insert;
	if (insert.length > room) {
		insert = insert.slice(0, Math.max(0, room));
		if (insert.length > 0 && isHighSurrogate(insert.charCodeAt(insert.length - 1))) insert = insert.slice(0, -1);
	}
	const doc = text.doc;
	const apply = () => {
		if (change.remove > 0) text.delete(change.index, change.remove);
		if (insert) text.insert(change.index, insert);
	};
	if (doc) doc.transact(apply, origin);
	else apply();
	return text.toString();
}

/**
 * Where a caret at `position` ends up after a remote change described by a Yjs delta, so that the
 * person typing keeps their place while someone else types earlier in the same text.
 */
export function transformPosition(position: number, delta: { retain?: number; insert?: unknown; delete?: number }[]): number {
	// `index` walks the text as it was before the change; the caret is a position in that text.
	let index = 0;
	let result = position;
	for (const op of delta) {
		if (index >= position) break;
		if (op.retain !== undefined) index += op.retain;
		else if (op.insert !== undefined) result += typeof op.insert === 'string' ? op.insert.length : 1;
		else if (op.delete !== undefined) {
			result -= Math.min(op.delete, position - index);
			index += op.delete;
		}
	}
	return Math.max(0, result);
}

export type CellScalarValue = {
	type: CellFields['type'];
	timing: string;
	volume: number | null;
	unit: string;
	valueRupiah: number | null;
	fundingSource: string;
	sites: string[];
};

/** Sets one plain field of an existing cell; returns false when the cell does not exist (yet). */
export function setCellField<K extends keyof CellScalarValue>(
	doc: Y.Doc,
	key: string,
	field: K,
	value: CellScalarValue[K],
	origin?: unknown
): boolean {
	const cell = roots(doc).cells.get(key);
	if (!cell) return false;
	if (field === 'type' && value !== '' && !(CONTRIBUTION_TYPES as readonly unknown[]).includes(value)) return false;
	const current = cell.get(field);
	const same = Array.isArray(value) && Array.isArray(current) ? value.join('\n') === current.join('\n') : current === value;
	if (same) return true;
	doc.transact(() => cell.set(field, value), origin);
	return true;
}

/** The live description of a cell, or null when the server has not created that cell. */
export function cellDescription(doc: Y.Doc, key: string): Y.Text | null {
	const text = roots(doc).cells.get(key)?.get('description');
	return text instanceof Y.Text ? text : null;
}

/** Records an institution's consent on a cell key or `*`; false when its consent map is missing. */
export function setConsent(doc: Y.Doc, institutionId: string, target: string, state: ConsentState, origin?: unknown): boolean {
	const marks = roots(doc).consent.get(institutionId);
	if (!marks) return false;
	if (marks.get(target) !== state) doc.transact(() => marks.set(target, state), origin);
	return true;
}

export function setRowLocked(doc: Y.Doc, institutionId: string, locked: boolean, origin?: unknown): void {
	const row = roots(doc).rows.get(institutionId);
	if (row && (row.get('locked') === true) !== locked) doc.transact(() => row.set('locked', locked), origin);
}

export function setComponentLocked(doc: Y.Doc, componentId: string, locked: boolean, origin?: unknown): void {
	const component = roots(doc).components.get(componentId);
	if (component && (component.get('locked') === true) !== locked) doc.transact(() => component.set('locked', locked), origin);
}

/** "Lock the whole matrix": every row at once, in one update, so nobody slips an edit in between. */
export function setAllRowsLocked(doc: Y.Doc, locked: boolean, origin?: unknown): void {
	const rows = roots(doc).rows;
	doc.transact(() => {
		for (const row of rows.values()) if ((row.get('locked') === true) !== locked) row.set('locked', locked);
	}, origin);
}

/**
 * The cell keys a transaction touched, found by walking from each changed type up to the `cells`
 * root: a keystroke changes the description Y.Text, whose parent is the cell map.
 */
export function changedCellKeys(doc: Y.Doc, transaction: Y.Transaction): Set<string> {
	// Yjs types are generic over their event type; walking up the tree needs none of that.
	// eslint-disable-next-line @typescript-eslint/no-explicit-any
	type AnyType = Y.AbstractType<any>;
	const cellsRoot: AnyType = roots(doc).cells;
	const keys = new Set<string>();
	for (const [type, subs] of transaction.changed) {
		if (type === cellsRoot) {
			for (const key of subs) if (key) keys.add(key);
			continue;
		}
		let current: AnyType = type;
		while (current._item) {
			const parent = current._item.parent;
			if (parent === cellsRoot) {
				if (current._item.parentSub) keys.add(current._item.parentSub);
				break;
			}
			if (!(parent instanceof Y.AbstractType)) break;
			current = parent;
		}
	}
	return keys;
}
