import { describe, expect, it } from 'vitest';
import { and, eq } from 'drizzle-orm';
import * as Y from 'yjs';
import { cellKey, readMatrix, roomName, roots, WHOLE_MATRIX } from '../../src/lib/collab/matrix-doc';
import { roomStoreFor } from '../../src/lib/server/collab/log-writer';
import { RoomManager } from '../../src/lib/server/collab/rooms';
import { loadMatrixFacts, reconcileChanged, reconcileDoc, seedDoc, type ReconcileReport } from '../../src/lib/server/collab/seed';
import { collabUpdates, components, institutions, workshopInvitations } from '../../src/lib/server/db/schema';
import { seedDemo } from '../../src/lib/server/demo';
import { memoryDb } from '../helpers/db';

const WORKSHOP = 3;
const BAPPEDA = 1;
const INKA = 14;
const BANK_JATIM = 15;

/** A process's rooms over this database, with the production seed and reconcile; `reports` records each load's repair. */
function roomsOver(db: Awaited<ReturnType<typeof memoryDb>>) {
	const reports: ReconcileReport[] = [];
	const rooms = new RoomManager({
		store: roomStoreFor(db),
		seed: async (id) => {
			const facts = await loadMatrixFacts(db, id);
			return (doc) => facts && seedDoc(facts, doc);
		},
		reconcile: async (id) => {
			const facts = await loadMatrixFacts(db, id);
			return (doc) => void reports.push(reconcileDoc(facts!, doc));
		},
		idleMs: 60_000
	});
	return { rooms, reports };
}

const storedUpdates = async (db: Awaited<ReturnType<typeof memoryDb>>) =>
	(await db.select().from(collabUpdates).where(eq(collabUpdates.room, roomName(WORKSHOP)))).length;

describe('reconciling a stored live doc with SQL on load', () => {
	it('repairs what changed in SQL while the room was unloaded, leaving cell content alone', async () => {
		const db = await memoryDb();
		await seedDemo(db);
		const first = roomsOver(db);
		await first.rooms.change(WORKSHOP, (doc) => {
			const r = roots(doc);
			(r.cells.get(cellKey(INKA, 3))!.get('description') as Y.Text).insert(0, 'Pinjaman kemitraan TJSL');
			(r.cells.get(cellKey(BAPPEDA, 2))!.get('description') as Y.Text).insert(0, 'Monitoring triwulanan');
			r.consent.get(String(BAPPEDA))!.set(cellKey(BAPPEDA, 2), 'agree');
			r.consent.get(String(BAPPEDA))!.set(WHOLE_MATRIX, 'agree');
		});
		await first.rooms.closeAll();
		expect(first.reports).toEqual([]); // a new room is seeded, not reconciled

		// Changed behind the room's back (an older server, a script, another process).
		await db.update(components).set({ name: 'Peningkatan kapasitas warga' }).where(eq(components.id, 1));
		await db.update(components).set({ position: 1 }).where(eq(components.id, 3));
		await db.update(components).set({ position: 3 }).where(eq(components.id, 1));
		await db.delete(components).where(eq(components.id, 2));
		const added = (await db.insert(components).values({ programmeId: 1, name: 'Replikasi', position: 4 }).returning())[0]!;
		await db.update(institutions).set({ shortName: 'INKA' }).where(eq(institutions.id, INKA));
		await db.delete(workshopInvitations).where(and(eq(workshopInvitations.workshopId, WORKSHOP), eq(workshopInvitations.institutionId, BANK_JATIM)));

		const second = roomsOver(db);
		const m = await second.rooms.read(WORKSHOP, readMatrix);
		expect(m.components.map((c) => [Number(c.id), c.name, c.position])).toEqual([
			[3, 'Profiling UMKM lapak kelurahan', 1],
			[1, 'Peningkatan kapasitas warga', 2],
			[added.id, 'Replikasi', 3]
		]);
		expect(m.rows.find((r) => r.id === String(INKA))?.shortName).toBe('INKA');
		expect(m.rows.map((r) => r.id)).not.toContain(String(BANK_JATIM));
		expect(m.rows).toHaveLength(16);
		expect(Object.keys(m.cells).sort()).toEqual(m.rows.flatMap((r) => m.components.map((c) => cellKey(r.id, c.id))).sort());
		expect(m.cells[cellKey(INKA, 3)]?.description).toBe('Pinjaman kemitraan TJSL');
		expect(m.consent[String(BAPPEDA)]).toEqual({ [WHOLE_MATRIX]: 'agree' });
		expect(m.consent[String(BANK_JATIM)]).toBeUndefined();

		expect(second.reports).toHaveLength(1);
		expect(second.reports[0]).toEqual({
			addedComponents: [String(added.id)],
			removedComponents: ['2'],
			renamedComponents: ['1'],
			movedComponents: ['3', '1'],
			addedRows: [],
			removedRows: [String(BANK_JATIM)],
			renamedRows: [String(INKA)],
			addedCells: 16,
			removedCells: 17 + 2, // column 2 for everyone, Bank Jatim's columns 1 and 3
			addedConsentMaps: 0,
			removedConsentMaps: 1,
			removedConsent: 1
		});
		await second.rooms.closeAll();

		// The repair was stored: a third process loads the repaired doc and finds nothing to do.
		const third = roomsOver(db);
		expect(await third.rooms.read(WORKSHOP, readMatrix)).toEqual(m);
		expect(third.reports.map(reconcileChanged)).toEqual([false]);
		await third.rooms.closeAll();
	});

	it('changes nothing at all when the doc already matches SQL', async () => {
		const db = await memoryDb();
		await seedDemo(db);
		const { rooms, reports } = roomsOver(db);
		await rooms.read(WORKSHOP, readMatrix);
		await rooms.closeAll();
		const before = await storedUpdates(db);

		const again = roomsOver(db);
		const room = await again.rooms.room(WORKSHOP);
		expect(again.reports.map(reconcileChanged)).toEqual([false]);
		expect(await storedUpdates(db)).toBe(before);

		const updates: Uint8Array[] = [];
		room.doc.on('update', (u: Uint8Array) => updates.push(u));
		const facts = (await loadMatrixFacts(db, WORKSHOP))!;
		const report = room.transact((doc) => reconcileDoc(facts, doc));
		expect(reconcileChanged(report)).toBe(false);
		expect(updates).toEqual([]);
		await again.rooms.closeAll();
	});
});
