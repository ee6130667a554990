/**
 * The shape of a workshop's live Y.Doc, shared by the browser, the collab server, tests and
 * benchmarks. docs/collab.md documents it for outside Yjs clients.
 *
 * One Y.Doc per workshop (room `workshop-<id>`). Top-level types:
 *
 * | root         | type                                   | who may write                         |
 * |--------------|----------------------------------------|---------------------------------------|
 * | `meta`       | Y.Map: workshopId, frozen, version     | server only                           |
 * | `components` | Y.Map<componentId, Y.Map ComponentFields> | moderators                        |
 * | `rows`       | Y.Map<institutionId, Y.Map RowFields>  | moderators                            |
 * | `cells`      | Y.Map<"inst:comp", Y.Map CellFields>   | that institution's representatives    |
 * | `consent`    | Y.Map<institutionId, Y.Map<target, ConsentState>> | that institution's representatives |
 * | `session`    | Y.Map SessionFields                    | moderators                            |
 * | `minutes`    | Y.Map (signed-minutes draft)           | moderators and secretariat            |
 *
 * Ids are the SQL ids as decimal strings. A consent target is a cell key or `*` for the whole
 * matrix. Locked rows/columns and a frozen matrix accept no cell or consent writes.
 */
import * as Y from 'yjs';
import { canonicalJson } from '../canonical-json';

export const ROOT = {
	meta: 'meta',
	components: 'components',
	rows: 'rows',
	cells: 'cells',
	consent: 'consent',
	session: 'session',
	minutes: 'minutes'
} as const;
export type RootName = (typeof ROOT)[keyof typeof ROOT];

export const CONTRIBUTION_TYPES = [
	'PENDANAAN',
	'PELATIHAN',
	'PENDAMPINGAN',
	'FASILITASI',
	'DATA_KAJIAN',
	'KEBIJAKAN',
	'SARPRAS',
	'PROMOSI',
	'JEJARING',
	'MONEV'
] as const;
export type ContributionType = (typeof CONTRIBUTION_TYPES)[number];

export const CONSENT_STATES = ['agree', 'abstain', 'object'] as const;
export type ConsentState = (typeof CONSENT_STATES)[number];
export const WHOLE_MATRIX = '*';

/** Plain fields of a cell; `description` is a Y.Text for live co-typing. */
export type CellFields = {
	type: ContributionType | '';
	description: string;
	/** Official Kemendagri codes of the pilot sites this contribution covers. */
	sites: string[];
	timing: string;
	volume: number | null;
	unit: string;
	valueRupiah: number | null;
	fundingSource: string;
};
export const CELL_SCALAR_FIELDS = ['type', 'timing', 'volume', 'unit', 'valueRupiah', 'fundingSource', 'sites'] as const;
export type CellScalarField = (typeof CELL_SCALAR_FIELDS)[number];

export type ComponentFields = { name: string; position: number; locked: boolean };
export type RowFields = { name: string; shortName: string; sector: string; position: number; locked: boolean };
export type SessionFields = {
	agendaIndex: number;
	/** Epoch ms when the current agenda item's timer started; null when stopped. */
	timerStartedAt: number | null;
	followMe: boolean;
	/** What the presenter is showing when follow-me is on: a cell key, a component id or `matrix`. */
	followTarget: string;
	/** An open call for consent: a cell key or `*`. */
	consentCall: string | null;
};

export const cellKey = (institutionId: number | string, componentId: number | string) => `${institutionId}:${componentId}`;

export function parseCellKey(key: string): { institutionId: string; componentId: string } | null {
	const match = /^(\d+):(\d+)$/.exec(key);
	return match ? { institutionId: match[1]!, componentId: match[2]! } : null;
}

export const roomName = (workshopId: number) => `workshop-${workshopId}`;

export function parseRoomName(name: string): number | null {
	const match = /^workshop-(\d{1,9})$/.exec(name);
	return match ? Number(match[1]) : null;
}

export const MAX_DESCRIPTION_LENGTH = 2000;

