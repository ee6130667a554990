/**
 * Progress reports (laporan kemajuan) and their verification, and the achievement arithmetic that
 * every roll-up, chart and export uses.
 *
 * Achievement (capaian) of a numeric commitment from a cumulative realisation r:
 * - direction up (more is better):   (r − baseline) / (target − baseline); no baseline counts as 0;
 * - direction down (less is better): (baseline − r) / (baseline − target); needs a baseline.
 * A target derived "minus the baseline" (a BUMDes in every pekon that lacks one) counts what must be
 * added, so the level to reach is baseline + target. Milestone and policy commitments are done (100 %)
 * or not (0 %). The raw value is kept (125 % means beyond the target); displays clamp to 0–100.
 */
import { and, asc, eq, inArray } from 'drizzle-orm';
import {
	comparePeriods,
	lastFinishedPeriod,
	nextPeriod,
	parseDecimal,
	periodStartsAfter,
	PERIODS_PER_YEAR,
	type Period,
	type PeriodKind
} from '../../commitments/periods';
import { transaction, type Db } from '../db/client';
import { beneficiaryCounts, beneficiaryGroups, commitments, commitmentSites, evidenceFiles, institutions, PERIOD_TYPES, progressReports, REPORT_FLAGS, users } from '../db/schema';
import { evidenceDir, MAX_EVIDENCE_BYTES, prepareEvidence, removeUnreferenced, writeEvidence, type PreparedEvidence } from './evidence';
import { InputError, InputReader } from '../validation';
import { markReportingLinkUsed } from './reporting-links';
import { keepFirstRevision, recordRevision, revisionsOf, type ReportRevision, type RevisionAction } from './report-revisions';

export type Commitment = typeof commitments.$inferSelect;
export type ProgressReport = typeof progressReports.$inferSelect;
export type EvidenceFile = typeof evidenceFiles.$inferSelect;
export type ReportFlag = (typeof REPORT_FLAGS)[number];

type Measured = Pick<Commitment, 'type' | 'direction' | 'baselineValue' | 'targetValue' | 'targetDerivation'>;

export type Achievement = {
	/** Per cent as computed, may be below 0 or above 100. */
	raw: number | null;
	/** Clamped to 0–100 for bars. */
	display: number | null;
	/** Why there is no figure, as a message key suffix. */
	missing: 'noReport' | 'noTarget' | 'noBaseline' | 'targetIsBaseline' | null;
};

/** The level a numeric commitment aims to reach, in its unit. */
export function targetLevel(c: Measured): number | null {
	if (c.targetValue == null) return null;
	if (c.targetDerivation?.minusBaseline) return (c.baselineValue ?? 0) + c.targetValue;
	return c.targetValue;
}

export function achievementOf(c: Measured, realisation: number | null | undefined): Achievement {
	const none = (missing: Achievement['missing']): Achievement => ({ raw: null, display: null, missing });
	if (realisation == null) return none('noReport');
	let raw: number;
	if (c.type !== 'numeric') {
		raw = realisation >= 1 ? 100 : 0;
	} else {
		const target = targetLevel(c);
		if (target == null) return none('noTarget');
		if (c.direction === 'down') {
			if (c.baselineValue == null) return none('noBaseline');
			if (c.baselineValue === target) return none('targetIsBaseline');
			raw = ((c.baselineValue - realisation) / (c.baselineValue - target)) * 100;
		} else {
			const baseline = c.baselineValue ?? 0;
			if (baseline === target) return none('targetIsBaseline');
			raw = ((realisation - baseline) / (target - baseline)) * 100;
		}
	}
	// Float noise (e.g. 99.99999999) must not keep a finished commitment below 100 %.
	raw = Math.round(raw * 1e6) / 1e6;
	return { raw, display: Math.min(100, Math.max(0, raw)), missing: null };
}

export function isAchieved(a: Achievement): boolean {
	return a.raw != null && a.raw >= 100;
}

export const reportPeriod = (r: Pick<ProgressReport, 'periodType' | 'periodYear' | 'periodIndex'>): Period => ({
	type: r.periodType,
	year: r.periodYear,
	index: r.periodIndex
});

