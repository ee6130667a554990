import { fail, type RequestEvent } from '@sveltejs/kit';
import { getDb } from '$lib/server/db/client';
import { formAction } from '$lib/server/forms';
import { requireWorkshopRole } from '$lib/server/guards';
import { approveInstitution, listInstitutions, missingSectors, sectorCoverage } from '$lib/server/institutions/institutions';
import { publicBaseUrl } from '$lib/server/network';
import { qrSvg } from '$lib/server/qr';
import { countAttendance, listAttendance } from '$lib/server/workshops/attendance';
import {
	chooseSignatory,
	editAttendance,
	listAttendanceAudit,
	partySignatories,
	removeAttendance,
	restoreAttendance
} from '$lib/server/workshops/attendance-corrections';
import { confirmAttendance, revokeAttendance } from '$lib/server/workshops/confirmation';
import { issueReentryLink } from '$lib/server/workshops/reentry';
import { translate, type MessageKey } from '$lib/i18n/translate';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = async ({ locals, params, url, depends }) => {
	depends('app:attendance');
	const db = getDb();
	const { workshop, roles } = await requireWorkshopRole(db, locals, Number(params.workshopId));
	const all = await listAttendance(db, workshop.id, { includeRemoved: true });
	const rows = all.filter((r) => r.removedAt === null);
	const coverage = sectorCoverage(rows.map((r) => ({ sector: r.sector, approved: r.institutionApproved })));
	const base = publicBaseUrl(url);
	const joinUrl = workshop.joinCode && workshop.status === 'live' ? `${base.url}/join/${workshop.joinCode}` : null;
	const isStaff = roles.includes('moderator') || roles.includes('secretariat');
	return {
		rows,
		removed: all.filter((r) => r.removedAt !== null),
		count: await countAttendance(db, workshop),
		signatories: partySignatories(rows).map((r) => r.id),
		missing: missingSectors(coverage),
		joinUrl,
		joinQr: joinUrl ? await qrSvg(joinUrl) : null,
		networkWarning: base.warning,
		isStaff,
		// What an entry may be moved to: the forum's approved, active institutions.
		institutions: isStaff ? (await listInstitutions(db, workshop.forumId)).map((i) => ({ id: i.id, shortName: i.shortName, sector: i.sector })) : [],
		audit: isStaff ? await listAttendanceAudit(db, workshop.id) : []
	};
};

/** Corrections: moderators and secretariat of this workshop's forum. */
async function staff(event: RequestEvent) {
	const db = getDb();
	const { workshop } = await requireWorkshopRole(db, event.locals, Number(event.params.workshopId), ['moderator', 'secretariat']);
	const userId = event.locals.viewer?.kind === 'account' ? event.locals.viewer.user.id : null;
	return { db, workshop, userId };
}

async function correction(event: RequestEvent, saved: MessageKey, run: (ctx: Awaited<ReturnType<typeof staff>>, id: number, form: FormData) => Promise<unknown>) {
	const ctx = await staff(event);
	return formAction(event.locals.locale, event.request, async (form) => {
		await run(ctx, Number(form.get('id')), form);
		return { saved: translate(event.locals.locale, saved), action: form.get('_action')?.toString() ?? null };
	});
}

export const actions: Actions = {
	approve: async ({ request, locals, params }) => {
		const db = getDb();
		const { workshop } = await requireWorkshopRole(db, locals, Number(params.workshopId), ['moderator']);
		const id = Number((await request.formData()).get('institutionId'));
		if (!await approveInstitution(db, workshop.forumId, id)) return fail(404, { message: translate(locals.locale, 'error.notFound') });
		return { saved: translate(locals.locale, 'institution.approved') };
	},
	edit: async (event) =>
		await correction(event, 'attendance.edited', ({ db, workshop, userId }, id, form) => editAttendance(db, workshop, id, form, userId)),
	remove: async (event) => await correction(event, 'attendance.removed', ({ db, workshop, userId }, id) => removeAttendance(db, workshop, id, userId)),
	restore: async (event) => await correction(event, 'attendance.restored', ({ db, workshop, userId }, id) => restoreAttendance(db, workshop, id, userId)),
	confirm: async (event) => {
		const db = getDb();
		const { workshop } = await requireWorkshopRole(db, event.locals, Number(event.params.workshopId), ['moderator']);
		const userId = event.locals.viewer?.kind === 'account' ? event.locals.viewer.user.id : null;
		return formAction(event.locals.locale, event.request, async (form) => {
			await confirmAttendance(db, workshop, Number(form.get('id')), userId);
			return { saved: translate(event.locals.locale, 'door.confirmed'), action: 'confirm' };
		});
	},
	revoke: async (event) => {
		const db = getDb();
		const { workshop } = await requireWorkshopRole(db, event.locals, Number(event.params.workshopId), ['moderator']);
		return formAction(event.locals.locale, event.request, async (form) => {
			await revokeAttendance(db, workshop, Number(form.get('id')));
			return { saved: translate(event.locals.locale, 'door.revokedBadge'), action: 'revoke' };
		});
	},
	signatory: async (event) =>
		await correction(event, 'attendance.signatoryChosenSaved', ({ db, workshop, userId }, id) => chooseSignatory(db, workshop, id, userId)),
	reentry: async (event) => {
		const { db, workshop, userId } = await staff(event);
		return formAction(event.locals.locale, event.request, async (form) => {
			const link = await issueReentryLink(db, workshop, Number(form.get('id')), userId);
			const base = publicBaseUrl(event.url);
			const reentryUrl = `${base.url}/reentry/${link.token}`;
			return {
				action: 'reentry',
				reentry: { id: Number(form.get('id')), name: link.name, url: reentryUrl, qr: await qrSvg(reentryUrl), expiresAt: link.expiresAt, loopbackOnly: base.loopbackOnly }
			};
		});
	}
};
