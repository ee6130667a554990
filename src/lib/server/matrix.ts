/**
 * The role and contribution matrix: structure changes during the live room (SQL and live doc
 * together), freezing the live content into SQL rows with a content hash, and exports.
 */
import { sha256Hex } from './hashing';
import { and, asc, desc, eq, isNull, max } from 'drizzle-orm';
import ExcelJS from 'exceljs';
import { canonicalMatrixJson, cellKey, readMatrix, roots, type MatrixSnapshot } from '../collab/matrix-doc';
import { translate, type Locale, type MessageKey } from '../i18n/translate';
import type { Viewer } from './auth';
import { principalFromViewer } from './collab/principal';
import { liveRooms } from './collab/registry';
import { addComponentToDoc, addRowToDoc, institutionsByIds } from './collab/seed';
import { toCsv } from './csv';
import type { Db } from './db/client';
import { components, matrixCells, matrixVersions, workshopInvitations, institutions } from './db/schema';
import { addComponent, listPilotSites, moveComponent, renameComponent } from './programmes';
import { InputError } from './validation';
import type { Workshop } from './workshops';

export type MatrixVersion = typeof matrixVersions.$inferSelect;

function programmeOf(workshop: Workshop): number {
	if (!workshop.programmeId) throw new InputError({ programmeId: { key: 'component.needProgramme' } });
	return workshop.programmeId;
}

function assertNotFrozen(workshopId: number) {
	if (liveRooms().read(workshopId, (doc) => roots(doc).meta.get('frozen') === true))
		throw new InputError({ matrix: { key: 'error.matrixFrozen' } });
}

/** What a matrix page needs besides the live doc itself. */
export function matrixPageData(db: Db, workshop: Workshop) {
	const snapshot = liveRooms().read(workshop.id, readMatrix);
	const rowIds = new Set(snapshot.rows.map((r) => Number(r.id)));
	const candidates = db
		.select({ id: institutions.id, shortName: institutions.shortName, sector: institutions.sector })
		.from(institutions)
		.where(and(eq(institutions.forumId, workshop.forumId), eq(institutions.approved, true)))
		.orderBy(asc(institutions.shortName))
		.all()
		.filter((i) => !rowIds.has(i.id));
	return {
		components: snapshot.components.map((c) => ({ id: Number(c.id), name: c.name, position: c.position })),
		rows: snapshot.rows.map((r) => ({ id: Number(r.id), name: r.name, shortName: r.shortName, sector: r.sector })),
		pilotSites: workshop.programmeId
			? listPilotSites(db, workshop.programmeId).map((s) => ({ code: s.areaCode, name: s.area?.name ?? s.areaCode }))
			: [],
		versions: listMatrixVersions(db, workshop.id).map((v) => ({
			version: v.version,
			contentHash: v.contentHash,
			frozenAt: v.frozenAt,
			current: v.supersededAt === null
		})),
		candidates
	};
}

export async function addMatrixComponent(db: Db, workshop: Workshop, input: FormData | Record<string, unknown>) {
	const programmeId = programmeOf(workshop);
	assertNotFrozen(workshop.id);
	const component = addComponent(db, programmeId, input);
	liveRooms().change(workshop.id, (doc) => addComponentToDoc(doc, component, component.position));
	return component;
}

export async function renameMatrixComponent(db: Db, workshop: Workshop, componentId: number, input: FormData | Record<string, unknown>) {
	const programmeId = programmeOf(workshop);
	assertNotFrozen(workshop.id);
	renameComponent(db, programmeId, componentId, input);
	const renamed = db.select().from(components).where(and(eq(components.id, componentId), eq(components.programmeId, programmeId))).get();
	if (!renamed) throw new InputError({ id: { key: 'error.notFound' } });
	liveRooms().change(workshop.id, (doc) => roots(doc).components.get(String(componentId))?.set('name', renamed.name));
}

export async function moveMatrixComponent(db: Db, workshop: Workshop, componentId: number, direction: 'left' | 'right') {
	const programmeId = programmeOf(workshop);
	assertNotFrozen(workshop.id);
	moveComponent(db, programmeId, componentId, direction === 'left' ? 'up' : 'down');
	const order = db.select().from(components).where(eq(components.programmeId, programmeId)).orderBy(asc(components.position)).all();
	liveRooms().change(workshop.id, (doc) => {
		const cols = roots(doc).components;
		for (const c of order) {
			const col = cols.get(String(c.id));
			if (col && col.get('position') !== c.position) col.set('position', c.position);
		}
	});
}

export async function addMatrixRow(db: Db, workshop: Workshop, institutionId: number) {
	assertNotFrozen(workshop.id);
	const [inst] = institutionsByIds(db, [institutionId]);
	if (!inst || inst.forumId !== workshop.forumId || !inst.approved) throw new InputError({ institutionId: { key: 'error.invalidChoice' } });
	const exists = liveRooms().read(workshop.id, (doc) => roots(doc).rows.has(String(institutionId)));
	if (exists) throw new InputError({ institutionId: { key: 'error.alreadyInMatrix' } });
	db.insert(workshopInvitations).values({ workshopId: workshop.id, institutionId }).onConflictDoNothing().run();
	liveRooms().change(workshop.id, (doc) => {
		const last = Math.max(0, ...[...roots(doc).rows.values()].map((r) => Number(r.get('position') ?? 0)));
		addRowToDoc(doc, inst, last + 1);
	});
}

