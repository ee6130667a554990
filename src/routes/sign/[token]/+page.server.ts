import { error } from '@sveltejs/kit';
import { getDb } from '$lib/server/db/client';
import { formAction } from '$lib/server/forms';
import { getForum } from '$lib/server/forums';
import { getWorkshop } from '$lib/server/workshops/workshops';
import { declineSigning, findSignerByToken, minutesContent, signMinutes } from '$lib/server/minutes';
import { SIGN_LIMIT, limitFromEnv, throttle, throttledFormFailure, throttledMessage } from '$lib/server/throttle';
import { sealedMinutesFor } from '$lib/server/sealing';
import { translate } from '$lib/i18n/translate';
import type { Actions, PageServerLoad } from './$types';

/** Signing happens on the signer's own device from a link (or its QR); no account is needed. */
export const load: PageServerLoad = async ({ params, locals, getClientAddress }) => {
	const db = getDb();
	const found = await findSignerByToken(db, params.token);
	if (!found) {
		// Only unknown links count against the address: guessing is what the limit is for.
		const attempt = await throttle(db, signKey(getClientAddress()), limitFromEnv(SIGN_LIMIT, 'MUFAKAT_SIGN_LIMIT'));
		if (!attempt.allowed) error(429, throttledMessage(locals.locale, attempt.retryAfterMs));
		error(404, translate(locals.locale, 'sign.unknownLink'));
	}
	const { signer, version } = found;
	const participant = locals.viewer?.kind === 'participant' ? locals.viewer.attendanceId : null;
	const content = minutesContent(version);
	const workshop = await getWorkshop(db, version.workshopId);
	return {
		timeZone: content.timeZone ?? (workshop ? (await getForum(db, workshop.forumId))?.timeZone : null) ?? null,
		signer: { name: signer.name, jabatan: signer.jabatan, instansi: signer.instansi, role: signer.role, status: signer.status, signedAt: signer.signedAt, declineReason: signer.declineReason },
		version: { version: version.version, textHash: version.textHash, voided: version.voidedAt !== null },
		content,
		// Once sealed, the signing link is where each signer fetches their own copy.
		sealed: await sealedMinutesFor(db, version.id),
		notYours: participant !== null && signer.attendanceId !== participant
	};
};

function context(request: Request, locals: App.Locals, getClientAddress: () => string) {
	return {
		ip: getClientAddress(),
		userAgent: request.headers.get('user-agent') ?? '',
		participantAttendanceId: locals.viewer?.kind === 'participant' ? locals.viewer.attendanceId : null
	};
}

const signKey = (address: string) => `sign:ip:${address}`;

async function signAttempt(getClientAddress: () => string) {
	return await throttle(getDb(), signKey(getClientAddress()), limitFromEnv(SIGN_LIMIT, 'MUFAKAT_SIGN_LIMIT'));
}

export const actions: Actions = {
	sign: async ({ params, request, locals, getClientAddress }) => {
		const attempt = await signAttempt(getClientAddress);
		if (!attempt.allowed) return throttledFormFailure(locals.locale, request, attempt.retryAfterMs);
		return formAction(locals.locale, request, async (form) => {
			await signMinutes(getDb(), params.token, form, context(request, locals, getClientAddress));
			return { signed: true };
		});
	},
	decline: async ({ params, request, locals, getClientAddress }) => {
		const attempt = await signAttempt(getClientAddress);
		if (!attempt.allowed) return throttledFormFailure(locals.locale, request, attempt.retryAfterMs);
		return formAction(locals.locale, request, async (form) => {
			await declineSigning(getDb(), params.token, form);
			return { declined: true };
		});
	}
};
