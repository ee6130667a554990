import type { Period } from './periods';

/**
 * One commitment on a representative's reporting page, shared by the server (which lists them) and
 * the page's component.
 */
export type ReporterCommitment = {
	id: number;
	number: string;
	statement: string;
	type: string;
	unit: string;
	/** The reporter's institution leads it and files its reports; a supporter only sees it. */
	leads: boolean;
	leadName: string | null;
	latest: { period: Period; realisation: number | null; status: string } | null;
	/** Reports sent back for correction, with the secretariat's reason: shown first, prominently. */
	returned: { reportId: number; period: Period; reason: string; returnedAt: Date | string | null }[];
	/** No report yet for the last finished triwulan. */
	due: boolean;
};
