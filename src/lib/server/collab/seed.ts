import { and, eq, inArray, max } from 'drizzle-orm';
import * as Y from 'yjs';
import { cellKey, newCellMap, roots, type ConsentState } from '../../collab/matrix-doc';
import type { Db } from '../db/client';
import { attendance, components, institutions, matrixVersions, workshopInvitations, workshops } from '../db/schema';

type RowInput = { id: number; officialName: string; shortName: string; sector: string };
type ComponentInput = { id: number; name: string };

export function addRowToDoc(doc: Y.Doc, inst: RowInput, position: number) {
	const r = roots(doc);
	const key = String(inst.id);
	if (r.rows.has(key)) return;
	const row = new Y.Map<unknown>();
	row.set('name', inst.officialName);
	row.set('shortName', inst.shortName);
	row.set('sector', inst.sector);
	row.set('position', position);
	row.set('locked', false);
	r.rows.set(key, row);
	if (!r.consent.has(key)) r.consent.set(key, new Y.Map<ConsentState>());
	for (const componentId of r.components.keys()) if (!r.cells.has(cellKey(key, componentId))) r.cells.set(cellKey(key, componentId), newCellMap());
}

export function addComponentToDoc(doc: Y.Doc, component: ComponentInput, position: number) {
	const r = roots(doc);
	const key = String(component.id);
	if (r.components.has(key)) return;
	const col = new Y.Map<unknown>();
	col.set('name', component.name);
	col.set('position', position);
	col.set('locked', false);
	r.components.set(key, col);
	for (const rowId of r.rows.keys()) if (!r.cells.has(cellKey(rowId, key))) r.cells.set(cellKey(rowId, key), newCellMap());
}

/** The institutions that form the matrix rows: invited ones plus any that checked in. */
export function matrixInstitutions(db: Db, workshopId: number, forumId: number) {
	const invited = db
		.select({ id: workshopInvitations.institutionId })
		.from(workshopInvitations)
		.where(eq(workshopInvitations.workshopId, workshopId))
		.all()
		.map((r) => r.id);
	const present = db
		.select({ id: attendance.institutionId })
		.from(attendance)
		.where(eq(attendance.workshopId, workshopId))
		.all()
		.map((r) => r.id);
	const ids = [...new Set([...invited, ...present])];
	const all = db.select().from(institutions).where(and(eq(institutions.forumId, forumId), eq(institutions.approved, true))).all();
	const chosen = ids.length > 0 ? all.filter((i) => ids.includes(i.id)) : all;
	const sectorOrder = ['pemerintah', 'komunitas', 'bisnis', 'akademisi', 'media', 'mitra'];
	return chosen.sort((a, b) => sectorOrder.indexOf(a.sector) - sectorOrder.indexOf(b.sector) || a.id - b.id);
}

/** Fills a brand-new live document from the workshop's structured records. */
export function seedWorkshopDoc(db: Db, workshopId: number, doc: Y.Doc): void {
	const workshop = db.select().from(workshops).where(eq(workshops.id, workshopId)).get();
	if (!workshop) return;
	const r = roots(doc);
	const latest = db.select({ v: max(matrixVersions.version) }).from(matrixVersions).where(eq(matrixVersions.workshopId, workshopId)).get();
	r.meta.set('workshopId', workshopId);
	r.meta.set('frozen', false);
	r.meta.set('version', latest?.v ?? 0);
	r.session.set('agendaIndex', 0);
	r.session.set('timerStartedAt', null);
	r.session.set('followMe', false);
	r.session.set('followTarget', 'matrix');
	r.session.set('consentCall', null);
	const cols = workshop.programmeId
		? db.select().from(components).where(eq(components.programmeId, workshop.programmeId)).orderBy(components.position).all()
		: [];
	cols.forEach((c, i) => addComponentToDoc(doc, c, i + 1));
	matrixInstitutions(db, workshopId, workshop.forumId).forEach((inst, i) => addRowToDoc(doc, inst, i + 1));
}

export function institutionsByIds(db: Db, ids: number[]) {
	return ids.length ? db.select().from(institutions).where(inArray(institutions.id, ids)).all() : [];
}