/** Latest period first; a later submission wins between equal periods. */
export function sortReports<T extends Pick<ProgressReport, 'periodType' | 'periodYear' | 'periodIndex' | 'submittedAt'>>(reports: T[]): T[] {
	return [...reports].sort((a, b) => comparePeriods(reportPeriod(b), reportPeriod(a)) || b.submittedAt.getTime() - a.submittedAt.getTime());
}

export type Reporter =
	| { kind: 'staff'; userId: number; name: string }
	| { kind: 'participant'; institutionId: number; name: string }
	/** Through a standing reporting link: the name is typed in the form, since a link is not a person. */
	| { kind: 'link'; institutionId: number; linkId: number; name: string };

/**
 * The lead institution (penanggung jawab) reports a commitment's cumulative realisation; supporters
 * report through it, so a figure is never counted twice. Staff may report for any.
 */
export function mayReport(commitment: Pick<Commitment, 'leadInstitutionId'>, reporter: Reporter): boolean {
	if (reporter.kind === 'staff') return true;
	return commitment.leadInstitutionId != null && commitment.leadInstitutionId === reporter.institutionId;
}

/**
 * Whether a commitment's unit counts people, so that beneficiaries cannot outnumber the realisation
 * (128 people trained cannot have reached 130). Judged from the unit's words: "orang", "jiwa",
 * "peserta", "kader", "penerima manfaat"… and their English equivalents. A household (KK, rumah
 * tangga), a kelurahan or a UMKM is not a person, so those units are not checked.
 */
export function unitCountsPeople(unit: string): boolean {
	return /(^|[^a-z])(orang|jiwa|peserta|penerima|warga|kader|siswa|pelajar|mahasiswa|anak|balita|lansia|pemuda|perempuan|petani|nelayan|pekerja|tenaga kerja|penyandang|persons?|people|participants?|beneficiar(y|ies)|trainees?)([^a-z]|$)/i.test(
		unit.trim()
	);
}

/** Commitments a representative may report on: those their institution leads, in that forum. */
export async function commitmentsLedBy(db: Db, forumId: number, institutionId: number): Promise<Commitment[]> {
	return await db
		.select()
		.from(commitments)
		.where(and(eq(commitments.forumId, forumId), eq(commitments.leadInstitutionId, institutionId)))
		.orderBy(asc(commitments.id));
}

const MAX_LINKS = 10;
const MAX_FILES = 10;

/** Reads a decimal field (Indonesian or English notation) through the shared validator. */
export function readDecimal(form: InputReader, field: string, opts: { required?: boolean; min?: number } = {}): number | null {
	const text = form.text(field, { max: 40 });
	if (text === '') {
		if (opts.required) form.fail(field, 'error.required');
		return null;
	}
	const n = parseDecimal(text);
	if (n === null) {
		form.fail(field, 'commitment.notNumber');
		return null;
	}
	if (opts.min !== undefined && n < opts.min) {
		form.fail(field, 'commitment.notNegative');
		return null;
	}
	return n;
}

export type ReportValues = {
	period: Period;
	realisation: number | null;
	narrative: string;
	obstacles: string;
	followUp: string;
	flag: ReportFlag;
	spentRupiah: number | null;
};

/** Validates one report's fields (the form and each CSV row use this). */
export function readReportFields(
	form: InputReader,
	commitment: Pick<Commitment, 'type'> & Partial<Pick<Commitment, 'budgetRupiah'>>,
	today = new Date()
): ReportValues | null {
	const type = form.choice('periodType', PERIOD_TYPES) as PeriodKind | null;
	const year = form.integer('periodYear', { min: 2000, max: 2100 });
	const index = form.integer('periodIndex', { min: 1, max: type ? PERIODS_PER_YEAR[type] : 12 });
	let realisation: number | null;
	if (commitment.type === 'numeric') realisation = readDecimal(form, 'realisation', { required: true, min: 0 });
	else {
		const done = form.choice('done', ['yes', 'no'] as const);
		realisation = done === 'yes' ? 1 : done === 'no' ? 0 : null;
	}
	const narrative = form.paragraph('narrative', { max: 4000 });
	const obstacles = form.paragraph('obstacles', { max: 2000 });
	const followUp = form.paragraph('followUp', { max: 2000 });
	const flag = form.choice('flag', REPORT_FLAGS, { required: false }) ?? 'on_track';
	// Realised spending is asked only where the commitment carries a Rupiah value to spend.
	const spent = commitment.budgetRupiah != null ? readDecimal(form, 'spentRupiah', { min: 0 }) : null;
	if (!type || year === null || index === null) return null;
	const period = { type, year, index };
	if (periodStartsAfter(period, today)) {
		form.fail('periodIndex', 'progress.periodInFuture');
		return null;
	}
	return { period, realisation, narrative, obstacles, followUp, flag, spentRupiah: spent == null ? null : Math.round(spent) };
}

