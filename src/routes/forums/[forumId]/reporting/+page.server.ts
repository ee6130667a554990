import { addBeneficiaryGroup, deleteBeneficiaryGroup, listBeneficiaryGroups, renameBeneficiaryGroup } from '$lib/server/commitments/beneficiary-groups';
import { dueReports } from '$lib/server/commitments/due-reports';
import { issueReportingLink, listReportingLinks, revokeReportingLink } from '$lib/server/commitments/reporting-links';
import { getDb } from '$lib/server/db/client';
import { formAction } from '$lib/server/forms';
import { requireForumRole } from '$lib/server/guards';
import { publicBaseUrl } from '$lib/server/network';
import { qrSvg } from '$lib/server/qr';
import { translate } from '$lib/i18n/translate';
import type { Actions, PageServerLoad, RequestEvent } from './$types';

/**
 * The forum's monitoring settings, for its secretariat and moderators: standing reporting links per
 * institution (secrets), the reports due, and the beneficiary groups the report form asks for.
 */
export const load: PageServerLoad = async ({ locals, params, url }) => {
	const db = getDb();
	const { forum } = await requireForumRole(db, locals, Number(params.forumId));
	const base = publicBaseUrl(url).url;
	const rows = await listReportingLinks(db, forum.id);
	return {
		links: await Promise.all(
			rows.map(async (r) => {
				const address = r.link ? `${base}/r/${r.link.token}` : null;
				return { ...r, link: r.link ? { url: address!, qr: await qrSvg(address!), createdAt: r.link.createdAt, lastUsedAt: r.link.lastUsedAt } : null };
			})
		),
		due: await dueReports(db, forum, base),
		groups: await listBeneficiaryGroups(db, forum.id)
	};
};

async function context(event: RequestEvent) {
	const db = getDb();
	const { forum, user } = await requireForumRole(db, event.locals, Number(event.params.forumId));
	return { db, forum, user };
}

export const actions: Actions = {
	issue: async (event) => {
		const { db, forum, user } = await context(event);
		return formAction(event.locals.locale, event.request, async (form) => {
			await issueReportingLink(db, forum.id, user.id, form);
			return { saved: translate(event.locals.locale, 'reporting.issued'), institutionId: Number(form.get('institutionId')) };
		});
	},
	revoke: async (event) => {
		const { db, forum, user } = await context(event);
		return formAction(event.locals.locale, event.request, async (form) => {
			await revokeReportingLink(db, forum.id, user.id, form);
			return { saved: translate(event.locals.locale, 'reporting.revoked'), institutionId: Number(form.get('institutionId')) };
		});
	},
	addGroup: async (event) => {
		const { db, forum } = await context(event);
		return formAction(event.locals.locale, event.request, async (form) => {
			const group = await addBeneficiaryGroup(db, forum.id, form);
			return { saved: translate(event.locals.locale, 'groups.added', { name: group.name }), action: 'addGroup' };
		});
	},
	renameGroup: async (event) => {
		const { db, forum } = await context(event);
		return formAction(event.locals.locale, event.request, async (form) => {
			const group = await renameBeneficiaryGroup(db, forum.id, form);
			return { saved: translate(event.locals.locale, 'groups.renamed', { name: group.name }), action: 'renameGroup' };
		});
	},
	deleteGroup: async (event) => {
		const { db, forum } = await context(event);
		return formAction(event.locals.locale, event.request, async (form) => {
			const group = await deleteBeneficiaryGroup(db, forum.id, form);
			return { saved: translate(event.locals.locale, 'groups.deleted', { name: group.name }), action: 'deleteGroup' };
		});
	}
};
