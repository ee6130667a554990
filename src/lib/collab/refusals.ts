/**
 * Why the live-document server refused an update, as it travels on the wire: the y-protocols auth
 * message ("permission denied") carries this object as JSON text. Clients show it in the user's
 * language (`collab.refusal.<code>` in the i18n catalogue), with institution and component names
 * looked up from ids; outside clients can read the code and parameters as they are.
 */
export const REFUSAL_CODES = [
	/** The connection may only read (projector, public, an institution awaiting approval). */
	'readOnly',
	/** A cell or consent of another institution. */
	'foreignRow',
	/** The moderator locked this institution's row. */
	'rowLocked',
	/** The moderator locked this component's column. */
	'columnLocked',
	/** The matrix is frozen. */
	'frozen',
	/** A value outside the document's shape (unknown type, negative Rupiah, bad site code …). */
	'invalidValue',
	/** A description over MAX_DESCRIPTION_LENGTH characters. */
	'descriptionTooLong',
	/** Only the server creates maps, texts and arrays (rows, cells, consent maps). */
	'sharedType',
	/** Rows and components are added, renamed and removed through the workshop setup, not live. */
	'structure',
	/** A part of the document this role may not write. */
	'notAllowed',
	/** The update builds on content the server does not have (usually after an earlier refusal). */
	'missingContent',
	/** A Yjs client id another person already writes with. */
	'foreignClientId',
	/** The update could not be decoded. */
	'malformed',
	/** The room's document would grow past its size limit. */
	'roomFull',
	/** This connection wrote more than its share per minute. */
	'writeRate'
] as const;
export type RefusalCode = (typeof REFUSAL_CODES)[number];

export type Refusal = {
	code: RefusalCode;
	/** Institution id (matrix row) concerned, as in the document's keys. */
	institutionId?: string;
	/** Component id (matrix column) concerned. */
	componentId?: string;
	/** Cell field concerned (`type`, `description`, `volume` …). */
	field?: string;
	/** A numeric limit the message quotes (characters, bytes). */
	limit?: number;
};

export function encodeRefusal(refusal: Refusal): string {
	return JSON.stringify(refusal);
}

/** Reads a refusal reason; anything that is not ours becomes `notAllowed` (older servers sent text). */
export function decodeRefusal(reason: string): Refusal {
	try {
		const value = JSON.parse(reason) as Record<string, unknown>;
		if (value && typeof value === 'object' && (REFUSAL_CODES as readonly unknown[]).includes(value.code)) {
			const refusal: Refusal = { code: value.code as RefusalCode };
			if (typeof value.institutionId === 'string') refusal.institutionId = value.institutionId;
			if (typeof value.componentId === 'string') refusal.componentId = value.componentId;
			if (typeof value.field === 'string') refusal.field = value.field;
			if (typeof value.limit === 'number') refusal.limit = value.limit;
			return refusal;
		}
	} catch {
		// Not JSON: a reason from another server; fall through to the generic refusal.
	}
	return { code: 'notAllowed' };
}

/** Refusals that will pass later without the person changing anything (a lock lifted, an unfreeze). */
export function isTemporaryRefusal(code: RefusalCode): boolean {
	return code === 'rowLocked' || code === 'columnLocked' || code === 'frozen' || code === 'writeRate';
}
