import * as Y from 'yjs';
import { describe, expect, it } from 'vitest';
import { appendStored, claimRoom, compactStored, loadStoredRoom, StaleFenceError } from '../../src/lib/server/collab/database-store';
import type { Db } from '../../src/lib/server/db/client';
import { collabUpdates } from '../../src/lib/server/db/schema';
import { memoryDb } from '../helpers/db';

function edit(text: string): Uint8Array {
	const doc = new Y.Doc();
	doc.getText('t').insert(0, text);
	return Y.encodeStateAsUpdate(doc);
}

async function textOf(db: Db): Promise<string> {
	const doc = new Y.Doc();
	const { snapshot, updates } = await loadStoredRoom(db, 'workshop-9');
	if (snapshot) Y.applyUpdate(doc, snapshot);
	for (const u of updates) Y.applyUpdate(doc, u);
	return doc.getText('t').toString();
}

describe('fenced appends: a stale owner cannot write behind its successor', () => {
	it('refuses a lower fence once a higher one claimed the room, and keeps what the owners wrote in time', async () => {
		const db = await memoryDb();
		expect(await claimRoom(db, 'workshop-9', 3)).toEqual({ ok: true });
		await appendStored(db, 'workshop-9', [edit('lama ')], 3);
		// The successor claims the room; the old owner's late append is refused and stores nothing.
		expect(await claimRoom(db, 'workshop-9', 7)).toEqual({ ok: true });
		await expect(appendStored(db, 'workshop-9', [edit('terlambat ')], 3)).rejects.toThrow(StaleFenceError);
		await expect(compactStored(db, 'workshop-9', edit('snapshot basi'), 10, 3)).rejects.toThrow(StaleFenceError);
		await appendStored(db, 'workshop-9', [edit('baru')], 7);
		expect(await claimRoom(db, 'workshop-9', 5)).toEqual({ ok: false, stored: 7 });
		expect((await db.select({ fence: collabUpdates.fence }).from(collabUpdates).orderBy(collabUpdates.id)).map((r) => r.fence)).toEqual([3, 7]);
		const text = await textOf(db);
		expect(text).toContain('lama');
		expect(text).toContain('baru');
		expect(text).not.toContain('terlambat');
	});
});
