import type { MessageKey } from '$lib/i18n';
import type { ConsentState, ContributionType } from '$lib/collab/matrix-doc';

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
