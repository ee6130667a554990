import { error } from '@sveltejs/kit';
import { getDb } from '$lib/server/db/client';
import { EVIDENCE_TYPES, evidenceDir, findEvidence, mayOpenEvidence, nameForType, readEvidence, sniffEvidenceType } from '$lib/server/commitments/evidence';
import { representedForum } from '$lib/server/representatives';
import { translate } from '$lib/i18n/translate';
import type { RequestHandler } from './$types';

/**
 * An evidence file, for staff of the forum or a confirmed representative of the institution that
 * filed the report (or leads the commitment). Served with its sniffed type, never sniffed again by the browser, and sandboxed.
 */
export const GET: RequestHandler = async ({ locals, params }) => {
	const db = getDb();
	const found = await findEvidence(db, Number(params.id));
	if (!found || found.file.kind === 'link') error(404, translate(locals.locale, 'error.notFound'));
	const viewer = locals.viewer;
	if (!viewer) error(401, translate(locals.locale, 'error.loginRequired'));
	// Only a confirmed representative speaks for the institution: someone who checked in with the
	// general code and waits for the moderator sees none of its evidence.
	const participantForum = viewer.kind === 'participant' ? await representedForum(db, viewer) : null;
	const owner = {
		forumId: found.commitment.forumId,
		reporterInstitutionId: found.report.reporterInstitutionId,
		leadInstitutionId: found.commitment.leadInstitutionId
	};
	if (!mayOpenEvidence(viewer, owner, participantForum)) error(403, translate(locals.locale, 'error.forbidden'));
	const bytes = readEvidence(evidenceDir(), found.file.sha256);
	if (!bytes) error(404, translate(locals.locale, 'error.notFound'));
	// The type is read from the bytes again, so a row from an older version or a restored backup
	// cannot make the browser treat the file as something else; the name follows the type.
	const type = sniffEvidenceType(bytes);
	if (!type) error(404, translate(locals.locale, 'error.notFound'));
	// RFC 5987 leaves ' ( ) * out of a filename*, and encodeURIComponent keeps them.
	const name = encodeURIComponent(nameForType(found.file.originalName, type)).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
	return new Response(new Uint8Array(bytes), {
		headers: {
			'content-type': type,
			'content-length': String(bytes.byteLength),
			// PDFs download: a sandboxed page cannot host the browser's PDF viewer.
			'content-disposition': `${EVIDENCE_TYPES[type] === 'photo' ? 'inline' : 'attachment'}; filename*=UTF-8''${name}`,
			'x-content-type-options': 'nosniff',
			'content-security-policy': "sandbox; default-src 'none'; img-src 'self'; style-src 'unsafe-inline'",
			'cache-control': 'private, no-store'
		}
	});
};
