/**
 * Decides, before anything is applied, whether an incoming Yjs update only touches what its
 * connection may change. The update is decoded into its structs; each new item is located in the
 * document (its parent chain up to a root type and map keys), each deletion is located on the
 * server's own copy, and the whole update is rejected when any part falls outside the rules.
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
import type { Principal } from './principal';

export type Verdict = { ok: true; clients: number[] } | { ok: false; reason: string };

/** Path from a root type through map keys, e.g. ['cells', '3:1', 'description']. */
type Path = string[];

type UpdateItem = Y.Item;
// Yjs types are generic over their event type; authorisation only walks the tree, so any will do.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyType = Y.AbstractType<any>;
type DeleteSet = { clients: Map<number, { clock: number; len: number }[]> };

class Locator {
	private readonly own = new Map<number, UpdateItem[]>();

	constructor(
		private readonly doc: Y.Doc,
		items: UpdateItem[]
	) {
		for (const item of items) {
			const list = this.own.get(item.id.client) ?? [];
			list.push(item);
			this.own.set(item.id.client, list);
		}
	}

	/** An item of the update itself containing `id`. */
	private ownItem(id: Y.ID): UpdateItem | null {
		for (const item of this.own.get(id.client) ?? []) if (id.clock >= item.id.clock && id.clock < item.id.clock + item.length) return item;
		return null;
	}

	/** An item already integrated in the server's document containing `id`. */
	storedItem(id: Y.ID): Y.Item | null {
		if (id.clock >= Y.getState(this.doc.store, id.client)) return null;
		const structs = this.doc.store.clients.get(id.client);
		if (!structs) return null;
		const struct = structs[Y.findIndexSS(structs, id.clock)];
		return struct instanceof Y.Item ? struct : null;
	}

	/** Path of an integrated type: root name, then the map keys leading to it. */
	pathOfType(type: AnyType, depth = 0): Path | null {
		if (depth > 16) return null;
		// Looked up each time: doc.share swaps a loaded root's placeholder for its typed Y.Map on first use.
		for (const [name, root] of this.doc.share) if (root === type) return [name];
		const item = type._item;
		if (!item) return null;
		return this.pathOfStoredItem(item, depth + 1);
	}

	pathOfStoredItem(item: Y.Item, depth = 0): Path | null {
		const parent = item.parent;
		if (!(parent instanceof Y.AbstractType)) return null;
		const base = this.pathOfType(parent, depth);
		if (!base) return null;
		return item.parentSub === null ? base : [...base, item.parentSub];
	}

	/** Path of a new item from the update: where it would be integrated. */
	pathOfNewItem(item: UpdateItem, depth = 0): Path | null {
		if (depth > 64) return null;
		const parent = item.parent as unknown;
		if (typeof parent === 'string') return item.parentSub === null ? [parent] : [parent, item.parentSub];
		if (parent instanceof Y.ID) {
			const parentPath = this.pathOfContainer(parent, depth);
			if (!parentPath) return null;
			return item.parentSub === null ? parentPath : [...parentPath, item.parentSub];
		}
		// parent is null: the item sits next to a known neighbour and shares its parent (and key).
		const neighbour = item.origin ?? item.rightOrigin;
		if (!neighbour) return null;
		const stored = this.storedItem(neighbour);
		if (stored) return this.pathOfStoredItem(stored, depth + 1);
		const own = this.ownItem(neighbour);
		return own && own !== item ? this.pathOfNewItem(own, depth + 1) : null;
	}

	/** Path of the type held by the item with `id` (its content must be a type). */
	private pathOfContainer(id: Y.ID, depth: number): Path | null {
		const stored = this.storedItem(id);
		if (stored) {
			if (!(stored.content instanceof Y.ContentType)) return null;
			return this.pathOfType(stored.content.type as AnyType, depth + 1);
		}
		const own = this.ownItem(id);
		if (!own || !(own.content instanceof Y.ContentType)) return null;
		return this.pathOfNewItem(own, depth + 1);
	}
}

/** What a value written at `path` by a representative may be. */
function validScalar(field: string, value: unknown): boolean {
	switch (field) {
		case 'type':
			return value === '' || (CONTRIBUTION_TYPES as readonly unknown[]).includes(value);
		case 'volume':
		case 'valueRupiah':
			return value === null || (typeof value === 'number' && Number.isFinite(value) && value >= 0 && value < 1e15);
		case 'sites':
			return Array.isArray(value) && value.length <= 50 && value.every((s) => typeof s === 'string' && /^\d{2}(\.\d{2}){1,2}(\.\d{4})?$/.test(s));
		default:
			return typeof value === 'string' && value.length <= 300;
	}
}

function itemValues(item: UpdateItem): unknown[] | null {
	const c = item.content;
	if (c instanceof Y.ContentAny) return c.arr;
	if (c instanceof Y.ContentString) return [c.str];
	if (c instanceof Y.ContentDeleted) return [];
	return null;
}

type Rules = {
	principal: Principal;
	doc: Y.Doc;
};

