/**
 * What a finalised berita acara says about one matrix cell, shared by the server (which writes it
 * into the signed text and the PDF) and the pages (which show it to signers).
 */

/**
 * One contribution as the representatives typed it in the frozen matrix. The pilot sites carry
 * their names as printed ("Kelurahan Taman", "Pekon Sukamaju"), resolved when the minutes were
 * finalised, so that the signed text names them.
 */
export type AgreedContribution = {
	/** Contribution type code (PENDANAAN …), printed by its label; '' when none was chosen. */
	type: string;
	description: string;
	volume: number | null;
	unit: string;
	/** Whole Rupiah. */
	valueRupiah: number | null;
	sites: { code: string; name: string }[];
	timing: string;
	fundingSource: string;
};

/**
 * A matrix cell: a contribution, null when the institution gave nothing for the component, or (in
 * minutes finalised before contributions were recorded field by field) the text that was printed.
 */
export type MinutesMatrixCell = AgreedContribution | string | null;
