/**
 * Freezing the live matrix: its content becomes SQL rows and a SHA-256 content hash (a numbered
 * version), and the live doc stops accepting cell writes. Minutes and commitments cite the current
 * (not superseded) version.
 */
import { and, desc, eq, isNull, max } from 'drizzle-orm';
import { canonicalMatrixJson, cellKey, readMatrix, roots } from '../../collab/matrix-doc';
import { liveRooms } from '../collab/registry';
import type { Db } from '../db/client';
import { matrixCells, matrixVersions } from '../db/schema';
import { sha256Hex } from '../hashing';
import { InputError } from '../validation';
import type { Workshop } from '../workshops';

export type MatrixVersion = typeof matrixVersions.$inferSelect;

function currentVersionRow(db: Db, workshopId: number) {
	return db
		.select()
		.from(matrixVersions)
		.where(and(eq(matrixVersions.workshopId, workshopId), isNull(matrixVersions.supersededAt)))
		.orderBy(desc(matrixVersions.version))
		.get();
}

/** Frozen means a current version exists; read from SQL so that asking never creates a live doc. */
export function isMatrixFrozen(db: Db, workshopId: number): boolean {
	return currentVersionRow(db, workshopId) !== undefined;
}

/** Freezes the live matrix into version n+1. */
export async function freezeMatrix(db: Db, workshop: Workshop, userId: number | null): Promise<{ version: number; contentHash: string }> {
	const rooms = liveRooms();
	const snapshot = rooms.read(workshop.id, readMatrix);
	if (snapshot.frozen) throw new InputError({ matrix: { key: 'error.matrixFrozen' } });
	const content = canonicalMatrixJson(snapshot);
	const contentHash = sha256Hex(content);
	const saved = db.transaction((tx) => {
		const latest = tx.select({ v: max(matrixVersions.version) }).from(matrixVersions).where(eq(matrixVersions.workshopId, workshop.id)).get();
		const version = (latest?.v ?? 0) + 1;
		const row = tx
			.insert(matrixVersions)
			.values({ workshopId: workshop.id, version, contentHash, content, frozenAt: new Date(), frozenBy: userId })
			.returning()
			.get();
		for (const r of snapshot.rows)
			for (const c of snapshot.components) {
				const cell = snapshot.cells[cellKey(r.id, c.id)];
				if (!cell) continue;
				tx.insert(matrixCells)
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
					})
					.run();
			}
		return { version, contentHash };
	});
	rooms.change(workshop.id, (doc) => {
		const meta = roots(doc).meta;
		meta.set('frozen', true);
		meta.set('version', saved.version);
		roots(doc).session.set('consentCall', null);
	});
	return saved;
}

/** Opens the matrix for editing again; the frozen version stays readable but is no longer current. */
export async function unfreezeMatrix(db: Db, workshop: Workshop): Promise<void> {
	const frozen = liveRooms().read(workshop.id, (doc) => roots(doc).meta.get('frozen') === true);
	if (!frozen && !isMatrixFrozen(db, workshop.id)) throw new InputError({ matrix: { key: 'error.matrixNotFrozen' } });
	db.update(matrixVersions)
		.set({ supersededAt: new Date() })
		.where(and(eq(matrixVersions.workshopId, workshop.id), isNull(matrixVersions.supersededAt)))
		.run();
	liveRooms().change(workshop.id, (doc) => roots(doc).meta.set('frozen', false));
}

export function listMatrixVersions(db: Db, workshopId: number): MatrixVersion[] {
	return db.select().from(matrixVersions).where(eq(matrixVersions.workshopId, workshopId)).orderBy(desc(matrixVersions.version)).all();
}

export function getMatrixVersion(db: Db, workshopId: number, version: number) {
	const row = db
		.select()
		.from(matrixVersions)
		.where(and(eq(matrixVersions.workshopId, workshopId), eq(matrixVersions.version, version)))
		.get();
	if (!row) return null;
	const cells = db.select().from(matrixCells).where(eq(matrixCells.versionId, row.id)).all();
	const content = JSON.parse(row.content) as { components: { id: string; name: string }[]; rows: { id: string; name: string; sector: string }[] };
	return { ...row, cells, components: content.components, rows: content.rows };
}

/** The current (not superseded) frozen version, if any: what minutes and commitments cite. */
export function currentMatrixVersion(db: Db, workshopId: number) {
	const row = currentVersionRow(db, workshopId);
	return row ? getMatrixVersion(db, workshopId, row.version) : null;
}