export function roots(doc: Y.Doc) {
	return {
		meta: doc.getMap<unknown>(ROOT.meta),
		components: doc.getMap<Y.Map<unknown>>(ROOT.components),
		rows: doc.getMap<Y.Map<unknown>>(ROOT.rows),
		cells: doc.getMap<Y.Map<unknown>>(ROOT.cells),
		consent: doc.getMap<Y.Map<ConsentState>>(ROOT.consent),
		session: doc.getMap<unknown>(ROOT.session),
		minutes: doc.getMap<unknown>(ROOT.minutes)
	};
}

/** An empty cell: the server creates these so two laptops never race to create the same map. */
export function newCellMap(): Y.Map<unknown> {
	const cell = new Y.Map<unknown>();
	cell.set('type', '');
	cell.set('description', new Y.Text());
	cell.set('sites', []);
	cell.set('timing', '');
	cell.set('volume', null);
	cell.set('unit', '');
	cell.set('valueRupiah', null);
	cell.set('fundingSource', '');
	return cell;
}

export function readCell(cell: Y.Map<unknown> | undefined): CellFields {
	const text = cell?.get('description');
	const num = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : null);
	const str = (v: unknown) => (typeof v === 'string' ? v : '');
	const type = str(cell?.get('type'));
	const sites = cell?.get('sites');
	return {
		type: (CONTRIBUTION_TYPES as readonly string[]).includes(type) ? (type as ContributionType) : '',
		description: text instanceof Y.Text ? text.toString() : str(text),
		sites: Array.isArray(sites) ? sites.filter((s): s is string => typeof s === 'string') : [],
		timing: str(cell?.get('timing')),
		volume: num(cell?.get('volume')),
		unit: str(cell?.get('unit')),
		valueRupiah: num(cell?.get('valueRupiah')),
		fundingSource: str(cell?.get('fundingSource'))
	};
}

export function isCellEmpty(c: CellFields): boolean {
	return !c.type && !c.description.trim() && c.sites.length === 0 && !c.timing && c.volume === null && c.valueRupiah === null && !c.fundingSource;
}

export type MatrixSnapshot = {
	components: ({ id: string } & ComponentFields)[];
	rows: ({ id: string } & RowFields)[];
	cells: Record<string, CellFields>;
	consent: Record<string, Record<string, ConsentState>>;
	frozen: boolean;
	version: number;
};

/** Reads the matrix into plain data, rows and columns in display order. */
export function readMatrix(doc: Y.Doc): MatrixSnapshot {
	const r = roots(doc);
	const byPosition = <T extends { position: number; id: string }>(a: T, b: T) => a.position - b.position || Number(a.id) - Number(b.id);
	const components = [...r.components.entries()]
		.map(([id, m]) => ({ id, name: String(m.get('name') ?? ''), position: Number(m.get('position') ?? 0), locked: m.get('locked') === true }))
		.sort(byPosition);
	const rows = [...r.rows.entries()]
		.map(([id, m]) => ({
			id,
			name: String(m.get('name') ?? ''),
			shortName: String(m.get('shortName') ?? ''),
			sector: String(m.get('sector') ?? ''),
			position: Number(m.get('position') ?? 0),
			locked: m.get('locked') === true
		}))
		.sort(byPosition);
	const cells: Record<string, CellFields> = {};
	for (const [key, cell] of r.cells.entries()) cells[key] = readCell(cell);
	const consent: Record<string, Record<string, ConsentState>> = {};
	for (const [inst, marks] of r.consent.entries()) consent[inst] = Object.fromEntries(marks.entries());
	return { components, rows, cells, consent, frozen: r.meta.get('frozen') === true, version: Number(r.meta.get('version') ?? 0) };
}

/**
 * Canonical JSON of the matrix content that gets frozen: rows, columns and the non-empty cells in
 * display order, with keys sorted. Its SHA-256 is the content hash the minutes cite.
 */
export function canonicalMatrixJson(m: Pick<MatrixSnapshot, 'components' | 'rows' | 'cells'>): string {
	const cells: [string, CellFields][] = [];
	for (const row of m.rows)
		for (const comp of m.components) {
			const c = m.cells[cellKey(row.id, comp.id)];
			if (c && !isCellEmpty(c)) cells.push([cellKey(row.id, comp.id), c]);
		}
	return canonicalJson({
		components: m.components.map((c) => ({ id: c.id, name: c.name })),
		rows: m.rows.map((r) => ({ id: r.id, name: r.name, sector: r.sector })),
		cells
	});
}
