/** Comparing Y.Docs across processes: state vectors as plain maps, and a digest of the content. */
import { createHash } from 'node:crypto';
import * as Y from 'yjs';
import { canonicalJson } from '../../src/lib/canonical-json';
import { roots } from '../../src/lib/collab/matrix-doc';
import type { StateVector } from './protocol';

export const stateVectorOf = (doc: Y.Doc): StateVector => Y.decodeStateVector(Y.encodeStateVector(doc));

/** Whether `held` has every change `target` has (it may have more). */
export function covers(held: StateVector, target: StateVector): boolean {
	for (const [client, clock] of target) if ((held.get(client) ?? 0) < clock) return false;
	return true;
}

/** The union of state vectors: what a document holding all of their changes would have. */
export function unionOf(vectors: StateVector[]): StateVector {
	const union: StateVector = new Map();
	for (const vector of vectors) for (const [client, clock] of vector) union.set(client, Math.max(union.get(client) ?? 0, clock));
	return union;
}

/** SHA-256 of the canonical JSON of every root of the document: equal digests, equal content. */
export function documentDigest(doc: Y.Doc): string {
	const content = Object.fromEntries(Object.entries(roots(doc)).map(([name, type]) => [name, type.toJSON()]));
	return createHash('sha256').update(canonicalJson(content)).digest('hex');
}
