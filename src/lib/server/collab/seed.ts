/**
 * The matrix structure of a workshop's live document as the structured records define it: columns
 * are the components of the workshop's programme, rows its institutions. Seeding a new document and
 * repairing a stored one are the same projection, so a room opened after a change made while it
 * was unloaded looks exactly like one that was open when the change happened.
 */
import { and, eq, isNull, max } from 'drizzle-orm';
import * as Y from 'yjs';
import { cellKey, newCellMap, parseCellKey, roots, WHOLE_MATRIX, type ConsentState } from '../../collab/matrix-doc';
import type { Db } from '../db/client';
import { attendance, institutions, matrixVersions, workshopInvitations, workshops } from '../db/schema';
import { listComponents } from '../programmes/programmes';

type RowInput = { id: number; officialName: string; shortName: string; sector: string };
type ComponentInput = { id: number; name: string };

/**
 * The institutions that form the matrix rows: invited ones plus any with someone present (entries
 * removed by staff do not count). With nobody invited or present, every active institution.
 */
export async function matrixInstitutions(db: Db, workshopId: number, forumId: number) {
	const invited = (await db
		.select({ id: workshopInvitations.institutionId })
		.from(workshopInvitations)
		.where(eq(workshopInvitations.workshopId, workshopId)))
		.map((r) => r.id);
	const present = (await db
		.select({ id: attendance.institutionId })
		.from(attendance)
		.where(and(eq(attendance.workshopId, workshopId), isNull(attendance.removedAt))))
		.map((r) => r.id);
	const ids = [...new Set([...invited, ...present])];
	const all = await db.select().from(institutions).where(and(eq(institutions.forumId, forumId), eq(institutions.approved, true)));
	const chosen = ids.length > 0 ? all.filter((i) => ids.includes(i.id)) : all.filter((i) => i.retiredAt === null);
	const sectorOrder = ['pemerintah', 'komunitas', 'bisnis', 'akademisi', 'media', 'mitra'];
	return chosen.sort((a, b) => sectorOrder.indexOf(a.sector) - sectorOrder.indexOf(b.sector) || a.id - b.id);
}

/**
 * What a workshop's live document must agree with, read from the structured records. Reading is
 * asynchronous (the database), applying it to a document is not: a Yjs transaction cannot span an
 * await, so callers read the facts first and then seed or reconcile inside one transaction.
 */
export type MatrixFacts = {
	workshopId: number;
	latestVersion: number;
	components: ComponentInput[];
	rows: RowInput[];
};

export async function loadMatrixFacts(db: Db, workshopId: number): Promise<MatrixFacts | null> {
	const workshop = (await db.select().from(workshops).where(eq(workshops.id, workshopId)))[0];
	if (!workshop) return null;
	const latest = (await db.select({ v: max(matrixVersions.version) }).from(matrixVersions).where(eq(matrixVersions.workshopId, workshopId)))[0];
	return {
		workshopId,
		latestVersion: latest?.v ?? 0,
		components: workshop.programmeId ? await listComponents(db, workshop.programmeId) : [],
		rows: await matrixInstitutions(db, workshopId, workshop.forumId)
	};
}

/** Fills a brand-new live document from the workshop's structured records. */
export function seedDoc(facts: MatrixFacts, doc: Y.Doc): void {
	const r = roots(doc);
	r.meta.set('workshopId', facts.workshopId);
	r.meta.set('frozen', false);
	r.meta.set('version', facts.latestVersion);
	r.session.set('agendaIndex', 0);
	r.session.set('timerStartedAt', null);
	r.session.set('followMe', false);
	r.session.set('followTarget', 'matrix');
	r.session.set('consentCall', null);
	reconcileDoc(facts, doc);
}

/** `seedDoc` with the facts read first (a document outside any room: tests, tools). */
export async function seedWorkshopDoc(db: Db, workshopId: number, doc: Y.Doc): Promise<void> {
	const facts = await loadMatrixFacts(db, workshopId);
	if (facts) seedDoc(facts, doc);
}

/** What a reconciliation changed; ids are the doc's keys (SQL ids as strings). */
export type ReconcileReport = {
	addedComponents: string[];
	removedComponents: string[];
	renamedComponents: string[];
	movedComponents: string[];
	addedRows: string[];
	removedRows: string[];
	renamedRows: string[];
	addedCells: number;
	removedCells: number;
	addedConsentMaps: number;
	removedConsentMaps: number;
	/** Consent marks removed with their cell or row. */
	removedConsent: number;
};

export function reconcileChanged(report: ReconcileReport): boolean {
	return Object.values(report).some((v) => (Array.isArray(v) ? v.length > 0 : v > 0));
}

/** The non-empty parts of a report, as operator-log fields. */
export function reconcileLogFields(report: ReconcileReport): Record<string, string | number> {
	return Object.fromEntries(
		Object.entries(report)
			.filter(([, v]) => (Array.isArray(v) ? v.length > 0 : v > 0))
			.map(([k, v]) => [k, Array.isArray(v) ? v.join(',') : v])
	);
}

