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

/** Everything a signer is shown; its canonical JSON is hashed. */
export type MinutesContent = {
	workshopId: number;
	version: number;
	nomor: string;
	title: string;
	subtitle: string;
	/**
	 * The forum's identity as it was when the version was finalised: the letterhead a sealed copy
	 * prints. Versions finalised before forums had addresses and logos lack those fields.
	 */
	forum: { name: string; shortName: string; secretariatAddress?: string; logoSha256?: string | null; logoMime?: string | null };
	/** The forum's zone (IANA); times in the minutes and the PDF are printed in it. */
	timeZone?: string;
	/** The forum's word for a village (desa, pekon, kampung …). */
	villageWord?: string;
	openingFormula: string;
	date: string;
	place: string;
	chair: string;
	moderator: string;
	notetaker: string;
	parties: { name: string; jabatan: string; instansi: string; sector: string }[];
	agenda: string[];
	agreedPoints: string[];
	notes: string;
	matrix: {
		version: number;
		contentHash: string;
		components: string[];
		/** Cells are contributions field by field; versions finalised before that hold the printed text. */
		rows: { institution: string; sector: string; cells: MinutesMatrixCell[] }[];
	} | null;
	commitments: { number: string; statement: string; lead: string; target: string }[];
	changesSinceLastMeeting: string[];
	closingFormula: string;
	placeAndDate: string;
};
