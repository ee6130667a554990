/**
 * Authorises live-document updates by their effect, not by parsing them.
 *
 * Each room keeps a shadow Y.Doc in lockstep with the document it serves. An incoming update is
 * applied to the shadow first, inside one transaction, and the decision reads what Yjs itself
 * reports: the types it changed (`transaction.changed`, with the map keys), whether anything was
 * left pending (content the server does not have), and which Yjs clients wrote. Each changed type
 * is mapped to its path by walking up `_item.parent` / `parentSub` to a root, the role's rights for
 * that path are checked, and the resulting values are validated against the document's shape.
 *
 * Parsing `Y.decodeUpdate` output and re-implementing Yjs' item resolution was tried first and
 * failed both ways: honest offline sessions were refused, while implicit overwrites (a map key set
 * over a shared text) and exotic content (binary, embeds, formats, subdocuments) slipped through.
 * Judging the effect leaves item resolution to Yjs.
 */
import * as Y from 'yjs';
import {
	CELL_SCALAR_FIELDS,
	CONSENT_STATES,
	CONTRIBUTION_TYPES,
	MAX_DESCRIPTION_LENGTH,
	parseCellKey,
	ROOT,
	WHOLE_MATRIX,
	roots
} from '../../collab/matrix-doc';
import type { Refusal } from '../../collab/refusals';
import type { Principal } from './principal';

export type Verdict =
	/** `changed` is false when the update held nothing new (a sync reply, a repeat). */
	{ ok: true; changed: boolean; clients: number[] } | { ok: false; refusal: Refusal };

// Yjs types are generic over their event type; authorisation only walks the tree.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyType = Y.AbstractType<any>;

/** Minutes points and notes: long enough for a berita acara, short enough to print. */
export const MAX_MINUTES_TEXT_LENGTH = 20_000;
export const MAX_MINUTES_POINTS = 200;
const SITE_CODE = /^\d{2}(\.\d{2}){1,2}(\.\d{4})?$/;

/** Where a changed type sits: root name, then the map keys down to it. */
type Path = string[];

function pathOf(doc: Y.Doc, type: AnyType): Path | null {
	const keys: string[] = [];
	let current: AnyType = type;
	for (let depth = 0; depth < 16; depth++) {
		const item = current._item;
		if (item === null) {
			for (const [name, root] of doc.share) if (root === current) return [name, ...keys.reverse()];
			return null;
		}
		// Text and array children have no key; nothing in our shape nests types in them but minutes points.
		keys.push(item.parentSub ?? '#');
		const parent = item.parent;
		if (!(parent instanceof Y.AbstractType)) return null;
		current = parent;
	}
	return null;
}

/** The map value at `key` if it is plain JSON data (ContentAny), else a marker for "not plain". */
const NOT_PLAIN = Symbol('not plain');
function plainValue(map: AnyType, key: string): unknown {
	const item = map._map.get(key);
	if (!item || item.deleted) return undefined;
	if (!(item.content instanceof Y.ContentAny)) return NOT_PLAIN;
	const values = item.content.getContent();
	return values[values.length - 1];
}

function stateVector(doc: Y.Doc): Map<number, number> {
	const vector = new Map<number, number>();
	for (const client of doc.store.clients.keys()) vector.set(client, Y.getState(doc.store, client));
	return vector;
}

/** A shared text holding nothing but plain strings (no embeds, formats or nested types). */
function isPlainText(text: unknown, maxLength: number): boolean {
	if (!(text instanceof Y.Text) || text.length > maxLength) return false;
	for (let item = text._start; item !== null; item = item.right) {
		if (!item.deleted && !(item.content instanceof Y.ContentString)) return false;
	}
	return true;
}

const isCount = (v: unknown, max: number) => v === null || (typeof v === 'number' && Number.isFinite(v) && v >= 0 && v < max);
const isShortString = (v: unknown, max = 300) => typeof v === 'string' && v.length <= max;

