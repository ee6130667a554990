/**
 * Merging a duplicate institution into the one that survives. Joins often propose a duplicate
 * ("Bapeda" beside Bappelitbangda): everything recorded under it moves to the survivor in one SQL
 * transaction, its names become the survivor's aliases, and it stays behind retired with
 * `mergedIntoId` so old links still resolve. The live matrices follow afterwards.
 */
import { and, eq, inArray, ne } from 'drizzle-orm';
import * as Y from 'yjs';
import { cellKey, isCellEmpty, parseCellKey, readCell, roots, WHOLE_MATRIX, type CellFields, type ConsentState } from '../../collab/matrix-doc';
import { closeParticipantConnections, liveRooms, workshopsWithLiveDoc } from '../collab/registry';
import { reconcileWorkshopDoc } from '../collab/seed';
import { affectedRows, transaction, type Db } from '../db/client';
import {
	attendance,
	commitments,
	commitmentSupporters,
	institutions,
	minutesSigners,
	progressReports,
	representations,
	sessions,
	workshopInvitations,
	workshops
} from '../db/schema';
import { log } from '../log';
import { InputError, InputReader } from '../validation';
import { recordAttendanceAudit } from '../workshops/attendance-corrections';
import { getInstitution, type Institution } from './institutions';

export type MergeReport = {
	attendance: number;
	invitations: number;
	representations: number;
	commitments: number;
	supporters: number;
	reports: number;
	signers: number;
	/** Entries of a person who checked in under both names in one workshop: the duplicate's entry is removed. */
	duplicateEntries: number;
	workshops: number[];
};

/** Reads the form (`duplicateId`, `survivorId`) and merges; every refusal is a field message. */
export async function mergeInstitutions(
	db: Db,
	forumId: number,
	input: FormData | Record<string, unknown>,
	byUserId: number | null,
	now = new Date()
): Promise<MergeReport> {
	const form = new InputReader(input);
	const duplicateId = form.integer('duplicateId', { min: 1 });
	const survivorId = form.integer('survivorId', { min: 1 });
	form.done();
	if (duplicateId === survivorId) throw new InputError({ survivorId: { key: 'institution.mergeSelf' } });
	const duplicate = await getInstitution(db, forumId, duplicateId!);
	if (!duplicate) throw new InputError({ duplicateId: { key: 'error.notFound' } });
	const survivor = await getInstitution(db, forumId, survivorId!);
	// An institution of another forum is as unknown here as one that does not exist.
	if (!survivor) throw new InputError({ survivorId: { key: 'institution.mergeOtherForum' } });
	if (duplicate.mergedIntoId !== null) throw new InputError({ duplicateId: { key: 'institution.alreadyMerged' } });
	if (survivor.retiredAt !== null) throw new InputError({ survivorId: { key: 'institution.mergeIntoRetired' } });

	// better-sqlite3 runs a transaction on the one connection: statements through `db` inside it belong to it.
	const report = await transaction(db, async (tx) => await moveRecords(tx, duplicate, survivor, byUserId, now));
	await mergeLiveDocs(db, forumId, duplicate.id, survivor.id);
	for (const { workshopId, attendanceIds } of report.moved) closeParticipantConnections(workshopId, attendanceIds, { final: false });
	log('info', 'institution.merged', { forum: forumId, duplicate: duplicate.id, survivor: survivor.id, attendance: report.attendance });
	const { moved: _moved, ...rest } = report;
	return rest;
}

