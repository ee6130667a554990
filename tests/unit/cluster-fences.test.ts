import * as Y from 'yjs';
import { describe, expect, it } from 'vitest';
import { appendFenced, claimRoom, compactFenced, StaleFenceError } from '../../src/lib/server/collab/cluster/fenced-store';
import { loadRoomLog } from '../../src/lib/server/collab/persistence';
import { collabUpdates } from '../../src/lib/server/db/schema';
import { memoryDb } from '../helpers/db';

function edit(text: string): Uint8Array {
	const doc = new Y.Doc();
	doc.getText('t').insert(0, text);
	return Y.encodeStateAsUpdate(doc);
}

function textOf(db: ReturnType<typeof memoryDb>): string {
	const doc = new Y.Doc();
	const { snapshot, updates } = loadRoomLog(db, 'workshop-9');
	if (snapshot) Y.applyUpdate(doc, snapshot);
	for (const u of updates) Y.applyUpdate(doc, u);
	return doc.getText('t').toString();
}

describe('fenced appends: a stale owner cannot write behind its successor', () => {
	it('refuses a lower fence once a higher one claimed the room, and keeps what the owners wrote in time', () => {
		const db = memoryDb();
		expect(claimRoom(db, 'workshop-9', 3)).toEqual({ ok: true });
		appendFenced(db, 'workshop-9', 3, [edit('lama ')]);
		// The successor claims the room; the old owner's late append is refused and stores nothing.
		expect(claimRoom(db, 'workshop-9', 7)).toEqual({ ok: true });
		expect(() => appendFenced(db, 'workshop-9', 3, [edit('terlambat ')])).toThrow(StaleFenceError);
		expect(() => compactFenced(db, 'workshop-9', 3, edit('snapshot basi'), 10)).toThrow(StaleFenceError);
		appendFenced(db, 'workshop-9', 7, [edit('baru')]);
		expect(claimRoom(db, 'workshop-9', 5)).toEqual({ ok: false, stored: 7 });
		expect(db.select({ fence: collabUpdates.fence }).from(collabUpdates).all().map((r) => r.fence)).toEqual([3, 7]);
		const text = textOf(db);
		expect(text).toContain('lama');
		expect(text).toContain('baru');
		expect(text).not.toContain('terlambat');
	});
});
