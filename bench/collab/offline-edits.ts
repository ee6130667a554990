/**
 * What a representative types into its own cell while the hall's Wi-Fi is down: real Yjs edits
 * made with the app's own helpers (src/lib/collab/matrix-edits.ts), one transaction per edit as
 * the matrix page makes them: words typed at the caret, backspaces, a word selected and retyped,
 * and the cell's plain fields set (type, timing, volume, unit, value, funding source, sites).
 * Deterministic for a given seed.
 */
import type * as Y from 'yjs';
import { CONTRIBUTION_TYPES, MAX_DESCRIPTION_LENGTH, roots } from '../../src/lib/collab/matrix-doc';
import { applyTextEdit, cellDescription, setCellField, type CellScalarValue } from '../../src/lib/collab/matrix-edits';

const WORDS = [
	'pendampingan', 'desa', 'pelatihan', 'kader', 'posyandu', 'anggaran', 'triwulan', 'kabupaten', 'Madiun',
	'program', 'stunting', 'gizi', 'balita', 'sanitasi', 'air', 'bersih', 'kelompok', 'tani', 'UMKM', 'pemasaran',
	'digital', 'sekolah', 'guru', 'fasilitasi', 'forum', 'data', 'kajian', 'monitoring', 'evaluasi', 'kecamatan',
	'Dagangan', 'Wungu', 'Kare', 'Gemarang', 'Saradan', 'Pilangkenceng', 'bersama', 'untuk', 'dan', 'di', '2027'
];
const TIMINGS = ['Q1 2027', 'Q2 2027', 'Semester I 2027', 'Januari–Juni 2027', 'Juli 2027', 'sepanjang 2027'];
const UNITS = ['desa', 'kader', 'paket', 'kegiatan', 'orang', 'unit', 'kali'];
const FUNDING = ['APBD', 'APBDes', 'CSR', 'APBN (DAK)', 'swadaya', 'hibah mitra'];
/** Kemendagri codes in the shape the server accepts (province.regency[.district[.village]]). */
const SITES = ['35.19', '35.19.01', '35.19.02', '35.19.05', '35.19.09', '35.19.11', '35.19.01.2001', '35.19.05.2003'];

/** mulberry32: small, fast, good enough to vary edits reproducibly. */
function random(seed: number): () => number {
	let a = seed >>> 0;
	return () => {
		a = (a + 0x6d2b79f5) >>> 0;
		let t = a;
		t = Math.imul(t ^ (t >>> 15), t | 1);
		t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
		return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
	};
}

export type OfflineEditCounts = { typed: number; backspaces: number; retyped: number; fields: number };

type FieldSet = { [K in keyof CellScalarValue]: [K, CellScalarValue[K]] }[keyof CellScalarValue];

const sameValue = (a: unknown, b: unknown) => (Array.isArray(a) && Array.isArray(b) ? a.join('\n') === b.join('\n') : a === b);

/** Makes `count` edits to cell `key` of `doc`, each its own transaction; returns what kinds were made. */
export function makeOfflineEdits(doc: Y.Doc, key: string, count: number, seed: number): OfflineEditCounts {
	const text = cellDescription(doc, key);
	if (!text) throw new Error(`cell ${key} has no description to edit`);
	const next = random(seed);
	const pick = <T>(list: readonly T[]): T => list[Math.floor(next() * list.length)]!;
	const counts: OfflineEditCounts = { typed: 0, backspaces: 0, retyped: 0, fields: 0 };
	let caret = text.length;
	for (let i = 0; i < count; i++) {
		const current = text.toString();
		caret = Math.min(caret, current.length);
		const roll = next();
		if (roll < 0.55 && current.length < MAX_DESCRIPTION_LENGTH - 40) {
			// Type a word at the caret; now and then move the caret to a word boundary first.
			if (next() < 0.2) {
				const boundaries = [0, ...[...current.matchAll(/ /g)].map((m) => m.index! + 1)];
				caret = pick(boundaries);
			}
			const word = `${pick(WORDS)} `;
			applyTextEdit(text, current.slice(0, caret) + word + current.slice(caret), null);
			caret += word.length;
			counts.typed++;
		} else if (roll < 0.67 && caret > 0) {
			// Backspace over one to six characters.
			const remove = Math.min(caret, 1 + Math.floor(next() * 6));
			applyTextEdit(text, current.slice(0, caret - remove) + current.slice(caret), null);
			caret -= remove;
			counts.backspaces++;
		} else if (roll < 0.75 && current.includes(' ')) {
			// Select a word and type another over it (one delete and one insert in one transaction).
			const words = [...current.matchAll(/[^ ]+/g)];
			const chosen = pick(words);
			const start = chosen.index!;
			let replacement = pick(WORDS);
			while (replacement === chosen[0]) replacement = pick(WORDS);
			applyTextEdit(text, current.slice(0, start) + replacement + current.slice(start + chosen[0].length), null);
			caret = start + replacement.length;
			counts.retyped++;
		} else {
			// Set one plain field to a value it does not already have, as a form field would.
			const cell = roots(doc).cells.get(key)!;
			const candidate = (): FieldSet => {
				switch (Math.floor(next() * 7)) {
					case 0:
						return ['type', pick(CONTRIBUTION_TYPES)];
					case 1:
						return ['timing', pick(TIMINGS)];
					case 2:
						return ['volume', 1 + Math.floor(next() * 200)];
					case 3:
						return ['unit', pick(UNITS)];
					case 4:
						return ['valueRupiah', 1_000_000 * (1 + Math.floor(next() * 500))];
					case 5:
						return ['fundingSource', pick(FUNDING)];
					default:
						return ['sites', SITES.filter(() => next() < 0.4)];
				}
			};
			let change = candidate();
			while (sameValue(cell.get(change[0]), change[1])) change = candidate();
			setCellField(doc, key, change[0], change[1]);
			counts.fields++;
		}
	}
	return counts;
}