async function moveRecords(tx: Db, duplicate: Institution, survivor: Institution, byUserId: number | null, now: Date) {
	const D = duplicate.id;
	const S = survivor.id;
	const report: MergeReport & { moved: { workshopId: number; attendanceIds: number[] }[] } = {
		attendance: 0,
		invitations: 0,
		representations: 0,
		commitments: 0,
		supporters: 0,
		reports: 0,
		signers: 0,
		duplicateEntries: 0,
		workshops: [],
		moved: []
	};

	// Attendance: the daftar hadir of a workshop not yet signed shows the survivor's name; a signed
	// one keeps the snapshot its sealed minutes printed.
	const entries = await tx
		.select({ row: attendance, status: workshops.status })
		.from(attendance)
		.innerJoin(workshops, eq(workshops.id, attendance.workshopId))
		.where(eq(attendance.institutionId, D));
	const movedByWorkshop = new Map<number, number[]>();
	for (const { row, status } of entries) {
		const twin = (await tx
			.select()
			.from(attendance)
			.where(
				and(
					eq(attendance.workshopId, row.workshopId),
					eq(attendance.institutionId, S),
					eq(attendance.nameKey, row.nameKey),
					ne(attendance.id, row.id)
				)
			))[0];
		const snapshot = status === 'signed' ? {} : { institutionName: survivor.officialName, sector: survivor.sector };
		if (twin) {
			// The same person checked in under both names: one entry stays, and any session on the
			// other carries on as the one that stays.
			await tx.update(attendance)
				.set({ institutionId: S, nameKey: `${row.nameKey}#${row.id}`, removedAt: row.removedAt ?? now, signatory: false, ...snapshot })
				.where(eq(attendance.id, row.id));
			await tx.update(sessions).set({ attendanceId: twin.id }).where(eq(sessions.attendanceId, row.id));
			if (!row.removedAt)
				await recordAttendanceAudit(tx, row, 'remove', { institutionId: D, removedAt: null }, { institutionId: S, removedAt: now.getTime(), sameAs: twin.id }, byUserId);
			report.duplicateEntries++;
		} else {
			// One signatory per institution and workshop: the survivor's choice wins.
			const survivorHasSignatory =
				row.signatory &&
				(await tx
					.select({ id: attendance.id })
					.from(attendance)
					.where(and(eq(attendance.workshopId, row.workshopId), eq(attendance.institutionId, S), eq(attendance.signatory, true))))[0] !== undefined;
			await tx.update(attendance)
				.set({ institutionId: S, ...snapshot, ...(survivorHasSignatory ? { signatory: false } : {}) })
				.where(eq(attendance.id, row.id));
			await recordAttendanceAudit(
				tx,
				row,
				'edit',
				{ institutionId: D, institutionName: row.institutionName },
				{ institutionId: S, institutionName: snapshot.institutionName ?? row.institutionName, mergedInto: S },
				byUserId
			);
		}
		report.attendance++;
		movedByWorkshop.set(row.workshopId, [...(movedByWorkshop.get(row.workshopId) ?? []), row.id]);
	}
	report.moved = [...movedByWorkshop].map(([workshopId, attendanceIds]) => ({ workshopId, attendanceIds }));

	const invited = await tx.select().from(workshopInvitations).where(eq(workshopInvitations.institutionId, D));
	for (const inv of invited)
		await tx.insert(workshopInvitations).values({ workshopId: inv.workshopId, institutionId: S }).onConflictDoNothing();
	await tx.delete(workshopInvitations).where(eq(workshopInvitations.institutionId, D));
	report.invitations = invited.length;

	report.representations = affectedRows(await tx.update(representations).set({ institutionId: S }).where(eq(representations.institutionId, D)));
	report.commitments = affectedRows(await tx.update(commitments).set({ leadInstitutionId: S }).where(eq(commitments.leadInstitutionId, D)));

	// Supporters: the survivor once per commitment, and never beside itself as lead.
	const supported = await tx.select().from(commitmentSupporters).where(eq(commitmentSupporters.institutionId, D));
	await tx.delete(commitmentSupporters).where(eq(commitmentSupporters.institutionId, D));
	if (supported.length > 0) {
		const leads = new Map(
			(await tx
				.select({ id: commitments.id, lead: commitments.leadInstitutionId })
				.from(commitments)
				.where(inArray(commitments.id, supported.map((s) => s.commitmentId))))
				.map((c) => [c.id, c.lead])
		);
		for (const s of supported)
			if (leads.get(s.commitmentId) !== S)
				await tx.insert(commitmentSupporters).values({ commitmentId: s.commitmentId, institutionId: S }).onConflictDoNothing();
	}
	await tx.delete(commitmentSupporters)
		.where(
			and(
				eq(commitmentSupporters.institutionId, S),
				inArray(
					commitmentSupporters.commitmentId,
					tx.select({ id: commitments.id }).from(commitments).where(eq(commitments.leadInstitutionId, S))
				)
			)
		);
	report.supporters = supported.length;

	report.reports = affectedRows(await tx
		.update(progressReports)
		.set({ reporterInstitutionId: S })
		.where(eq(progressReports.reporterInstitutionId, D)));
	// Signers keep the name, jabatan and instansi they signed under; only the link to the institution moves.
	report.signers = affectedRows(await tx.update(minutesSigners).set({ institutionId: S }).where(eq(minutesSigners.institutionId, D)));
	// Frozen matrix versions (matrix_cells) are left as they were: their content hash is what the
	// minutes cite, and a commitment promoted from a cell keeps pointing at that frozen cell.

	await tx.update(institutions).set({ parentId: S }).where(eq(institutions.parentId, D));
	await tx.update(institutions).set({ mergedIntoId: S }).where(eq(institutions.mergedIntoId, D));
	await tx.update(institutions).set({ mergedIntoId: S, retiredAt: duplicate.retiredAt ?? now }).where(eq(institutions.id, D));

	// Whoever types the duplicate's name again finds the survivor.
	const own = new Set([survivor.officialName, survivor.shortName].map((n) => n.toLowerCase()));
	const aliases = [...survivor.aliases];
	for (const name of [duplicate.officialName, duplicate.shortName, ...duplicate.aliases]) {
		const key = name.trim().toLowerCase();
		if (key && !own.has(key) && !aliases.some((a) => a.toLowerCase() === key)) aliases.push(name.trim());
	}
	await tx.update(institutions).set({ aliases }).where(eq(institutions.id, S));

	report.workshops = [...new Set([...movedByWorkshop.keys(), ...invited.map((i) => i.workshopId)])];
	return report;
}