/** One aggregate count of beneficiaries: by sex, or for a forum group. */
export type BeneficiaryCount = { areaCode: string; sex: 'L' | 'P' | null; groupId: number | null; count: number };

const MAX_COUNT = 10_000_000;

/**
 * Reads the beneficiaries table of the report form: fields `ben.<areaCode>.L`, `ben.<areaCode>.P`
 * and `ben.<areaCode>.g<groupId>`, one desa/kelurahan of the commitment's sites per row. Empty cells
 * are not counted. A desa outside the sites, a negative or fractional count, and (when the unit
 * counts people) a total above the realisation are refused.
 */
export function readBeneficiaries(
	form: InputReader,
	input: FormData | Record<string, unknown>,
	c: { sites: string[]; groups: number[]; unit: string; type: Commitment['type'] },
	realisation: number | null
): BeneficiaryCount[] {
	const entries: [string, string][] =
		input instanceof FormData
			? [...input.entries()].filter((e): e is [string, string] => typeof e[1] === 'string')
			: Object.entries(input).map(([k, v]) => [k, v == null ? '' : String(v)]);
	const counts: BeneficiaryCount[] = [];
	for (const [field, raw] of entries) {
		const m = /^ben\.([\d.]{1,20})\.(L|P|g\d{1,9})$/.exec(field);
		if (!m) continue;
		const text = raw.trim();
		if (text === '') continue;
		const areaCode = m[1]!;
		if (!c.sites.includes(areaCode)) {
			form.fail('beneficiaries', 'progress.beneficiaryOutsideSites', { area: areaCode });
			continue;
		}
		const n = parseDecimal(text);
		if (n === null || !Number.isInteger(n)) {
			form.fail('beneficiaries', 'progress.beneficiaryNotWhole', { value: text.slice(0, 20) });
			continue;
		}
		if (n < 0) {
			form.fail('beneficiaries', 'progress.beneficiaryNegative');
			continue;
		}
		if (n > MAX_COUNT) {
			form.fail('beneficiaries', 'error.outOfRange', { min: 0, max: MAX_COUNT });
			continue;
		}
		const key = m[2]!;
		if (key.startsWith('g')) {
			const groupId = Number(key.slice(1));
			if (!c.groups.includes(groupId)) form.fail('beneficiaries', 'error.invalidChoice');
			else counts.push({ areaCode, sex: null, groupId, count: n });
		} else counts.push({ areaCode, sex: key as 'L' | 'P', groupId: null, count: n });
	}
	const total = counts.filter((b) => b.sex !== null).reduce((sum, b) => sum + b.count, 0);
	if (c.type === 'numeric' && realisation != null && unitCountsPeople(c.unit) && total > realisation)
		form.fail('beneficiaries', 'progress.beneficiariesOverRealisation', { total, realisation, unit: c.unit });
	return counts;
}

/** The desa/kelurahan codes of a commitment's sites and the forum's beneficiary groups. */
export async function beneficiaryFrame(db: Db, commitment: Pick<Commitment, 'id' | 'forumId'>) {
	return {
		sites: (await db.select({ code: commitmentSites.areaCode }).from(commitmentSites).where(eq(commitmentSites.commitmentId, commitment.id))).map((s) => s.code),
		groups: await db.select({ id: beneficiaryGroups.id, name: beneficiaryGroups.name }).from(beneficiaryGroups).where(eq(beneficiaryGroups.forumId, commitment.forumId)).orderBy(asc(beneficiaryGroups.id))
	};
}