export async function moveMatrixRow(db: Db, workshop: Workshop, institutionId: number, direction: 'up' | 'down') {
	assertNotFrozen(workshop.id);
	liveRooms().change(workshop.id, (doc) => {
		const rows = readMatrix(doc).rows;
		const index = rows.findIndex((r) => r.id === String(institutionId));
		const target = direction === 'up' ? index - 1 : index + 1;
		if (index < 0 || target < 0 || target >= rows.length) return;
		[rows[index], rows[target]] = [rows[target]!, rows[index]!];
		const map = roots(doc).rows;
		rows.forEach((r, i) => {
			if (r.position !== i + 1) map.get(r.id)?.set('position', i + 1);
		});
	});
}


/**
 * Freezes the live matrix: its content becomes SQL rows and a SHA-256 content hash (version n+1),
 * and the live doc stops accepting cell writes. Minutes and commitments use this version.
 */
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
	if (!frozen) throw new InputError({ matrix: { key: 'error.matrixNotFrozen' } });
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
	const row = db
		.select()
		.from(matrixVersions)
		.where(and(eq(matrixVersions.workshopId, workshopId), isNull(matrixVersions.supersededAt)))
		.orderBy(desc(matrixVersions.version))
		.get();
	return row ? getMatrixVersion(db, workshopId, row.version) : null;
}

function exportRows(db: Db, workshopId: number, version: number, locale: Locale) {
	const v = getMatrixVersion(db, workshopId, version);
	if (!v) return null;
	const t = (key: MessageKey) => translate(locale, key);
	const label = (type: string) => (type ? translate(locale, `contribution.${type}` as MessageKey) : '');
	const order = new Map(v.rows.map((r, i) => [Number(r.id), i]));
	const colOrder = new Map(v.components.map((c, i) => [Number(c.id), i]));
	const cells = v.cells
		.filter((c) => c.type || c.description.trim() || c.sites.length || c.timing || c.volume !== null || c.valueRupiah !== null || c.fundingSource)
		.sort((a, b) => (order.get(a.institutionId) ?? 0) - (order.get(b.institutionId) ?? 0) || (colOrder.get(a.componentId) ?? 0) - (colOrder.get(b.componentId) ?? 0));
	const header = [
		t('attendance.no'),
		t('export.institution'),
		t('sector.title'),
		t('export.component'),
		t('export.type'),
		t('export.description'),
		t('export.sites'),
		t('export.timing'),
		t('export.volume'),
		t('export.unit'),
		t('export.value'),
		t('export.funding')
	];
	const rows = cells.map((c, i) => [
		i + 1,
		c.institutionName,
		translate(locale, `sector.${c.sector}` as MessageKey),
		c.componentName,
		label(c.type),
		c.description,
		c.sites.join('; '),
		c.timing,
		c.volume,
		c.unit,
		c.valueRupiah,
		c.fundingSource
	]);
	return { v, header, rows, label };
}

export function matrixVersionCsv(db: Db, workshopId: number, version: number, locale: Locale): string | null {
	const data = exportRows(db, workshopId, version, locale);
	return data ? toCsv(data.header, data.rows) : null;
}

/** Excel workbook: the grid as the forum saw it, the details one contribution per line, and the hash. */
export async function matrixVersionXlsx(db: Db, workshopId: number, version: number, locale: Locale, title = ''): Promise<Buffer | null> {
	const data = exportRows(db, workshopId, version, locale);
	if (!data) return null;
	const { v } = data;
	const t = (key: MessageKey) => translate(locale, key);
	const book = new ExcelJS.Workbook();
	book.creator = 'Mufakat';
	book.created = v.frozenAt;

	const grid = book.addWorksheet(t('export.sheetMatrix'));
	grid.addRow([t('export.workshop'), title]);
	grid.addRow([t('export.version'), v.version, t('export.frozenAt'), v.frozenAt.toISOString()]);
	grid.addRow([t('export.hash'), v.contentHash]);
	grid.addRow([]);
	const head = grid.addRow([t('export.institution'), t('sector.title'), ...v.components.map((c) => c.name)]);
	head.font = { bold: true };
	const cellText = (inst: number, comp: number) => {
		const c = v.cells.find((x) => x.institutionId === inst && x.componentId === comp);
		if (!c) return '';
		return [data.label(c.type), c.description].filter(Boolean).join(': ');
	};
	for (const r of v.rows)
		grid.addRow([r.name, translate(locale, `sector.${r.sector}` as MessageKey), ...v.components.map((c) => cellText(Number(r.id), Number(c.id)))]);
	grid.columns.forEach((col, i) => {
		col.width = i < 2 ? 24 : 40;
		col.alignment = { wrapText: true, vertical: 'top' };
	});

	const details = book.addWorksheet(t('export.sheetDetails'));
	details.addRow(data.header).font = { bold: true };
	for (const row of data.rows) details.addRow(row);
	details.getColumn(11).numFmt = '#,##0';
	details.columns.forEach((col, i) => (col.width = [5, 22, 14, 30, 18, 50, 24, 14, 10, 12, 16, 20][i] ?? 14));
	return Buffer.from(await book.xlsx.writeBuffer());
}

/** What the live client may do, so pages can show read-only controls where the server would refuse. */
export function collabPrincipalFor(db: Db, viewer: Viewer | null, workshopId: number) {
	const p = principalFromViewer(db, viewer, workshopId);
	return p ? { role: p.role, institutionId: p.institutionId, name: p.name } : null;
}

export type { MatrixSnapshot };