/**
 * In every live matrix of the forum: the duplicate's row goes (the reconciliation does that, as
 * SQL no longer lists it), and where the survivor's cell is empty and the duplicate's was not, the
 * duplicate's content moves into the survivor's cell; the same for consent marks. One server-origin
 * transaction per room, so connected clients see the merge at once. A failure leaves SQL right and is
 * logged; the next load reconciles the structure again.
 */
async function mergeLiveDocs(db: Db, forumId: number, duplicateId: number, survivorId: number): Promise<void> {
	const forumWorkshops = (await db
		.select({ id: workshops.id })
		.from(workshops)
		.where(eq(workshops.forumId, forumId)))
		.map((w) => w.id);
	for (const workshopId of await workshopsWithLiveDoc(db, forumWorkshops))
		liveRooms()
			.change(workshopId, async (doc) => await mergeRowInDoc(db, workshopId, doc, String(duplicateId), String(survivorId)))
			.catch((error: unknown) => log('error', 'institution.merge.liveFailed', { workshop: workshopId, duplicate: duplicateId, survivor: survivorId, error }));
}

export async function mergeRowInDoc(db: Db, workshopId: number, doc: Y.Doc, D: string, S: string): Promise<void> {
	const r = roots(doc);
	const cells = new Map<string, CellFields>();
	for (const [key, cell] of r.cells.entries()) {
		const parsed = parseCellKey(key);
		if (parsed?.institutionId === D) {
			const content = readCell(cell);
			if (!isCellEmpty(content)) cells.set(parsed.componentId, content);
		}
	}
	const consent: [string, ConsentState][] = [...(r.consent.get(D)?.entries() ?? [])].map(([target, state]) => {
		const parsed = parseCellKey(target);
		return [parsed ? cellKey(S, parsed.componentId) : target, state];
	});
	const position = r.rows.get(D)?.get('position');
	const survivorHadRow = r.rows.has(S);

	await reconcileWorkshopDoc(db, workshopId, doc);

	if (!survivorHadRow && typeof position === 'number') r.rows.get(S)?.set('position', position);
	for (const [componentId, content] of cells) {
		const target = r.cells.get(cellKey(S, componentId));
		if (!target || !isCellEmpty(readCell(target))) continue;
		for (const field of ['type', 'sites', 'timing', 'volume', 'unit', 'valueRupiah', 'fundingSource'] as const) target.set(field, content[field]);
		const text = target.get('description');
		if (text instanceof Y.Text) {
			text.delete(0, text.length);
			text.insert(0, content.description);
		} else target.set('description', new Y.Text(content.description));
	}
	const marks = r.consent.get(S);
	if (marks)
		for (const [target, state] of consent)
			if (!marks.has(target) && (target === WHOLE_MATRIX || r.cells.has(target))) marks.set(target, state);
}