function readLinks(form: InputReader, raw: string): string[] {
	const links = raw
		.split(/\s+/)
		.map((l) => l.trim())
		.filter(Boolean);
	if (links.length > MAX_LINKS) form.fail('evidenceLinks', 'progress.tooManyLinks', { max: MAX_LINKS });
	for (const link of links) {
		let ok = false;
		try {
			const url = new URL(link);
			ok = (url.protocol === 'http:' || url.protocol === 'https:') && link.length <= 500;
		} catch {
			ok = false;
		}
		if (!ok) {
			form.fail('evidenceLinks', 'progress.badLink', { link: link.slice(0, 60) });
			break;
		}
	}
	return links;
}

export type SubmitOptions = { evidenceDir?: string; now?: Date };

/**
 * Files a report for one period, with its evidence, or revises the unverified report already filed
 * for that period. Everything is checked first (fields, each file's real type and size, links), so
 * a refusal stores nothing; then the files are written under their hash and the rows in one
 * transaction.
 */
export async function submitReport(
	db: Db,
	commitment: Commitment,
	reporter: Reporter,
	input: FormData | Record<string, unknown>,
	opts: SubmitOptions = {}
): Promise<ProgressReport> {
	const form = new InputReader(input);
	const now = opts.now ?? new Date();
	if (!mayReport(commitment, reporter)) form.fail('commitment', 'progress.notYourCommitment');
	// A link is not a person: whoever reports through it says who they are.
	const reporterName = reporter.kind === 'link' ? form.text('reporterName', { required: true, max: 120 }) : reporter.name;
	const values = readReportFields(form, commitment, now);
	const frame = await beneficiaryFrame(db, commitment);
	const beneficiaries = readBeneficiaries(form, input, { sites: frame.sites, groups: frame.groups.map((g) => g.id), unit: commitment.unit, type: commitment.type }, values?.realisation ?? null);
	const links = readLinks(form, form.paragraph('evidenceLinks', { max: 6000 }));
	const files = input instanceof FormData ? input.getAll('evidence').filter((f): f is File => typeof f !== 'string' && f.size > 0) : [];
	if (files.length > MAX_FILES) form.fail('evidence', 'progress.tooManyFiles', { max: MAX_FILES });
	const existing = values ? await findReport(db, commitment.id, values.period) : null;
	// A file is attached once per report by its SHA-256: the same photo sent again with a resubmission, or twice in one form, adds nothing.
	const attached = new Set(existing ? (await db.select({ sha256: evidenceFiles.sha256 }).from(evidenceFiles).where(eq(evidenceFiles.reportId, existing.id))).map((e) => e.sha256) : []);
	const prepared: PreparedEvidence[] = [];
	for (const file of files.slice(0, MAX_FILES)) {
		// An oversized file is refused on its declared size, without reading it into memory.
		const result = prepareEvidence(file.name, file.size > MAX_EVIDENCE_BYTES ? null : new Uint8Array(await file.arrayBuffer()), file.size);
		if ('error' in result) form.fail('evidence', result.error.key, result.error.params);
		else if (!attached.has(result.sha256)) {
			attached.add(result.sha256);
			prepared.push(result);
		}
	}
	if (existing?.verifiedAt || existing?.status === 'verified') form.fail('periodIndex', 'progress.periodVerified');
	else if (existing && reporter.kind !== 'staff' && existing.reporterInstitutionId !== reporter.institutionId) form.fail('periodIndex', 'progress.periodTaken');
	form.done();
	const v = values!;
	const dir = opts.evidenceDir ?? evidenceDir();
	const written = prepared.map((p) => writeEvidence(dir, p));
	const action: RevisionAction = !existing ? 'submit' : reporter.kind !== 'staff' || existing.status === 'returned' ? 'resubmit' : 'edit';
	const author = { userId: reporter.kind === 'staff' ? reporter.userId : null, name: reporterName };
	try {
		return await transaction(db, async (tx) => {
			// The state being replaced is kept before the row changes, even for a report filed before revisions existed.
			if (existing) await keepFirstRevision(tx, existing.id);
			const row = {
				realisation: v.realisation,
				narrative: v.narrative,
				obstacles: v.obstacles,
				followUp: v.followUp,
				flag: v.flag,
				spentRupiah: v.spentRupiah,
				reporterName,
				reporterInstitutionId: reporter.kind === 'staff' ? commitment.leadInstitutionId : reporter.institutionId,
				reportingLinkId: reporter.kind === 'link' ? reporter.linkId : (existing?.reportingLinkId ?? null),
				submittedAt: now,
				// Resubmitting answers a return: the report is back in review and the return note is history, not current.
				status: 'submitted' as const,
				returnReason: null,
				returnedAt: null,
				returnedBy: null
			};
			const report = existing
				? (await tx.update(progressReports).set(row).where(eq(progressReports.id, existing.id)).returning())[0]!
				: (await tx
						.insert(progressReports)
						.values({ commitmentId: commitment.id, periodType: v.period.type, periodYear: v.period.year, periodIndex: v.period.index, ...row })
						.returning())[0]!;
			for (const p of prepared)
				await tx.insert(evidenceFiles)
					.values({ reportId: report.id, kind: p.kind, originalName: p.name, mimeType: p.mimeType, size: p.size, sha256: p.sha256 });
			for (const url of links) await tx.insert(evidenceFiles).values({ reportId: report.id, kind: 'link', originalName: url, url });
			// Beneficiaries are figures to the end of the period like the realisation: a revision replaces them.
			await tx.delete(beneficiaryCounts).where(eq(beneficiaryCounts.reportId, report.id));
			for (const b of beneficiaries)
				await tx.insert(beneficiaryCounts)
					.values({ reportId: report.id, areaCode: b.areaCode, group: b.groupId == null ? '' : String(b.groupId), sex: b.sex, groupId: b.groupId, count: b.count });
			if (reporter.kind === 'link') await markReportingLinkUsed(tx, reporter.linkId, now);
			await recordRevision(tx, report.id, action, author, now);
			return report;
		});
	} catch (e) {
		await removeUnreferenced(db, dir, written);
		throw e;
	}
}

