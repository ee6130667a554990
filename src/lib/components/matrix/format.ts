import type { MessageKey } from '$lib/i18n';
import { CONSENT_STATES, type ConsentState, type ContributionType, type MatrixSnapshot } from '$lib/collab/matrix-doc';
import type { Refusal } from '$lib/collab/refusals';
import type { UnsavedField } from '$lib/collab/unsaved-edits';

type Translate = (key: MessageKey, params?: Record<string, string | number>) => string;

const rupiah = new Intl.NumberFormat('id-ID', { style: 'currency', currency: 'IDR', maximumFractionDigits: 0 });
const plain = new Intl.NumberFormat('id-ID', { maximumFractionDigits: 2 });

/** Rupiah the Indonesian way in both languages ("Rp 150.000.000"): it is how budgets are read here. */
export const formatRupiah = (value: number) => rupiah.format(value);
export const formatQuantity = (value: number) => plain.format(value);

/**
 * Reads an amount typed as "150.000.000", "Rp 150.000.000" or "150000000". Rupiah has no
 * subunit in practice, so dots, commas and spaces are all thousands separators.
 * Returns null for an empty field and NaN for something that is not an amount.
 */
export function parseRupiah(text: string): number | null {
	const trimmed = text.trim().replace(/^rp\.?\s*/i, '');
	if (trimmed === '') return null;
	if (!/^\d{1,3}([.,\s]?\d{3})*$|^\d+$/.test(trimmed)) return Number.NaN;
	const value = Number(trimmed.replace(/[.,\s]/g, ''));
	return Number.isSafeInteger(value) ? value : Number.NaN;
}

export const contributionKey = (type: ContributionType) => `contribution.${type}` as MessageKey;
export const consentKey = (state: ConsentState) => `consent.${state}` as MessageKey;
export const sectorKey = (sector: string) => `sector.${sector}` as MessageKey;

/** Marks that do not rely on colour alone (projectors wash colours out). */
export const CONSENT_SYMBOL: Record<ConsentState, string> = { agree: '✓', abstain: '–', object: '✗' };

/** "mm:ss" for a countdown; hours only when needed. */
export function formatClock(totalSeconds: number): string {
	const s = Math.abs(Math.trunc(totalSeconds));
	const h = Math.floor(s / 3600);
	const m = Math.floor((s % 3600) / 60);
	const sec = s % 60;
	const pad = (n: number) => String(n).padStart(2, '0');
	return h > 0 ? `${h}:${pad(m)}:${pad(sec)}` : `${pad(m)}:${pad(sec)}`;
}

/** The label a person sees on each cell field, for messages that name one. */
export const FIELD_LABEL: Record<UnsavedField, MessageKey> = {
	type: 'matrix.type',
	description: 'matrix.description',
	sites: 'matrix.sites',
	timing: 'matrix.timing',
	volume: 'matrix.volume',
	unit: 'matrix.unit',
	valueRupiah: 'matrix.valueRupiah',
	fundingSource: 'matrix.fundingSource'
};

/** Labels for the other parts of the document a refusal can name (consent, minutes, locks). */
const PART_LABEL: Record<string, MessageKey> = {
	consent: 'collab.field.consent',
	nomor: 'minutes.nomor',
	notes: 'collab.field.notes',
	points: 'collab.field.points',
	locked: 'collab.field.locked'
};

/** Codes whose message names a row, a column or a field, and their wording for when the name is unknown. */
const UNNAMED: Partial<Record<Refusal['code'], { needs: 'institution' | 'component' | 'field'; key: MessageKey }>> = {
	foreignRow: { needs: 'institution', key: 'collab.refusal.foreignRowUnnamed' },
	rowLocked: { needs: 'institution', key: 'collab.refusal.rowLockedUnnamed' },
	columnLocked: { needs: 'component', key: 'collab.refusal.columnLockedUnnamed' },
	invalidValue: { needs: 'field', key: 'collab.refusal.invalidValueUnnamed' }
};

/**
 * Why the server refused an edit, in the reader's language, naming the institution, the component
 * and the field as the page shows them. The server sends only a code and ids; an id the matrix no
 * longer has, or a field with no label, gives the unnamed wording, never the raw id or key.
 * `t` is passed in so that pages and tests translate alike.
 */
export function describeRefusal(refusal: Refusal, snapshot: Pick<MatrixSnapshot, 'rows' | 'components'>, t: Translate): string {
	const row = refusal.institutionId === undefined ? undefined : snapshot.rows.find((r) => r.id === refusal.institutionId);
	const component = refusal.componentId === undefined ? undefined : snapshot.components.find((c) => c.id === refusal.componentId);
	const field = refusal.field;
	const fieldKey =
		field === undefined ? undefined : Object.hasOwn(FIELD_LABEL, field) ? FIELD_LABEL[field as UnsavedField] : Object.hasOwn(PART_LABEL, field) ? PART_LABEL[field] : undefined;
	const names = {
		institution: row ? row.shortName || row.name : undefined,
		component: component?.name,
		field: fieldKey ? t(fieldKey) : undefined
	};
	const unnamed = UNNAMED[refusal.code];
	if (unnamed && names[unnamed.needs] === undefined) return t(unnamed.key);
	return t(`collab.refusal.${refusal.code}`, {
		institution: names.institution ?? '',
		component: names.component ?? '',
		field: names.field ?? '',
		limit: refusal.limit ?? ''
	});
}

/** How many institutions agreed, abstained or objected to one target; null when nobody answered yet. */
export function consentTally(consent: MatrixSnapshot['consent'], target: string): Record<ConsentState, number> | null {
	const counts: Record<ConsentState, number> = { agree: 0, abstain: 0, object: 0 };
	let any = false;
	for (const marks of Object.values(consent)) {
		const state = marks[target];
		if (state && CONSENT_STATES.includes(state)) {
			counts[state]++;
			any = true;
		}
	}
	return any ? counts : null;
}
