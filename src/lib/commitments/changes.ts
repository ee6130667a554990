import type { Locale, MessageKey } from '../i18n/locales';
import { formatNumber } from './periods';

/**
 * What changed in one commitment since the previous meeting, as data: the follow-up workshop page
 * words it in the reader's language, the berita acara in Indonesian (describeCommitmentChange).
 */
export type CommitmentChange =
	| { kind: 'new'; number: string; statement: string }
	| {
			kind: 'progress';
			/** The indicator (or the statement when it has none): the forum's own words. */
			label: string;
			numeric: boolean;
			from: number | null;
			to: number | null;
			target: number | null;
			verified: boolean;
	  };

type Translate = (key: MessageKey, params?: Record<string, string | number>) => string;

/** A reported value: a number, or done / not done for a yes-no commitment. */
export function describeChangeValue(numeric: boolean, value: number | null, t: Translate, locale: Locale): string {
	if (value == null) return '—';
	if (!numeric) return t(value >= 1 ? 'review.done' : 'review.notDone');
	return formatNumber(value, locale);
}

/** "Lokasi piloting: 2 → 4 (target 4) — belum diverifikasi", "Komitmen baru 9: …". */
export function describeCommitmentChange(change: CommitmentChange, t: Translate, locale: Locale): string {
	if (change.kind === 'new') return `${t('review.new', { number: change.number })}: ${change.statement}`;
	const value = (v: number | null) => describeChangeValue(change.numeric, v, t, locale);
	const target = change.target == null ? '' : ` (${t('review.target', { target: formatNumber(change.target, locale) })})`;
	const unverified = change.verified ? '' : ` — ${t('review.unverified')}`;
	return `${change.label}: ${value(change.from)} → ${value(change.to)}${target}${unverified}`;
}
