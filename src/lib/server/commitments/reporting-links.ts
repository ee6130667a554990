/**
 * Standing reporting links: one per institution of a forum, not tied to any meeting, through which
 * its representative reports on the commitments it leads (and sees those it supports).
 *
 * The database keeps only the SHA-256 of a link's token, like every other token. The token itself is
 * an HMAC of the link's id under a secret kept apart from the link rows (`MUFAKAT_REPORTING_SECRET`,
 * else one made on first use in `settings`), so the secretariat can show the link again (the list,
 * the WhatsApp message for due reports) without it being readable from the link table alone.
 * Re-issuing revokes the previous link; a revoked link is refused with its own message.
 */
import { createHmac, randomBytes } from 'node:crypto';
import { and, asc, eq, inArray, isNull } from 'drizzle-orm';
import { transaction, type Db } from '../db/client';
import { commitments, commitmentSupporters, institutions, reportingLinks, settings } from '../db/schema';
import { sha256Hex } from '../hashing';
import { InputReader } from '../validation';

export type ReportingLink = typeof reportingLinks.$inferSelect;

const SECRET_KEY = 'reporting_link_secret';

async function reportingSecret(db: Db): Promise<string> {
	const fromEnv = process.env.MUFAKAT_REPORTING_SECRET;
	if (fromEnv) return fromEnv;
	const row = (await db.select().from(settings).where(eq(settings.key, SECRET_KEY)))[0];
	if (row) return row.value;
	await db.insert(settings).values({ key: SECRET_KEY, value: randomBytes(32).toString('base64url') }).onConflictDoNothing();
	return (await db.select().from(settings).where(eq(settings.key, SECRET_KEY)))[0]!.value;
}

/** The token of a link: 32 URL-safe characters derived from its id. */
export async function reportingToken(db: Db, linkId: number): Promise<string> {
	return createHmac('sha256', await reportingSecret(db)).update(`reporting-link:${linkId}`).digest('base64url').slice(0, 32);
}

/** Why a reporting link cannot be used; each has its own message. */
export type ReportingRefusal = 'unknown' | 'revoked';

export class ReportingLinkRefused extends Error {
	constructor(readonly reason: ReportingRefusal) {
		super(`reporting link ${reason}`);
		this.name = 'ReportingLinkRefused';
	}
}

/** Institutions that lead or support a commitment of the forum: those a link can be issued to. */
export async function reportingInstitutionIds(db: Db, forumId: number): Promise<{ lead: Set<number>; support: Set<number> }> {
	const lead = new Set(
		(await db
			.select({ id: commitments.leadInstitutionId })
			.from(commitments)
			.where(eq(commitments.forumId, forumId)))
			.map((r) => r.id)
			.filter((id): id is number => id != null)
	);
	const support = new Set(
		(await db
			.select({ id: commitmentSupporters.institutionId })
			.from(commitmentSupporters)
			.innerJoin(commitments, eq(commitments.id, commitmentSupporters.commitmentId))
			.where(eq(commitments.forumId, forumId)))
			.map((r) => r.id)
	);
	return { lead, support };
}

async function activeLink(db: Db, forumId: number, institutionId: number): Promise<ReportingLink | null> {
	return (
		(await db
			.select()
			.from(reportingLinks)
			.where(and(eq(reportingLinks.forumId, forumId), eq(reportingLinks.institutionId, institutionId), isNull(reportingLinks.revokedAt))))[0] ?? null
	);
}

export type ReportingLinkRow = {
	institutionId: number;
	shortName: string;
	officialName: string;
	leads: boolean;
	supports: boolean;
	link: { id: number; token: string; createdAt: Date; lastUsedAt: Date | null } | null;
	revokedCount: number;
};

