import { fail } from '@sveltejs/kit';
import {
	applyProgressImport,
	checkProgressImport,
	IMPORT_COLUMNS,
	importTemplateHeader,
	readImportProgramme,
	readImportText,
	type ImportCheck
} from '$lib/server/commitments/commitment-import';
import { listForumProgrammes } from '$lib/server/commitments/commitments';
import {
	applyCommitmentImport,
	checkCommitmentImport,
	COMMITMENT_IMPORT_COLUMNS,
	commitmentTemplateHeader,
	type CommitmentImportCheck
} from '$lib/server/commitments/import-commitments';
import { getDb } from '$lib/server/db/client';
import { formAction } from '$lib/server/forms';
import { requireForumRole } from '$lib/server/guards';
import { translate, type Locale } from '$lib/i18n/translate';
import { periodCode } from '$lib/commitments/periods';
import type { Actions, PageServerLoad, RequestEvent } from './$types';

export const load: PageServerLoad = async ({ locals, params, url }) => {
	const db = getDb();
	const { forum } = await requireForumRole(db, locals, Number(params.forumId));
	const programmes = await listForumProgrammes(db, forum.id);
	const raw = Number(url.searchParams.get('programme'));
	return {
		programmes,
		programmeId: programmes.some((p) => p.id === raw) ? raw : (programmes[0]?.id ?? null),
		template: importTemplateHeader(locals.locale).join(','),
		commitmentTemplate: commitmentTemplateHeader(locals.locale).join(',')
	};
};

/** Problems in the user's language, each with its row and the column as the template names it. */
function describe(check: ImportCheck, locale: Locale) {
	const header = importTemplateHeader(locale);
	return {
		dataRows: check.dataRows,
		problems: check.problems.map((p) => ({
			row: p.row,
			column: p.column ? header[IMPORT_COLUMNS.indexOf(p.column)]! : '',
			message: translate(locale, p.message.key, p.message.params)
		})),
		rows: check.rows.map((r) => ({
			row: r.row,
			number: r.commitment.number,
			statement: r.commitment.statement,
			period: periodCode(r.period),
			realisation: r.values.realisation,
			replaces: r.replaces != null
		}))
	};
}

function describeCommitments(check: CommitmentImportCheck, locale: Locale) {
	const header = commitmentTemplateHeader(locale);
	return {
		dataRows: check.dataRows,
		problems: check.problems.map((p) => ({
			row: p.row,
			column: p.column ? header[COMMITMENT_IMPORT_COLUMNS.indexOf(p.column)]! : '',
			message: translate(locale, p.message.key, p.message.params)
		})),
		rows: check.rows.map((r) => ({ row: r.row, number: r.number, statement: r.statement, lead: r.leadName }))
	};
}

async function context(event: RequestEvent) {
	const db = getDb();
	const { forum, user } = await requireForumRole(db, event.locals, Number(event.params.forumId));
	return { db, forum, user };
}

export const actions: Actions = {
	check: async (event) => {
		const { db, forum } = await context(event);
		return formAction(event.locals.locale, event.request, async (form) => {
			const programmeId = await readImportProgramme(db, forum.id, form);
			const text = await readImportText(form);
			return { checked: describe(await checkProgressImport(db, forum.id, programmeId, text), event.locals.locale), csv: text, programmeId };
		});
	},
	apply: async (event) => {
		const { db, forum, user } = await context(event);
		return formAction(event.locals.locale, event.request, async (form) => {
			const programmeId = await readImportProgramme(db, forum.id, form);
			const text = await readImportText(form);
			const check = await checkProgressImport(db, forum.id, programmeId, text);
			if (check.problems.length > 0) return fail(400, { checked: describe(check, event.locals.locale), csv: text, programmeId });
			const { applied } = await applyProgressImport(db, forum.id, programmeId, text, { name: user.name, userId: user.id });
			return { applied };
		});
	},
	checkCommitments: async (event) => {
		const { db, forum } = await context(event);
		return formAction(event.locals.locale, event.request, async (form) => {
			const programmeId = await readImportProgramme(db, forum.id, form);
			const text = await readImportText(form);
			return { commitmentsChecked: describeCommitments(await checkCommitmentImport(db, forum.id, programmeId, text), event.locals.locale), csv: text, programmeId };
		});
	},
	applyCommitments: async (event) => {
		const { db, forum } = await context(event);
		return formAction(event.locals.locale, event.request, async (form) => {
			const programmeId = await readImportProgramme(db, forum.id, form);
			const text = await readImportText(form);
			const check = await checkCommitmentImport(db, forum.id, programmeId, text);
			if (check.problems.length > 0) return fail(400, { commitmentsChecked: describeCommitments(check, event.locals.locale), csv: text, programmeId });
			return { commitmentsApplied: (await applyCommitmentImport(db, forum.id, programmeId, text)).applied };
		});
	}
};