/** Whether an official area code exists (the area table); without one, the format alone is checked. */
export type SiteLookup = (code: string) => boolean;

function validCellScalar(field: string, value: unknown, knownSite: SiteLookup): boolean {
	switch (field) {
		case 'type':
			return value === '' || (CONTRIBUTION_TYPES as readonly unknown[]).includes(value);
		case 'volume':
		case 'valueRupiah':
			return isCount(value, 1e15);
		case 'sites':
			return Array.isArray(value) && value.length <= 50 && value.every((s) => typeof s === 'string' && SITE_CODE.test(s) && knownSite(s));
		case 'timing':
		case 'unit':
		case 'fundingSource':
			return isShortString(value);
		default:
			return false;
	}
}

function validSessionValue(key: string, value: unknown): boolean {
	switch (key) {
		case 'agendaIndex':
			return typeof value === 'number' && Number.isInteger(value) && value >= 0 && value < 1000;
		case 'timerStartedAt':
			return isCount(value, 1e14);
		case 'followMe':
			return typeof value === 'boolean';
		case 'followTarget':
			return isShortString(value, 100);
		case 'consentCall':
			return value === null || isShortString(value, 100);
		default:
			return false;
	}
}

/** What the room's state says about a cell, read from the shadow after the update. */
type RoomFacts = {
	frozen: boolean;
	rowLocked(institutionId: string): boolean;
	columnLocked(componentId: string): boolean;
	hasCell(key: string): boolean;
	knownSite: SiteLookup;
};

function factsOf(doc: Y.Doc, knownSite: SiteLookup): RoomFacts {
	const map = (name: string) => doc.getMap<unknown>(name);
	const flag = (root: string, id: string) => {
		const entry = map(root).get(id);
		return entry instanceof Y.Map && entry.get('locked') === true;
	};
	return {
		frozen: map(ROOT.meta).get('frozen') === true,
		rowLocked: (id) => flag(ROOT.rows, id),
		columnLocked: (id) => flag(ROOT.components, id),
		hasCell: (key) => map(ROOT.cells).get(key) instanceof Y.Map,
		knownSite
	};
}

type Change = { path: Path; type: AnyType; keys: Set<string | null> };

