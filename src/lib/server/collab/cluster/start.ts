/**
 * Cluster mode's start-up: with `REDIS_URL` set, the live rooms of this process are shared with the
 * other instances through Redis; without it, nothing here runs and no Redis is needed.
 */
import { dialectOf, type Db } from '../../db/client';
import { log } from '../../log';
import { claimRoom, DatabaseRoomStore, loadStoredRoom } from '../database-store';
import type { LiveRooms } from '../live-rooms';
import type { RoomOptions } from '../rooms';
import { ClusterRooms } from './cluster-rooms';
import { clusterSettingsFromEnv } from './settings';

/**
 * The cluster room manager when `REDIS_URL` is set, else null. Every instance must reach the same
 * database: PostgreSQL (`DATABASE_URL`) for instances on several machines. A SQLite file works for
 * instances on one machine (WAL lets several processes share it, with a warning at start-up); an
 * in-memory database is refused at once.
 */
export function startClusterRooms(db: Db, common: Omit<RoomOptions, 'store'>): LiveRooms | null {
	const settings = clusterSettingsFromEnv();
	if (!settings) return null;
	// The seal keys are stored encrypted under this passphrase: an instance with a passphrase of its
	// own (a seal.secret file on its own disk) could not open a seal another instance created.
	if (dialectOf(db) === 'postgres' && !process.env.MUFAKAT_SEAL_SECRET)
		throw new Error('REDIS_URL is set but MUFAKAT_SEAL_SECRET is not: set the same MUFAKAT_SEAL_SECRET on every instance (see docs/scaling.md).');
	if (dialectOf(db) === 'sqlite') {
		const file = db.$client.name;
		if (db.$client.memory || file === '' || file === ':memory:')
			throw new Error('REDIS_URL is set but the database is in memory: every instance must reach the same database (DATABASE_URL=postgres://…).');
		log('warn', 'cluster.sqlite', {
			database: file,
			note: 'instances share this SQLite file: run them on this machine only; several machines need PostgreSQL (DATABASE_URL)'
		});
	}
	return new ClusterRooms({
		...common,
		settings,
		ownerStore: (fencing) => new DatabaseRoomStore(db, fencing),
		loadDurable: (room) => loadStoredRoom(db, room),
		claim: (room, fence) => claimRoom(db, room, fence)
	});
}
