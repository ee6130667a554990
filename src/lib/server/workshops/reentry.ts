/**
 * Re-entry for a participant who lost their session (the join QR opened in an in-app browser, a
 * borrowed phone, cookies cleared): staff issue a single-use link that expires in a few hours, and
 * opening it starts a participant session for the same attendance entry, as checking in did.
 * Only the SHA-256 of the token is stored.
 */
import { randomBytes } from 'node:crypto';
import { and, eq, gt, isNull } from 'drizzle-orm';
import { startSession } from '../auth';
import { affectedRows, type Db } from '../db/client';
import { transaction } from '../db/client';
import { accessLinks, attendance, workshops } from '../db/schema';
import { sha256Hex } from '../hashing';
import { InputError } from '../validation';
import { findEntry, recordAttendanceAudit } from './attendance-corrections';
import type { Workshop } from './workshops';

export const REENTRY_TTL_MS = 4 * 3600 * 1000;

/** Issues a fresh link; any earlier unused link for the same entry stops working. */
export async function issueReentryLink(
	db: Db,
	workshop: Workshop,
	attendanceId: number,
	byUserId: number | null,
	now = new Date()
): Promise<{ token: string; expiresAt: Date; name: string }> {
	const row = await findEntry(db, workshop, attendanceId);
	if (row.removedAt) throw new InputError({ id: { key: 'attendance.entryRemoved' } });
	const token = randomBytes(24).toString('base64url');
	const expiresAt = new Date(now.getTime() + REENTRY_TTL_MS);
	await transaction(db, async (tx) => {
		await tx.update(accessLinks)
			.set({ expiresAt: now })
			.where(and(eq(accessLinks.kind, 'reentry'), eq(accessLinks.attendanceId, row.id), isNull(accessLinks.usedAt), gt(accessLinks.expiresAt, now)));
		await tx.insert(accessLinks)
			.values({ kind: 'reentry', tokenHash: sha256Hex(token), forumId: workshop.forumId, attendanceId: row.id, name: row.name, createdBy: byUserId, expiresAt });
		await recordAttendanceAudit(tx, row, 'reentry', null, { expiresAt: expiresAt.getTime() }, byUserId);
	});
	return { token, expiresAt, name: row.name };
}

type ReentryTarget = { linkId: number; workshop: Workshop; attendanceId: number; name: string; institutionName: string };

/** What a re-entry link leads to, without using it up; refusals say why (unknown, used, expired, removed). */
export async function inspectReentryLink(db: Db, token: string, now = new Date()): Promise<ReentryTarget> {
	const link = /^[A-Za-z0-9_-]{20,64}$/.test(token)
		? (await db
				.select()
				.from(accessLinks)
				.where(and(eq(accessLinks.tokenHash, sha256Hex(token)), eq(accessLinks.kind, 'reentry'))))[0]
		: undefined;
	if (!link || link.attendanceId === null) throw new InputError({ token: { key: 'reentry.unknown' } });
	if (link.usedAt) throw new InputError({ token: { key: 'reentry.used' } });
	const entry = (await db.select().from(attendance).where(eq(attendance.id, link.attendanceId)))[0];
	if (!entry || entry.removedAt) throw new InputError({ token: { key: 'reentry.entryRemoved' } });
	if (link.expiresAt.getTime() <= now.getTime()) throw new InputError({ token: { key: 'reentry.expired' } });
	const workshop = (await db.select().from(workshops).where(eq(workshops.id, entry.workshopId)))[0];
	if (!workshop) throw new InputError({ token: { key: 'reentry.unknown' } });
	return { linkId: link.id, workshop, attendanceId: entry.id, name: entry.name, institutionName: entry.institutionName };
}

/**
 * Uses the link up and starts a participant session for its attendance entry. Two taps racing:
 * the conditional update lets exactly one through.
 */
export async function redeemReentryLink(db: Db, token: string, now = new Date()): Promise<ReentryTarget & { session: { token: string; expiresAt: Date } }> {
	return await transaction(db, async (tx) => {
		const target = await inspectReentryLink(tx, token, now);
		const used = affectedRows(await tx
			.update(accessLinks)
			.set({ usedAt: now })
			.where(and(eq(accessLinks.id, target.linkId), isNull(accessLinks.usedAt))));
		if (used !== 1) throw new InputError({ token: { key: 'reentry.used' } });
		const session = await startSession(tx, { kind: 'participant', workshopId: target.workshop.id, attendanceId: target.attendanceId }, now.getTime());
		return { ...target, session };
	});
}