/** A representative's change to a cell or to consent: the rules that keep each institution to its row. */
function judgeRepresentative(principal: Principal, change: Change, facts: RoomFacts): Refusal | null {
	const own = String(principal.institutionId);
	const { path, type, keys } = change;
	const [root, key, field, ...rest] = path;
	if (root === ROOT.cells) {
		// A new, removed or replaced cell map: cells are made by the server only.
		if (key === undefined) {
			for (const k of keys) {
				const cell = k ? parseCellKey(k) : null;
				if (cell && cell.institutionId !== own) return { code: 'foreignRow', institutionId: cell.institutionId };
			}
			return { code: 'structure' };
		}
		const cell = parseCellKey(key);
		if (!cell) return { code: 'structure' };
		if (cell.institutionId !== own) return { code: 'foreignRow', institutionId: cell.institutionId, componentId: cell.componentId };
		if (facts.frozen) return { code: 'frozen', institutionId: cell.institutionId, componentId: cell.componentId };
		if (facts.rowLocked(cell.institutionId)) return { code: 'rowLocked', institutionId: cell.institutionId, componentId: cell.componentId };
		if (facts.columnLocked(cell.componentId)) return { code: 'columnLocked', institutionId: cell.institutionId, componentId: cell.componentId };
		const where = { institutionId: cell.institutionId, componentId: cell.componentId };
		if (field === undefined) {
			if (!(type instanceof Y.Map)) return { code: 'structure' };
			// The cell map's own keys: plain fields set to plain, valid values. The description key
			// itself never changes: setting it (even to a string) would replace the shared text.
			for (const k of keys) {
				if (k === 'description') return { code: type.get(k) instanceof Y.AbstractType ? 'sharedType' : 'invalidValue', field: 'description', ...where };
				if (k === null || !(CELL_SCALAR_FIELDS as readonly string[]).includes(k)) return { code: 'invalidValue', field: k ?? '?', ...where };
				const value = plainValue(type, k);
				if (value === NOT_PLAIN && type.get(k) instanceof Y.AbstractType) return { code: 'sharedType', field: k, ...where };
				if (!validCellScalar(k, value, facts.knownSite)) return { code: 'invalidValue', field: k, ...where };
			}
			return null;
		}
		if (field === 'description' && rest.length === 0) {
			if (!(type instanceof Y.Text) || !isPlainText(type, Number.POSITIVE_INFINITY)) return { code: 'invalidValue', field: 'description', ...where };
			if (type.length > MAX_DESCRIPTION_LENGTH) return { code: 'descriptionTooLong', limit: MAX_DESCRIPTION_LENGTH, ...where };
			return null;
		}
		return { code: 'invalidValue', field, ...where };
	}
	if (root === ROOT.consent) {
		if (key === undefined) {
			for (const k of keys) if (k !== own) return { code: 'foreignRow', institutionId: k ?? undefined };
			return { code: 'structure' };
		}
		if (key !== own) return { code: 'foreignRow', institutionId: key };
		if (field !== undefined) return { code: 'invalidValue', field: 'consent', institutionId: key };
		// Consent stays open under locks and after freezing: locks stop changes to the content, not
		// agreement with it (a moderator locks the rows, then calls for consent).
		for (const target of keys) {
			if (target === null || (target !== WHOLE_MATRIX && !(parseCellKey(target) && facts.hasCell(target))))
				return { code: 'invalidValue', field: 'consent', institutionId: key };
			if (!(CONSENT_STATES as readonly unknown[]).includes(plainValue(type, target))) return { code: 'invalidValue', field: 'consent', institutionId: key };
		}
		return null;
	}
	return { code: 'notAllowed' };
}

/** The minutes draft: `nomor`, `points` (Y.Array of plain Y.Text) and `notes` (plain Y.Text). */
function judgeMinutes(change: Change): Refusal | null {
	const { path, type, keys } = change;
	const [, key, ...rest] = path;
	if (key === undefined) {
		for (const k of keys) {
			if (k !== 'nomor') return { code: 'structure' };
			const value = plainValue(type, k);
			if (!isShortString(value, 200)) return { code: 'invalidValue', field: 'nomor' };
		}
		return null;
	}
	if (key === 'notes' && rest.length === 0) return isPlainText(type, MAX_MINUTES_TEXT_LENGTH) ? null : { code: 'invalidValue', field: 'notes' };
	if (key === 'points' && rest.length === 0) {
		if (!(type instanceof Y.Array) || type.length > MAX_MINUTES_POINTS) return { code: 'invalidValue', field: 'points' };
		for (const point of type.toArray()) if (!isPlainText(point, MAX_MINUTES_TEXT_LENGTH)) return { code: 'invalidValue', field: 'points' };
		return null;
	}
	if (key === 'points' && rest.length === 1 && rest[0] === '#') return isPlainText(type, MAX_MINUTES_TEXT_LENGTH) ? null : { code: 'invalidValue', field: 'points' };
	return { code: 'invalidValue', field: key };
}

/** A moderator's change: locks, the presenter's session, the minutes. Structure goes through the app. */
function judgeModerator(change: Change): Refusal | null {
	const { path, type, keys } = change;
	const [root, key, ...rest] = path;
	if (root === ROOT.rows || root === ROOT.components) {
		if (key === undefined || rest.length > 0) return { code: 'structure' };
		for (const k of keys) {
			if (k !== 'locked') return { code: 'structure' };
			if (typeof plainValue(type, k) !== 'boolean') return { code: 'invalidValue', field: 'locked' };
		}
		return null;
	}
	if (root === ROOT.session) {
		if (key !== undefined) return { code: 'invalidValue', field: key };
		for (const k of keys) if (k === null || !validSessionValue(k, plainValue(type, k))) return { code: 'invalidValue', field: k ?? '?' };
		return null;
	}
	if (root === ROOT.minutes) return judgeMinutes(change);
	return { code: 'notAllowed' };
}

