import { fail } from '@sveltejs/kit';
import { listAttendance } from '$lib/server/workshops/attendance';
import { getDb } from '$lib/server/db/client';
import { formAction } from '$lib/server/forms';
import { canEditForum, READ_ROLES, requireWorkshopRole } from '$lib/server/guards';
import { publicBaseUrl, verifyAddress } from '$lib/server/network';
import {
	currentMinutesVersion,
	ensureMinutesDraft,
	finalizeMinutes,
	listMinutesVersions,
	MIN_REPLACE_REASON,
	listSigners,
	minutesContent,
	renewSignerLink,
	signingComplete,
	signingDateGap,
	versionOnRecord,
	workshopOfficials
} from '$lib/server/minutes';
import { activeSealCertificate, importSealCertificate, sealedMinutesFor, sealWorkshopMinutes } from '$lib/server/sealing';
import { translate } from '$lib/i18n/translate';
import type { Actions, PageServerLoad, RequestEvent } from './$types';

export const load: PageServerLoad = async ({ locals, params, url, depends }) => {
	depends('app:minutes');
	const db = getDb();
	const { workshop, forum, roles } = await requireWorkshopRole(db, locals, Number(params.workshopId), READ_ROLES);
	// Observers read the finalised minutes; the live draft and the signing links are for staff.
	const canEdit = canEditForum(roles);
	if (canEdit) await ensureMinutesDraft(db, workshop);
	const current = await currentMinutesVersion(db, workshop.id);
	const signers = current ? await listSigners(db, current.id) : [];
	const base = publicBaseUrl(url);
	const link = (token: string) => (canEdit ? `${base.url}/sign/${token}` : null);
	const cert = await activeSealCertificate(db, workshop.forumId);
	return {
		me: { name: locals.viewer?.kind === 'account' ? locals.viewer.user.name : '', institutionId: null, role: roles.includes('moderator') ? ('moderator' as const) : ('secretariat' as const) },
		attendees: (await listAttendance(db, workshop.id)).map((a) => ({ id: a.id, name: a.name, institution: a.shortName })),
		officials: workshopOfficials(workshop, forum.name),
		current: current ? { id: current.id, version: current.version, nomor: current.nomor, textHash: current.textHash, finalizedAt: current.finalizedAt, content: minutesContent(current) } : null,
		signers: signers.map((s) => ({
			id: s.id,
			role: s.role,
			name: s.name,
			jabatan: s.jabatan,
			instansi: s.instansi,
			status: s.status,
			signedAt: s.signedAt,
			declineReason: s.declineReason,
			link: s.status === 'pending' ? link(s.linkToken) : null
		})),
		complete: signingComplete(signers),
		dateGap: current ? signingDateGap(minutesContent(current).date, signers, forum.timeZone) : null,
		versions: await Promise.all((await listMinutesVersions(db, workshop.id)).map(async (v) => ({
			version: v.version,
			textHash: v.textHash,
			finalizedAt: v.finalizedAt,
			voided: v.voidedAt !== null,
			voidedAt: v.voidedAt,
			voidReason: v.voidReason,
			sealed: await sealedMinutesFor(db, v.id)
		}))),
		// Once signed, a new version needs a moderator and a reason; the form says so before anyone tries.
		currentOnRecord: current ? await versionOnRecord(db, current.id) : false,
		isModerator: roles.includes('moderator'),
		minReplaceReason: MIN_REPLACE_REASON,
		canEdit,
		networkWarning: base.warning,
		verify: verifyAddress(base.url),
		certificate: cert ? { source: cert.source, subject: cert.subject, notAfter: cert.notAfter, fingerprint: cert.fingerprint } : null
	};
};

async function staff(event: RequestEvent) {
	const db = getDb();
	const { workshop } = await requireWorkshopRole(db, event.locals, Number(event.params.workshopId), ['moderator', 'secretariat']);
	return { db, workshop, userId: event.locals.viewer?.kind === 'account' ? event.locals.viewer.user.id : null };
}

export const actions: Actions = {
	finalize: async (event) => {
		const { db, workshop, userId } = await staff(event);
		return formAction(event.locals.locale, event.request, async (form) => {
			await finalizeMinutes(db, workshop, userId, form);
			return { saved: translate(event.locals.locale, 'workshop.saved') };
		});
	},
	renewLink: async (event) => {
		const { db, workshop } = await staff(event);
		const id = Number((await event.request.formData()).get('signerId'));
		if (!await renewSignerLink(db, workshop.id, id)) return fail(400, { message: translate(event.locals.locale, 'error.notFound') });
		return { saved: translate(event.locals.locale, 'workshop.saved') };
	},
	seal: async (event) => {
		const { db, workshop } = await staff(event);
		return formAction(event.locals.locale, event.request, async () => {
			const sealed = await sealWorkshopMinutes(db, workshop, publicBaseUrl(event.url).url);
			const key = sealed.alreadySealed ? 'minutes.alreadySealed' : sealed.sealTime === 'authorityUnreachable' ? 'minutes.sealedWithoutTimeStamp' : 'minutes.sealed';
			return { saved: translate(event.locals.locale, key) };
		});
	},
	importCertificate: async (event) => {
		const { db, workshop } = await staff(event);
		return formAction(event.locals.locale, event.request, async (form) => {
			await importSealCertificate(db, workshop.forumId, form);
			return { saved: translate(event.locals.locale, 'minutes.imported') };
		});
	}
};