/** Each institution with a commitment in the forum, its current link (if any) and how many it had revoked. */
export async function listReportingLinks(db: Db, forumId: number): Promise<ReportingLinkRow[]> {
	const { lead, support } = await reportingInstitutionIds(db, forumId);
	const ids = [...new Set([...lead, ...support])];
	if (ids.length === 0) return [];
	const insts = await db
		.select()
		.from(institutions)
		.where(and(eq(institutions.forumId, forumId), inArray(institutions.id, ids)))
		.orderBy(asc(institutions.shortName));
	const links = await db.select().from(reportingLinks).where(eq(reportingLinks.forumId, forumId));
	return await Promise.all(insts.map(async (i) => {
		const mine = links.filter((l) => l.institutionId === i.id);
		const active = mine.find((l) => l.revokedAt === null) ?? null;
		return {
			institutionId: i.id,
			shortName: i.shortName,
			officialName: i.officialName,
			leads: lead.has(i.id),
			supports: support.has(i.id),
			link: active ? { id: active.id, token: await reportingToken(db, active.id), createdAt: active.createdAt, lastUsedAt: active.lastUsedAt } : null,
			revokedCount: mine.length - (active ? 1 : 0)
		};
	}));
}

async function readInstitution(db: Db, forumId: number, input: FormData | Record<string, unknown>): Promise<number> {
	const form = new InputReader(input);
	const institutionId = form.integer('institutionId', { min: 1 });
	const { lead, support } = await reportingInstitutionIds(db, forumId);
	if (institutionId !== null && !lead.has(institutionId) && !support.has(institutionId)) form.fail('institutionId', 'reporting.noCommitments');
	form.done();
	return institutionId!;
}

/**
 * Issues a link to an institution, revoking the one it had: handing a new link to a new
 * representative (mutasi) shuts out whoever holds the old one.
 */
export async function issueReportingLink(
	db: Db,
	forumId: number,
	userId: number | null,
	input: FormData | Record<string, unknown>,
	now = new Date()
): Promise<{ link: ReportingLink; token: string }> {
	const institutionId = await readInstitution(db, forumId, input);
	return await transaction(db, async (tx) => {
		await tx.update(reportingLinks)
			.set({ revokedAt: now, revokedBy: userId })
			.where(and(eq(reportingLinks.forumId, forumId), eq(reportingLinks.institutionId, institutionId), isNull(reportingLinks.revokedAt)));
		// The token depends on the id, which exists only after the insert: a random placeholder holds the unique column meanwhile.
		const row = (await tx
			.insert(reportingLinks)
			.values({ forumId, institutionId, tokenHash: `pending:${randomBytes(16).toString('hex')}`, createdBy: userId, createdAt: now })
			.returning())[0]!;
		const token = await reportingToken(tx, row.id);
		const link = (await tx.update(reportingLinks).set({ tokenHash: sha256Hex(token) }).where(eq(reportingLinks.id, row.id)).returning())[0]!;
		return { link, token };
	});
}

/**
 * Leaves the institution with no working link. Revoking twice (two staff at once, a double click)
 * is not an error: the second finds nothing left to revoke and the outcome is the same.
 */
export async function revokeReportingLink(db: Db, forumId: number, userId: number | null, input: FormData | Record<string, unknown>, now = new Date()): Promise<void> {
	const institutionId = await readInstitution(db, forumId, input);
	await db.update(reportingLinks)
		.set({ revokedAt: now, revokedBy: userId })
		.where(and(eq(reportingLinks.forumId, forumId), eq(reportingLinks.institutionId, institutionId), isNull(reportingLinks.revokedAt)));
}

/** The usable link behind a token; throws ReportingLinkRefused for an unknown, revoked or re-issued one. */
export async function resolveReportingLink(db: Db, token: string): Promise<ReportingLink> {
	const link = token && token.length <= 100 ? (await db.select().from(reportingLinks).where(eq(reportingLinks.tokenHash, sha256Hex(token))))[0] : undefined;
	if (!link) throw new ReportingLinkRefused('unknown');
	if (link.revokedAt) throw new ReportingLinkRefused('revoked');
	return link;
}

export async function markReportingLinkUsed(db: Db, linkId: number, now = new Date()): Promise<void> {
	await db.update(reportingLinks).set({ lastUsedAt: now }).where(eq(reportingLinks.id, linkId));
}

/** The active link of an institution with its token, for the due-reports message. */
export async function activeReportingToken(db: Db, forumId: number, institutionId: number): Promise<string | null> {
	const link = await activeLink(db, forumId, institutionId);
	return link ? await reportingToken(db, link.id) : null;
}