function addComponentMap(doc: Y.Doc, component: ComponentInput, position: number) {
	const col = new Y.Map<unknown>();
	col.set('name', component.name);
	col.set('position', position);
	col.set('locked', false);
	roots(doc).components.set(String(component.id), col);
}

function addRowMap(doc: Y.Doc, inst: RowInput, position: number) {
	const row = new Y.Map<unknown>();
	row.set('name', inst.officialName);
	row.set('shortName', inst.shortName);
	row.set('sector', inst.sector);
	row.set('position', position);
	row.set('locked', false);
	roots(doc).rows.set(String(inst.id), row);
}

/**
 * Brings a document's structure in step with SQL: components and rows added, renamed, moved or
 * removed (with their cells and consent marks), missing cells and consent maps created. Cell
 * content is never touched, and nothing is written when everything already matches (a Y.Map `set`
 * of an equal value would still be an update), so calling it on a matching document is free.
 *
 * Column positions follow the programme's order (1..n). Row order lives only in the document
 * (the moderator arranges rows on the matrix page), so existing rows keep their positions and new
 * rows go to the end.
 */
export async function reconcileWorkshopDoc(db: Db, workshopId: number, doc: Y.Doc): Promise<ReconcileReport> {
	const facts = await loadMatrixFacts(db, workshopId);
	return facts ? reconcileDoc(facts, doc) : emptyReport();
}

function emptyReport(): ReconcileReport {
	return {
		addedComponents: [],
		removedComponents: [],
		renamedComponents: [],
		movedComponents: [],
		addedRows: [],
		removedRows: [],
		renamedRows: [],
		addedCells: 0,
		removedCells: 0,
		addedConsentMaps: 0,
		removedConsentMaps: 0,
		removedConsent: 0
	};
}

/** Brings a document in step with the facts; synchronous, so it runs inside one Yjs transaction. */
export function reconcileDoc(facts: MatrixFacts, doc: Y.Doc): ReconcileReport {
	const report = emptyReport();
	const r = roots(doc);
	const cols = facts.components;
	const rows = facts.rows;
	const colIds = new Set(cols.map((c) => String(c.id)));
	const rowIds = new Set(rows.map((i) => String(i.id)));

	for (const id of [...r.components.keys()])
		if (!colIds.has(id)) {
			r.components.delete(id);
			report.removedComponents.push(id);
		}
	for (const id of [...r.rows.keys()])
		if (!rowIds.has(id)) {
			r.rows.delete(id);
			report.removedRows.push(id);
		}

	cols.forEach((c, i) => {
		const key = String(c.id);
		const col = r.components.get(key);
		if (!col) {
			addComponentMap(doc, c, i + 1);
			report.addedComponents.push(key);
			return;
		}
		if (col.get('name') !== c.name) {
			col.set('name', c.name);
			report.renamedComponents.push(key);
		}
		if (col.get('position') !== i + 1) {
			col.set('position', i + 1);
			report.movedComponents.push(key);
		}
	});

	let lastRow = Math.max(0, ...[...r.rows.values()].map((row) => Number(row.get('position') ?? 0)));
	for (const inst of rows) {
		const key = String(inst.id);
		const row = r.rows.get(key);
		if (!row) {
			addRowMap(doc, inst, ++lastRow);
			report.addedRows.push(key);
			continue;
		}
		let renamed = false;
		for (const [field, value] of [
			['name', inst.officialName],
			['shortName', inst.shortName],
			['sector', inst.sector]
		] as const)
			if (row.get(field) !== value) {
				row.set(field, value);
				renamed = true;
			}
		if (renamed) report.renamedRows.push(key);
	}

	// A cell or consent mark belongs to its row and column: it goes when either goes.
	const cellExists = (key: string) => {
		const parsed = parseCellKey(key);
		return !parsed || (rowIds.has(parsed.institutionId) && colIds.has(parsed.componentId));
	};
	for (const key of [...r.cells.keys()])
		if (!cellExists(key)) {
			r.cells.delete(key);
			report.removedCells++;
		}
	for (const rowId of rowIds)
		for (const colId of colIds)
			if (!r.cells.has(cellKey(rowId, colId))) {
				r.cells.set(cellKey(rowId, colId), newCellMap());
				report.addedCells++;
			}

	for (const [institutionId, marks] of [...r.consent.entries()]) {
		if (!rowIds.has(institutionId)) {
			report.removedConsent += marks.size;
			report.removedConsentMaps++;
			r.consent.delete(institutionId);
			continue;
		}
		for (const target of [...marks.keys()])
			if (target !== WHOLE_MATRIX && !cellExists(target)) {
				marks.delete(target);
				report.removedConsent++;
			}
	}
	for (const rowId of rowIds)
		if (!r.consent.has(rowId)) {
			r.consent.set(rowId, new Y.Map<ConsentState>());
			report.addedConsentMaps++;
		}
	return report;
}
