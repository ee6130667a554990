/**
 * Freezing the live matrix: its content becomes SQL rows and a SHA-256 content hash (a numbered
 * version), and the live doc stops accepting cell writes. Minutes and commitments cite the current
 * (not superseded) version.
 */
import { and, desc, eq, isNull, max } from 'drizzle-orm';
import { canonicalMatrixJson, cellKey, readMatrix, roots } from '../../collab/matrix-doc';
import { liveRooms } from '../collab/registry';
import { transaction, type Db } from '../db/client';
import { matrixCells, matrixVersions } from '../db/schema';
import { sha256Hex } from '../hashing';
import { log } from '../log';
import { InputError } from '../validation';
import type { Workshop } from '../workshops/workshops';

export type MatrixVersion = typeof matrixVersions.$inferSelect;

export type FreezeResult = {
	version: number;
	contentHash: string;
	/** True when the matrix was already frozen (a second click, a second moderator): nothing new was stored. */
	alreadyFrozen: boolean;
};

async function currentVersionRow(db: Pick<Db, 'select'>, workshopId: number) {
	return (await db
		.select()
		.from(matrixVersions)
		.where(and(eq(matrixVersions.workshopId, workshopId), isNull(matrixVersions.supersededAt)))
		.orderBy(desc(matrixVersions.version)))[0];
}

/** Frozen means a current version exists; read from SQL so that asking never creates a live doc. */
export async function isMatrixFrozen(db: Db, workshopId: number): Promise<boolean> {
	return await currentVersionRow(db, workshopId) !== undefined;
}

/**
 * Freezes the live matrix once. Asking again while it is frozen (two moderators, a double click,
 * two requests racing) stores nothing and answers with the version already frozen.
 *
 * The live document is closed to cell writes first, and durably: only then is it read, so the
 * version holds every edit anyone was told was accepted and nothing can slip in between the read
 * and the SQL write (both awaited; with several instances the room may live on another one, and
 * the read is its durable state). A freeze interrupted after that first step (the doc frozen, no
 * version in SQL) is completed by asking again.
 *
 * The check and the write happen in one transaction (IMMEDIATE on SQLite, SERIALIZABLE on
 * PostgreSQL), so even two processes cannot both find "not frozen" and both write a version.
 */
export async function freezeMatrix(db: Db, workshop: Workshop, userId: number | null): Promise<FreezeResult> {
	const rooms = liveRooms();
	if (!(await currentVersionRow(db, workshop.id)))
		await rooms.change(workshop.id, (doc) => {
			const meta = roots(doc).meta;
			if (meta.get('frozen') !== true) meta.set('frozen', true);
		});
	const snapshot = await rooms.read(workshop.id, readMatrix);
	const content = canonicalMatrixJson(snapshot);
	const contentHash = sha256Hex(content);
	const saved = await transaction(db, async (tx): Promise<FreezeResult> => {
			const current = await currentVersionRow(tx, workshop.id);
			if (current) return { version: current.version, contentHash: current.contentHash, alreadyFrozen: true };
			const latest = (await tx.select({ v: max(matrixVersions.version) }).from(matrixVersions).where(eq(matrixVersions.workshopId, workshop.id)))[0];
			const version = (latest?.v ?? 0) + 1;
			const row = (await tx
				.insert(matrixVersions)
				.values({ workshopId: workshop.id, version, contentHash, content, frozenAt: new Date(), frozenBy: userId })
				.returning())[0]!;
			for (const r of snapshot.rows)
				for (const c of snapshot.components) {
					const cell = snapshot.cells[cellKey(r.id, c.id)];
					if (!cell) continue;
					await tx.insert(matrixCells)
						.values({
							versionId: row.id,
							institutionId: Number(r.id),
							componentId: Number(c.id),
							institutionName: r.shortName || r.name,
							componentName: c.name,
							sector: r.sector,
							type: cell.type,
							description: cell.description,
							sites: cell.sites,
							timing: cell.timing,
							volume: cell.volume,
							unit: cell.unit,
							valueRupiah: cell.valueRupiah,
							fundingSource: cell.fundingSource
						});
				}
			return { version, contentHash, alreadyFrozen: false };
		});
	// Also when already frozen: a crash between the SQL write and this one left the doc open.
	if (!snapshot.frozen || snapshot.version !== saved.version)
		// Answered only once durable: a moderator told "frozen" must find it frozen after a power cut.
		await rooms.change(workshop.id, (doc) => {
			const r = roots(doc);
			if (r.meta.get('frozen') !== true) r.meta.set('frozen', true);
			if (r.meta.get('version') !== saved.version) r.meta.set('version', saved.version);
			if (r.session.get('consentCall') !== null) r.session.set('consentCall', null);
		});
	if (saved.alreadyFrozen) log('info', 'matrix.freeze.repeated', { workshop: workshop.id, version: saved.version });
	return saved;
}

/** Opens the matrix for editing again; the frozen version stays readable but is no longer current. */
export async function unfreezeMatrix(db: Db, workshop: Workshop): Promise<void> {
	const frozen = await liveRooms().read(workshop.id, (doc) => roots(doc).meta.get('frozen') === true);
	if (!frozen && !await isMatrixFrozen(db, workshop.id)) throw new InputError({ matrix: { key: 'error.matrixNotFrozen' } });
	await db.update(matrixVersions)
		.set({ supersededAt: new Date() })
		.where(and(eq(matrixVersions.workshopId, workshop.id), isNull(matrixVersions.supersededAt)));
	await liveRooms().change(workshop.id, (doc) => roots(doc).meta.set('frozen', false));
}

export async function listMatrixVersions(db: Db, workshopId: number): Promise<MatrixVersion[]> {
	return await db.select().from(matrixVersions).where(eq(matrixVersions.workshopId, workshopId)).orderBy(desc(matrixVersions.version));
}

export async function getMatrixVersion(db: Db, workshopId: number, version: number) {
	const row = (await db
		.select()
		.from(matrixVersions)
		.where(and(eq(matrixVersions.workshopId, workshopId), eq(matrixVersions.version, version))))[0];
	if (!row) return null;
	const cells = await db.select().from(matrixCells).where(eq(matrixCells.versionId, row.id));
	const content = JSON.parse(row.content) as { components: { id: string; name: string }[]; rows: { id: string; name: string; sector: string }[] };
	return { ...row, cells, components: content.components, rows: content.rows };
}

/** The current (not superseded) frozen version, if any: what minutes and commitments cite. */
export async function currentMatrixVersion(db: Db, workshopId: number) {
	const row = await currentVersionRow(db, workshopId);
	return row ? await getMatrixVersion(db, workshopId, row.version) : null;
}