export async function findReport(db: Db, commitmentId: number, period: Period): Promise<ProgressReport | null> {
	return (
		(await db
			.select()
			.from(progressReports)
			.where(
				and(
					eq(progressReports.commitmentId, commitmentId),
					eq(progressReports.periodType, period.type),
					eq(progressReports.periodYear, period.year),
					eq(progressReports.periodIndex, period.index)
				)
			))[0] ?? null
	);
}

export async function getReport(db: Db, forumId: number, reportId: number) {
	const row = (await db
		.select({ report: progressReports, commitment: commitments })
		.from(progressReports)
		.innerJoin(commitments, eq(commitments.id, progressReports.commitmentId))
		.where(and(eq(progressReports.id, reportId), eq(commitments.forumId, forumId))))[0];
	return row ?? null;
}

/**
 * The secretariat confirms a report against its evidence. A verified report that reaches the target
 * marks an active commitment achieved; the public page shows verified reports only.
 */
export async function verifyReport(db: Db, forumId: number, reportId: number, userId: number, input: FormData | Record<string, unknown>, now = new Date()): Promise<void> {
	const form = new InputReader(input);
	const note = form.paragraph('note', { max: 1000 });
	const found = await getReport(db, forumId, reportId);
	if (!found) form.fail('report', 'error.notFound');
	else if (found.report.verifiedAt) form.fail('report', 'progress.alreadyVerified');
	else if (found.report.status === 'returned') form.fail('report', 'progress.verifyReturned');
	form.done();
	const { report, commitment } = found!;
	const verifier = (await db.select({ name: users.name }).from(users).where(eq(users.id, userId)))[0];
	await transaction(db, async (tx) => {
		await keepFirstRevision(tx, report.id);
		await tx.update(progressReports).set({ status: 'verified', verifiedAt: now, verifiedBy: userId, verificationNote: note || null }).where(eq(progressReports.id, report.id));
		const latest = sortReports(
			(await tx
				.select()
				.from(progressReports)
				.where(eq(progressReports.commitmentId, commitment.id)))
				.map((r) => (r.id === report.id ? { ...r, verifiedAt: now } : r))
				.filter((r) => r.verifiedAt)
		)[0];
		if (latest && latest.id === report.id && commitment.status === 'active' && isAchieved(achievementOf(commitment, report.realisation)))
			await tx.update(commitments).set({ status: 'achieved', updatedAt: now }).where(eq(commitments.id, commitment.id));
		await recordRevision(tx, report.id, 'verify', { userId, name: verifier?.name ?? '' }, now);
	});
}

/**
 * The secretariat sends a report back with a reason (a figure that does not match the evidence, a
 * missing photo): the representative sees the reason on their list and on the report, and
 * resubmits, which makes a new revision. A verified report can be returned too (evidence found
 * wanting later): that takes its verification back.
 */
