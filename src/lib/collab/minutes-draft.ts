/**
 * The berita acara draft inside the workshop's Y.Doc (root `minutes`): `nomor` (string),
 * `points` (Y.Array of Y.Text, the numbered agreed points) and `notes` (Y.Text). Moderators and
 * the secretariat write it; everyone in the room reads along.
 */
import * as Y from 'yjs';
import { roots } from './matrix-doc';

export type MinutesDraft = { nomor: string; points: string[]; notes: string };

export function readMinutesDraft(doc: Y.Doc): MinutesDraft {
	const m = roots(doc).minutes;
	const points = m.get('points');
	const notes = m.get('notes');
	return {
		nomor: String(m.get('nomor') ?? ''),
		points: points instanceof Y.Array ? points.toArray().map((t) => String(t)) : [],
		notes: notes instanceof Y.Text ? notes.toString() : ''
	};
}

export function minutesPoints(doc: Y.Doc): Y.Array<Y.Text> | null {
	const points = roots(doc).minutes.get('points');
	return points instanceof Y.Array ? (points as Y.Array<Y.Text>) : null;
}

export function minutesNotes(doc: Y.Doc): Y.Text | null {
	const notes = roots(doc).minutes.get('notes');
	return notes instanceof Y.Text ? notes : null;
}