/** Reason a write at `path` is refused, or null when allowed. `values` is null for deletions. */
function refuse({ principal, doc }: Rules, path: Path, values: unknown[] | null, isType: boolean): string | null {
	const [root, key, field] = path;
	const r = roots(doc);
	switch (principal.role) {
		case 'viewer':
			return 'read-only connection';
		case 'secretariat':
			return root === ROOT.minutes ? null : `secretariat may edit only ${ROOT.minutes}`;
		case 'moderator':
			if (root === ROOT.components || root === ROOT.rows || root === ROOT.session || root === ROOT.minutes) return null;
			return `moderators may not write ${root}`;
		case 'representative': {
			if (isType) return 'representatives may not create shared types';
			const own = String(principal.institutionId);
			if (r.meta.get('frozen') === true && root === ROOT.cells) return 'the matrix is frozen';
			if (root === ROOT.cells) {
				const cell = key ? parseCellKey(key) : null;
				if (!cell || cell.institutionId !== own) return `cell ${key ?? '?'} belongs to another institution`;
				if (!field) return 'cells are created by the server';
				if (!r.cells.has(key!)) return `unknown cell ${key}`;
				if (r.rows.get(cell.institutionId)?.get('locked') === true) return `row ${cell.institutionId} is locked`;
				if (r.components.get(cell.componentId)?.get('locked') === true) return `column ${cell.componentId} is locked`;
				if (field === 'description') {
					if (path.length !== 3) return 'bad description path';
					if (values && values.some((v) => typeof v !== 'string')) return 'description holds text only';
					return null;
				}
				if (!(CELL_SCALAR_FIELDS as readonly string[]).includes(field) || path.length !== 3) return `unknown cell field ${field}`;
				if (values && !values.every((v) => validScalar(field, v))) return `invalid value for ${field}`;
				return null;
			}
			if (root === ROOT.consent) {
				if (key !== own) return `consent of institution ${key ?? '?'} is not yours`;
				if (!field || path.length !== 3) return 'bad consent path';
				// Locks and freezing stop changes to the content, not agreement with it: a moderator locks
				// the rows, then calls for consent.
				if (field !== WHOLE_MATRIX && !(parseCellKey(field) && r.cells.has(field))) return `unknown consent target ${field}`;
				if (values && !values.every((v) => (CONSENT_STATES as readonly unknown[]).includes(v))) return 'invalid consent state';
				return null;
			}
			return `representatives may not write ${root ?? '?'}`;
		}
	}
}

/**
 * Checks a whole update for one connection. `bindings` maps Yjs client ids to the subject that
 * first used them; an update carrying another subject's client id is refused.
 */
export function authorizeUpdate(doc: Y.Doc, update: Uint8Array, principal: Principal, bindings: ReadonlyMap<number, string>): Verdict {
	let decoded: { structs: (Y.Item | Y.GC | Y.Skip)[]; ds: DeleteSet };
	try {
		decoded = Y.decodeUpdate(update) as typeof decoded;
	} catch {
		return { ok: false, reason: 'malformed update' };
	}
	const rules: Rules = { principal, doc };
	const newItems: Y.Item[] = [];
	const clients = new Set<number>();
	const nextClock = new Map<number, number>();

	for (const struct of decoded.structs) {
		if (struct instanceof Y.Skip) continue;
		const { client, clock } = struct.id;
		const known = Y.getState(doc.store, client);
		if (clock + struct.length <= known) continue; // already integrated: a no-op
		const expected = nextClock.get(client) ?? known;
		if (clock > expected) return { ok: false, reason: 'update depends on changes the server does not have' };
		nextClock.set(client, clock + struct.length);
		const owner = bindings.get(client);
		if (owner !== undefined && owner !== principal.subject) return { ok: false, reason: `client id ${client} belongs to another user` };
		clients.add(client);
		if (struct instanceof Y.Item) newItems.push(struct);
		else if (principal.role === 'viewer') return { ok: false, reason: 'read-only connection' };
	}

	const locator = new Locator(doc, newItems);
	// Net characters each description gains in this update: a replaced selection is judged by its result.
	const growth = new Map<string, number>();
	const grow = (path: Path, by: number) => {
		if (path[0] === ROOT.cells && path[2] === 'description' && path.length === 3) growth.set(path[1]!, (growth.get(path[1]!) ?? 0) + by);
	};
	for (const item of newItems) {
		const path = locator.pathOfNewItem(item);
		if (!path) return { ok: false, reason: 'update refers to content the server does not have' };
		const reason = refuse(rules, path, itemValues(item), item.content instanceof Y.ContentType);
		if (reason) return { ok: false, reason };
		if (item.content instanceof Y.ContentString && !item.deleted) grow(path, item.length);
	}

	for (const [client, ranges] of decoded.ds.clients) {
		for (const { clock, len } of ranges) {
			const end = clock + len;
			const stored = doc.store.clients.get(client);
			let at = clock;
			// Deletions of items that are new in this update were checked with the items themselves.
			const ownEnd = nextClock.get(client);
			const knownEnd = Y.getState(doc.store, client);
			while (at < end) {
				if (at >= knownEnd) {
					if (ownEnd !== undefined && end <= ownEnd) break;
					return { ok: false, reason: 'deletes content the server does not have' };
				}
				const index = Y.findIndexSS(stored!, at);
				const struct = stored![index]!;
				if (struct instanceof Y.Item && !struct.deleted) {
					const path = locator.pathOfStoredItem(struct);
					if (!path) return { ok: false, reason: 'deletes content outside the document' };
					const reason = refuse(rules, path, null, struct.content instanceof Y.ContentType);
					if (reason) return { ok: false, reason };
					if (struct.content instanceof Y.ContentString && struct.countable) {
						const from = Math.max(at, struct.id.clock);
						grow(path, -(Math.min(end, struct.id.clock + struct.length) - from));
					}
				}
				at = struct.id.clock + struct.length;
			}
		}
	}
	for (const [key, delta] of growth) {
		const text = roots(doc).cells.get(key)?.get('description');
		if (delta > 0 && text instanceof Y.Text && text.length + delta > MAX_DESCRIPTION_LENGTH) return { ok: false, reason: `description longer than ${MAX_DESCRIPTION_LENGTH}` };
	}
	return { ok: true, clients: [...clients] };
}