export async function returnReport(db: Db, forumId: number, reportId: number, userId: number, input: FormData | Record<string, unknown>, now = new Date()): Promise<void> {
	const form = new InputReader(input);
	const reason = form.paragraph('reason', { required: true, max: 1000 });
	const found = await getReport(db, forumId, reportId);
	if (!found) form.fail('report', 'error.notFound');
	else if (found.report.status === 'returned') form.fail('report', 'progress.alreadyReturned');
	form.done();
	const by = (await db.select({ name: users.name }).from(users).where(eq(users.id, userId)))[0];
	await transaction(db, async (tx) => {
		await keepFirstRevision(tx, reportId);
		await tx.update(progressReports)
			.set({ status: 'returned', returnReason: reason, returnedAt: now, returnedBy: userId, verifiedAt: null, verifiedBy: null })
			.where(eq(progressReports.id, reportId));
		await recordRevision(tx, reportId, 'return', { userId, name: by?.name ?? '' }, now);
	});
}

export type ReportWithEvidence = ProgressReport & {
	evidence: EvidenceFile[];
	verifierName: string | null;
	reporterInstitution: string | null;
	beneficiaries: BeneficiaryCount[];
};

/** Reports of some commitments, latest period first, with their evidence and who verified them. */
export async function listReports(db: Db, commitmentIds: number[], opts: { verifiedOnly?: boolean } = {}): Promise<ReportWithEvidence[]> {
	if (commitmentIds.length === 0) return [];
	const rows = await db.select().from(progressReports).where(inArray(progressReports.commitmentId, commitmentIds));
	const visible = opts.verifiedOnly ? rows.filter((r) => r.verifiedAt) : rows;
	const ids = visible.map((r) => r.id);
	const evidence = ids.length ? await db.select().from(evidenceFiles).where(inArray(evidenceFiles.reportId, ids)).orderBy(asc(evidenceFiles.id)) : [];
	const counts = ids.length ? await db.select().from(beneficiaryCounts).where(inArray(beneficiaryCounts.reportId, ids)).orderBy(asc(beneficiaryCounts.id)) : [];
	const verifierIds = [...new Set(visible.map((r) => r.verifiedBy).filter((v): v is number => v != null))];
	const verifiers = new Map(
		verifierIds.length ? (await db.select({ id: users.id, name: users.name }).from(users).where(inArray(users.id, verifierIds))).map((u) => [u.id, u.name]) : []
	);
	const instIds = [...new Set(visible.map((r) => r.reporterInstitutionId).filter((v): v is number => v != null))];
	const insts = new Map(
		instIds.length
			? (await db.select({ id: institutions.id, name: institutions.shortName }).from(institutions).where(inArray(institutions.id, instIds))).map((i) => [i.id, i.name])
			: []
	);
	return sortReports(visible).map((r) => ({
		...r,
		evidence: evidence.filter((e) => e.reportId === r.id),
		beneficiaries: counts.filter((b) => b.reportId === r.id).map((b) => ({ areaCode: b.areaCode, sex: b.sex, groupId: b.groupId, count: b.count })),
		verifierName: r.verifiedBy != null ? (verifiers.get(r.verifiedBy) ?? null) : null,
		reporterInstitution: r.reporterInstitutionId != null ? (insts.get(r.reporterInstitutionId) ?? null) : null
	}));
}

/** Reports of one commitment as pages show them: period, achievement of each, evidence without paths. */
export async function reportsForPage(db: Db, c: Commitment, opts: { verifiedOnly?: boolean } = {}) {
	const reports = await listReports(db, [c.id], opts);
	const revisions = await revisionsOf(db, reports.map((r) => r.id));
	return reports.map((r) => ({
		id: r.id,
		period: reportPeriod(r),
		realisation: r.realisation,
		achievement: achievementOf(c, r.realisation).raw,
		narrative: r.narrative,
		obstacles: r.obstacles,
		followUp: r.followUp,
		flag: r.flag,
		reporterName: r.reporterName,
		reporterInstitution: r.reporterInstitution,
		reporterInstitutionId: r.reporterInstitutionId,
		submittedAt: r.submittedAt,
		verifiedAt: r.verifiedAt,
		verifierName: r.verifierName,
		verificationNote: r.verificationNote,
		status: r.status,
		returnReason: r.returnReason,
		returnedAt: r.returnedAt,
		spentRupiah: r.spentRupiah,
		beneficiaries: r.beneficiaries,
		evidence: r.evidence.map((e) => ({ id: e.id, kind: e.kind, originalName: e.originalName, url: e.url, size: e.size })),
		history: historyForPage(c, r, revisions.get(r.id) ?? [])
	}));
}

