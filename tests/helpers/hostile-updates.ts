/**
 * Updates no honest client sends, made with Yjs' own structs so that each is a well-formed update
 * whose effect is what an attacker wants: other content types than plain values, implicit
 * overwrites, writes and deletes in another institution's row, missing dependencies.
 */
import * as Y from 'yjs';
import { cellKey, roots } from '../../src/lib/collab/matrix-doc';

/** Yjs does not export its content base class by name. */
type Content = Y.Item['content'];

export const CONTENT_KINDS: [string, () => Content][] = [
	['string', () => new Y.ContentString('PENDANAAN')],
	['any', () => new Y.ContentAny([{ not: 'plain' }])],
	['binary', () => new Y.ContentBinary(new Uint8Array([1, 2, 3]))],
	['embed', () => new Y.ContentEmbed({ x: 'y'.repeat(1000) })],
	['format', () => new Y.ContentFormat('bold', true)],
	['json', () => new Y.ContentJSON(['PENDANAAN'])],
	['type', () => new Y.ContentType(new Y.Map())],
	['doc', () => new Y.ContentDoc(new Y.Doc())]
];

export const CELL_FIELDS = ['type', 'volume', 'valueRupiah', 'sites', 'timing', 'unit', 'fundingSource', 'description'];

/** A copy of the server's state to build an update on. */
export function replica(state: Uint8Array): Y.Doc {
	const doc = new Y.Doc();
	Y.applyUpdate(doc, state);
	return doc;
}

/** The update a replica made after `edit`, relative to `state`. */
export function updateAfter(state: Uint8Array, edit: (doc: Y.Doc) => void): Uint8Array {
	const doc = replica(state);
	const before = Y.encodeStateVector(doc);
	edit(doc);
	return Y.encodeStateAsUpdate(doc, before);
}

/** One item written under `key` of `map` with arbitrary content (what `map.set` would do with a value). */
export function writeRawMapEntry(doc: Y.Doc, map: Y.Map<unknown>, key: string, content: Content): void {
	const current = map._map.get(key) ?? null;
	const item = new Y.Item(Y.createID(doc.clientID, Y.getState(doc.store, doc.clientID)), current, current?.lastId ?? null, null, null, map, key, content);
	doc.transact((tr) => item.integrate(tr, 0));
}

/** Every content kind in every cell field of `cell`, and as a consent mark of `institutionId`. */
export function hostileContentUpdates(state: Uint8Array, institutionId: number, componentId: number): { name: string; update: Uint8Array }[] {
	const updates: { name: string; update: Uint8Array }[] = [];
	for (const field of CELL_FIELDS) {
		for (const [kind, content] of CONTENT_KINDS) {
			if (kind === 'any' && field === 'sites') continue; // an array of objects: covered as an invalid value below
			updates.push({
				name: `${kind} in ${field}`,
				update: updateAfter(state, (doc) => writeRawMapEntry(doc, roots(doc).cells.get(cellKey(institutionId, componentId))!, field, content()))
			});
		}
	}
	for (const [kind, content] of CONTENT_KINDS)
		updates.push({
			name: `${kind} as consent`,
			update: updateAfter(state, (doc) => writeRawMapEntry(doc, roots(doc).consent.get(String(institutionId))! as Y.Map<unknown>, '*', content()))
		});
	return updates;
}

/** The other ways in: overwrites, foreign rows, missing dependencies, one bad item among good ones. */
export function hostileEffectUpdates(state: Uint8Array, own: number, other: number): { name: string; update: Uint8Array }[] {
	const description = (doc: Y.Doc, inst: number, comp = 1) => roots(doc).cells.get(cellKey(inst, comp))!.get('description') as Y.Text;
	const gap = (() => {
		const doc = replica(state);
		description(doc, own).insert(0, 'satu');
		const before = Y.encodeStateVector(doc);
		description(doc, own).insert(4, ' dua');
		return Y.encodeStateAsUpdate(doc, before);
	})();
	return [
		{ name: 'description overwritten by a 100,000-character string', update: updateAfter(state, (doc) => roots(doc).cells.get(cellKey(own, 1))!.set('description', 'x'.repeat(100_000))) },
		{ name: 'whole cell map replaced', update: updateAfter(state, (doc) => roots(doc).cells.set(cellKey(own, 1), new Y.Map())) },
		{ name: 'another row written', update: updateAfter(state, (doc) => roots(doc).cells.get(cellKey(other, 1))!.set('unit', 'dibajak')) },
		{ name: 'another row’s text deleted', update: updateAfter(state, (doc) => description(doc, other).delete(0, Math.min(3, description(doc, other).length))) },
		{ name: 'item with its origin in another row', update: updateAfter(state, (doc) => description(doc, other).insert(Math.min(2, description(doc, other).length), 'X')) },
		{ name: 'another institution’s consent', update: updateAfter(state, (doc) => roots(doc).consent.get(String(other))!.set('*', 'object')) },
		{ name: 'missing dependencies', update: gap },
		{
			name: 'legal except one foreign item',
			update: updateAfter(state, (doc) => {
				description(doc, own, 2).insert(0, 'sah');
				roots(doc).cells.get(cellKey(own, 3))!.set('unit', 'sah');
				roots(doc).cells.get(cellKey(other, 2))!.set('unit', 'tidak sah');
			})
		},
		{ name: '100,000-character embed in a description', update: updateAfter(state, (doc) => description(doc, own).insertEmbed(0, { x: 'x'.repeat(100_000) })) },
		{ name: 'new root type', update: updateAfter(state, (doc) => doc.getMap('evil').set('x', 1)) },
		{ name: 'meta written', update: updateAfter(state, (doc) => roots(doc).meta.set('frozen', true)) }
	];
}