function judge(principal: Principal, change: Change, facts: RoomFacts): Refusal | null {
	switch (principal.role) {
		case 'viewer':
			return { code: 'readOnly' };
		case 'representative':
			return judgeRepresentative(principal, change, facts);
		case 'moderator':
			return judgeModerator(change);
		case 'secretariat':
			return change.path[0] === ROOT.minutes ? judgeMinutes(change) : { code: 'notAllowed' };
	}
}

const AUTHORISING = Symbol('mufakat-authorising');

/**
 * The shadow copy of one room's document and the decision about each update. `accepted` updates
 * stay applied to the shadow; the caller then applies the same bytes to the served document.
 * After a refusal the shadow is rebuilt from the served document (refusals are rare).
 */
export class UpdateAuthoriser {
	private shadow: Y.Doc;

	constructor(
		private readonly served: Y.Doc,
		private readonly knownSite: SiteLookup = () => true
	) {
		this.shadow = this.copyOfServed();
	}

	private copyOfServed(): Y.Doc {
		const shadow = new Y.Doc({ gc: this.served.gc });
		Y.applyUpdate(shadow, Y.encodeStateAsUpdate(this.served));
		// Give the loaded roots their real classes, so changed types compare equal to what we look up.
		roots(shadow);
		return shadow;
	}

	/** Keeps the shadow in step with a change that did not pass through `authorize` (the server's own). */
	follow(update: Uint8Array): void {
		Y.applyUpdate(this.shadow, update);
	}

	/** Throws the shadow away and copies the served document again. */
	rebuild(): void {
		this.shadow.destroy();
		this.shadow = this.copyOfServed();
	}

	/**
	 * Applies `update` to the shadow and judges what it did. `bindings` maps Yjs client ids to the
	 * subject that first wrote with them; an update written with another person's client id is refused.
	 * On refusal the shadow is rebuilt before this returns.
	 */
	authorize(update: Uint8Array, principal: Principal, bindings: ReadonlyMap<number, string>): Verdict {
		const shadow = this.shadow;
		const before = stateVector(shadow);
		const changes: Change[] = [];
		let deletions = 0;
		let failure: Refusal | null = null;
		try {
			shadow.transact((tr) => {
				Y.applyUpdate(shadow, update);
				for (const [type, keys] of tr.changed) changes.push({ path: [], type, keys: new Set(keys) });
				for (const ranges of tr.deleteSet.clients.values()) deletions += ranges.length;
			}, AUTHORISING);
		} catch {
			failure = { code: 'malformed' };
		}
		if (!failure && (shadow.store.pendingStructs !== null || shadow.store.pendingDs !== null)) failure = { code: 'missingContent' };

		const clients: number[] = [];
		if (!failure) {
			for (const [client, clock] of stateVector(shadow)) {
				if (clock <= (before.get(client) ?? 0)) continue;
				const owner = bindings.get(client);
				if (owner !== undefined && owner !== principal.subject) {
					failure = { code: 'foreignClientId' };
					break;
				}
				clients.push(client);
			}
		}
		if (!failure && changes.length > 0) {
			const facts = factsOf(shadow, this.knownSite);
			for (const change of changes) {
				const path = pathOf(shadow, change.type);
				failure = path ? judge(principal, { ...change, path }, facts) : { code: 'notAllowed' };
				if (failure) break;
			}
		}
		const changed = changes.length > 0 || deletions > 0 || clients.length > 0;
		// A viewer may send what it already has (its half of the sync handshake) but nothing new.
		if (!failure && changed && principal.role === 'viewer') failure = { code: 'readOnly' };
		if (failure) {
			this.rebuild();
			return { ok: false, refusal: failure };
		}
		return { ok: true, changed, clients };
	}

	destroy(): void {
		this.shadow.destroy();
	}
}
