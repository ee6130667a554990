import { getDb } from '../db/client';
import { SqliteRoomStore } from './persistence';
import { RoomManager } from './rooms';
import { seedWorkshopDoc } from './seed';

/**
 * One room manager per process, on globalThis: the production entry (server.ts) and the SvelteKit
 * bundle are separate module graphs in one process, and both must reach the same live rooms.
 */
const KEY = Symbol.for('mufakat.collab.rooms');
type Holder = { [KEY]?: RoomManager };

export function liveRooms(): RoomManager {
	const holder = globalThis as Holder;
	if (!holder[KEY]) {
		const db = getDb();
		holder[KEY] = new RoomManager({
			store: new SqliteRoomStore(db),
			seed: (workshopId, doc) => seedWorkshopDoc(db, workshopId, doc),
			idleMs: Number(process.env.MUFAKAT_ROOM_IDLE_MS ?? 30_000),
			compactEvery: Number(process.env.MUFAKAT_COMPACT_EVERY ?? 300)
		});
	}
	return holder[KEY];
}
