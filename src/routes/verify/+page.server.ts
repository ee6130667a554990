import { fail } from '@sveltejs/kit';
import { getDb } from '$lib/server/db/client';
import { verifySealedDocument, verifySealedHash, type DocumentVerifyResult } from '$lib/server/commitments/laporan-kemajuan';
import { MAX_VERIFY_BYTES } from '$lib/server/sealing';
import { translate } from '$lib/i18n/translate';
import type { Actions } from './$types';

function present(result: DocumentVerifyResult) {
	const signatures = result.signatures;
	return {
		verdict: result.verdict,
		fileSha256: result.fileSha256,
		signatures: signatures
			? {
					fileLength: signatures.fileLength,
					appendedAfterLast: signatures.appendedAfterLast,
					list: signatures.signatures.map((s) => ({
						index: s.index,
						signer: [s.signerCommonName, s.signerOrganization].filter(Boolean).join(', '),
						ours: s.ours,
						valid: s.valid,
						coveredEnd: s.coveredEnd,
						claimedTime: s.claimedTime,
						timeStamp: s.timeStamp ? { time: s.timeStamp.time, authority: s.timeStamp.authority, valid: s.timeStamp.valid } : null
					}))
				}
			: null,
		/** Valid signatures by others after our seal, named: "ditandatangani kemudian oleh …". */
		laterSigners: result.verdict === 'genuine' ? result.later.filter((s) => s.valid && !s.ours).map((s) => [s.signerCommonName, s.signerOrganization].filter(Boolean).join(', ')) : [],
		laterInvalid: result.later.find((s) => !s.valid)?.index ?? null,
		match: result.match,
		report: result.report
	};
}

/** Public: anyone holding a copy of the minutes or a Laporan Kemajuan can check it, no account needed. */
export const actions: Actions = {
	default: async ({ request, locals }) => {
		const form = await request.formData();
		const file = form.get('pdf');
		const hash = String(form.get('hash') ?? '').trim();
		const db = getDb();
		if (file instanceof File && file.size > 0) {
			if (file.size > MAX_VERIFY_BYTES) return fail(400, { message: translate(locals.locale, 'verify.tooLarge', { mb: MAX_VERIFY_BYTES / 1024 / 1024 }) });
			return { result: present(await verifySealedDocument(db, new Uint8Array(await file.arrayBuffer()), locals.locale)) };
		}
		if (hash) {
			if (!/^[0-9a-fA-F]{64}$/.test(hash)) return fail(400, { message: translate(locals.locale, 'verify.badHash') });
			return { result: present(await verifySealedHash(db, hash, locals.locale)) };
		}
		return fail(400, { message: translate(locals.locale, 'verify.needInput') });
	}
};
