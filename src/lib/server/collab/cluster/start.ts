/**
 * Cluster mode's start-up: with `REDIS_URL` set, the live rooms of this process are shared with the
 * other instances through Redis; without it, nothing here runs and no Redis is needed.
 */
import type { Db } from '../../db/client';
import { log } from '../../log';
import type { LiveRooms } from '../live-rooms';
import { loadRoomLog } from '../persistence';
import type { RoomOptions } from '../rooms';
import { ClusterRooms, type ClusterRoomOptions } from './cluster-rooms';
import { claimRoom, FencedRoomStore } from './fenced-store';
import { clusterSettingsFromEnv } from './redis';

type Common = Omit<ClusterRoomOptions, 'settings' | 'ownerStore' | 'loadDurable' | 'claim'> & Pick<RoomOptions, 'seed'>;

/**
 * The cluster room manager when `REDIS_URL` is set, else null. Every instance must reach the same
 * database: an in-memory one is refused at once. A SQLite file works for instances on one machine
 * (WAL lets several processes share it); instances on several machines need PostgreSQL.
 */
export function startClusterRooms(db: Db, common: Common): LiveRooms | null {
	const settings = clusterSettingsFromEnv();
	if (!settings) return null;
	const file = db.$client.name;
	if (db.$client.memory || file === '' || file === ':memory:')
		throw new Error('REDIS_URL is set but the database is in memory: every instance must reach the same database (DATABASE_URL=postgres://… or a shared DATABASE_PATH).');
	log('warn', 'cluster.sqlite', {
		database: file,
		note: 'instances share this SQLite file: run them on this machine only; several machines need PostgreSQL (DATABASE_URL)'
	});
	return new ClusterRooms({
		...common,
		settings,
		ownerStore: (fenceOf, onStale) => new FencedRoomStore(db, fenceOf, onStale),
		loadDurable: (room) => loadRoomLog(db, room),
		claim: (room, fence) => claimRoom(db, room, fence)
	});
}