/**
 * A report's revisions, newest first, as pages show them. A report that has never changed since
 * revisions were kept shows its current state as its only revision.
 */
function historyForPage(c: Commitment, r: ReportWithEvidence, revisions: ReportRevision[]) {
	const list: ReportRevision[] = revisions.length
		? revisions
		: [
				{
					revision: 1,
					action: 'submit',
					byUserId: null,
					byName: r.reporterName,
					at: r.submittedAt,
					changed: [],
					snapshot: {
						realisation: r.realisation,
						narrative: r.narrative,
						obstacles: r.obstacles,
						followUp: r.followUp,
						flag: r.flag,
						evidenceIds: r.evidence.map((e) => e.id),
						verified: r.verifiedAt !== null,
						verificationNote: r.verificationNote,
						status: r.status,
						returnReason: r.returnReason,
						spentRupiah: r.spentRupiah,
						beneficiaries: r.beneficiaries
					}
				}
			];
	return [...list].reverse().map((v) => ({
		revision: v.revision,
		action: v.action,
		byName: v.byName,
		at: v.at,
		changed: v.changed,
		realisation: v.snapshot.realisation,
		achievement: achievementOf(c, v.snapshot.realisation).raw,
		narrative: v.snapshot.narrative,
		obstacles: v.snapshot.obstacles,
		followUp: v.snapshot.followUp,
		flag: v.snapshot.flag,
		evidenceCount: v.snapshot.evidenceIds.length,
		verified: v.snapshot.verified,
		verificationNote: v.snapshot.verificationNote,
		returnReason: v.action === 'return' ? (v.snapshot.returnReason ?? null) : null,
		spentRupiah: v.snapshot.spentRupiah ?? null,
		beneficiaryTotal: v.snapshot.beneficiaries ? v.snapshot.beneficiaries.filter((b) => b.sex !== null).reduce((s, b) => s + b.count, 0) : null,
		evidenceIds: v.snapshot.evidenceIds
	}));
}

/**
 * The period a new report most likely covers: a report sent back for correction first; else the
 * last finished period (a first report in December is for triwulan III, not the unfinished IV, and
 * a commitment that stopped reporting in 2023 resumes with the latest finished triwulan); once that
 * is reported, the period under way.
 */
export async function suggestedPeriod(db: Db, commitmentId: number, today = new Date()): Promise<Period> {
	const reports = sortReports(await db.select().from(progressReports).where(eq(progressReports.commitmentId, commitmentId)));
	const returned = reports.find((r) => r.status === 'returned');
	if (returned) return reportPeriod(returned);
	const latest = reports[0];
	if (!latest) return lastFinishedPeriod('quarter', today);
	const next = nextPeriod(reportPeriod(latest));
	const finished = lastFinishedPeriod(latest.periodType, today);
	return comparePeriods(next, finished) <= 0 ? finished : next;
}

/** A report as the report form's field values, to correct a returned report rather than retype it. */
export function reportFormValues(r: Awaited<ReturnType<typeof reportsForPage>>[number] | null): Record<string, string> {
	if (!r) return {};
	const values: Record<string, string> = {
		periodType: r.period.type,
		periodYear: String(r.period.year),
		periodIndex: String(r.period.index),
		realisation: r.realisation == null ? '' : String(r.realisation),
		done: r.realisation == null ? '' : r.realisation >= 1 ? 'yes' : 'no',
		narrative: r.narrative,
		obstacles: r.obstacles,
		followUp: r.followUp,
		flag: r.flag,
		spentRupiah: r.spentRupiah == null ? '' : String(r.spentRupiah)
	};
	for (const b of r.beneficiaries) values[`ben.${b.areaCode}.${b.sex ?? `g${b.groupId}`}`] = String(b.count);
	return values;
}
