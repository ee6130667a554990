import { eq, inArray } from 'drizzle-orm';
import { roomName } from '../../collab/matrix-doc';
import { dialectOf, getDb, type Db } from '../db/client';
import { areas, collabSnapshots, collabUpdates } from '../db/schema';
import { log } from '../log';
import { roomStoreFor } from './log-writer';
import { CLOSE, RoomManager, type RoomOptions } from './rooms';
import { singleInstanceRooms, type LiveRooms } from './live-rooms';
import { redisUrlFromEnv } from './cluster/settings';
import { loadMatrixFacts, reconcileChanged, reconcileDoc, reconcileLogFields, seedDoc } from './seed';

/**
 * One room manager per process, on globalThis: the production entry (server.ts) and the SvelteKit
 * bundle are separate module graphs in one process, and both must reach the same live rooms.
 */
const KEY = Symbol.for('mufakat.collab.rooms');
type Holder = { [KEY]?: LiveRooms };

/** A number from the environment (at least `min`; positive by default), or undefined to keep the room's default. */
function numberFromEnv(name: string, min = 1): number | undefined {
	const raw = process.env[name];
	const value = raw === undefined || raw.trim() === '' ? Number.NaN : Number(raw);
	return Number.isFinite(value) && value >= min ? value : undefined;
}

function memoised(lookup: (code: string) => boolean): (code: string) => boolean {
	const known = new Map<string, boolean>();
	return (code) => {
		let found = known.get(code);
		if (found === undefined) {
			found = lookup(code);
			if (known.size < 100_000) known.set(code, found);
		}
		return found;
	};
}

/**
 * Whether a site code names a real village, asked while an update is authorised, which is
 * synchronous. On SQLite a prepared statement answers at once; on PostgreSQL (asynchronous) the
 * village codes are read into memory once, before the first room opens (`ready`).
 */
function siteLookup(db: Db): { known: (code: string) => boolean; ready: Promise<void> } {
	if (dialectOf(db) === 'sqlite') {
		const statement = db.$client.prepare('SELECT 1 FROM areas WHERE code = ?');
		return { known: memoised((code) => statement.get(code) !== undefined), ready: Promise.resolve() };
	}
	let codes = new Set<string>();
	const ready = (async () => {
		const rows = await db.select({ code: areas.code }).from(areas).where(eq(areas.level, 4));
		codes = new Set(rows.map((r) => r.code));
	})();
	return { known: (code) => codes.has(code), ready };
}

const clusterWanted = () => redisUrlFromEnv() !== null;

/**
 * Starts the live rooms of this process before the first request or socket. Cluster mode's code
 * (ioredis and the streams) is imported only when `REDIS_URL` is set, so the embedded default never
 * loads it: a hall laptop pays no memory for a Redis it does not have.
 */
export async function prepareLiveRooms(): Promise<void> {
	const holder = globalThis as Holder;
	if (holder[KEY] || !clusterWanted()) return void liveRooms();
	const { startClusterRooms } = await import('./cluster/start');
	const db = getDb();
	// Not null: REDIS_URL is set. `??=`: a second caller that awaited the import meanwhile starts nothing.
	holder[KEY] ??= startClusterRooms(db, commonRoomOptions(db))!;
}

/**
 * The live rooms of this process: served here alone (the default), or, with `REDIS_URL` set, shared
 * with the other instances through Redis (cluster/, docs/scaling.md; started by `prepareLiveRooms`).
 */
export function liveRooms(): LiveRooms {
	const holder = globalThis as Holder;
	if (!holder[KEY]) {
		if (clusterWanted()) throw new Error('REDIS_URL is set but the shared live rooms were not started (prepareLiveRooms)');
		const db = getDb();
		holder[KEY] = singleInstanceRooms(new RoomManager({ store: roomStoreFor(db), ...commonRoomOptions(db) }));
	}
	return holder[KEY];
}

/** What every room needs, alone or shared: seeding and repair from SQL, site lookups, limits from the environment. */
function commonRoomOptions(db: Db): Omit<RoomOptions, 'store'> {
	const sites = siteLookup(db);
	return {
		seed: async (workshopId) => {
			await sites.ready;
			const facts = await loadMatrixFacts(db, workshopId);
			return (doc) => facts && seedDoc(facts, doc);
		},
		reconcile: async (workshopId) => {
			await sites.ready;
			const facts = await loadMatrixFacts(db, workshopId);
			return (doc) => {
				const report = facts && reconcileDoc(facts, doc);
				if (report && reconcileChanged(report)) log('info', 'room.reconciled', { room: roomName(workshopId), ...reconcileLogFields(report) });
			};
		},
		// Site codes repeat across a matrix: look each up once per process.
		knownSite: sites.known,
		idleMs: numberFromEnv('MUFAKAT_ROOM_IDLE_MS'),
		compactEvery: numberFromEnv('MUFAKAT_COMPACT_EVERY'),
		compactQuietMs: numberFromEnv('MUFAKAT_COMPACT_QUIET_MS', 0),
		maxRoomBytes: numberFromEnv('MUFAKAT_MAX_ROOM_BYTES'),
		writeBytesPerMinute: numberFromEnv('MUFAKAT_WRITE_BYTES_PER_MINUTE')
	};
}

/**
 * The workshops among `workshopIds` that have a live document, loaded in this process or stored.
 * The others have none yet and will be seeded from SQL when first opened, so a structural change
 * must not create one for them.
 */
export async function workshopsWithLiveDoc(db: Db, workshopIds: number[]): Promise<number[]> {
	if (workshopIds.length === 0) return [];
	const names = workshopIds.map(roomName);
	const stored = new Set([
		...await db.select({ room: collabSnapshots.room }).from(collabSnapshots).where(inArray(collabSnapshots.room, names)),
		...await db.selectDistinct({ room: collabUpdates.room }).from(collabUpdates).where(inArray(collabUpdates.room, names))
	].map((r) => r.room));
	// Not `liveRooms()`: asking must not open the process-wide database (unit tests pass their own).
	const rooms = (globalThis as Holder)[KEY];
	return workshopIds.filter((id) => stored.has(roomName(id)) || rooms?.isLoaded(id));
}

/**
 * Brings the live documents of these workshops in step with SQL after a structural change (the
 * SQL change is already committed): each one is reconciled in a server-origin transaction, so the
 * repair is stored and broadcast to everyone connected. The documents change at once; the caller
 * does not wait for their append (the writer thread's), because SQL already holds the truth and
 * nobody is sent the repair before it is stored: should it be lost, the next load of the room
 * reconciles it again. A failure here leaves SQL right and the document behind, and is logged.
 */
export async function refreshLiveStructure(db: Db, workshopIds: number[], change: string): Promise<void> {
	for (const workshopId of await workshopsWithLiveDoc(db, [...new Set(workshopIds)])) {
		const room = roomName(workshopId);
		const facts = await loadMatrixFacts(db, workshopId);
		if (!facts) continue;
		liveRooms()
			.change(workshopId, (doc) => reconcileDoc(facts, doc))
			.then(
				(report) => {
					if (reconcileChanged(report)) log('info', 'matrix.structure', { room, change, ...reconcileLogFields(report) });
				},
				(error: unknown) => log('error', 'matrix.structure.failed', { room, change, error })
			);
	}
}

/**
 * Ends the live connections of these attendance entries in a workshop's room, if it is loaded in
 * this process: `final` after a removal (the client stops retrying), otherwise with a code the
 * client retries, so it reconnects with the rights its corrected entry now gives.
 */
export function closeParticipantConnections(workshopId: number, attendanceIds: number[], opts: { final: boolean; reason?: string }): void {
	if (attendanceIds.length === 0) return;
	const subjects = new Set(attendanceIds.map((id) => `attendance:${id}`));
	// Not `liveRooms()`: with no rooms loaded there is nobody to disconnect.
	const closed = (globalThis as Holder)[KEY]?.closeConnections(
		workshopId,
		(p) => subjects.has(p.subject),
		opts.final ? CLOSE.forbidden : CLOSE.rightsChanged,
		opts.reason ?? (opts.final ? 'attendance entry removed' : 'attendance entry corrected'),
		{ subjects: [...subjects] }
	);
	if (closed) log('info', 'room.participantClosed', { room: roomName(workshopId), connections: closed, final: opts.final });
}

/**
 * Ends an account's live connections in every loaded room, after its session ended (logout,
 * password change), its account was deactivated, or its forum roles changed. `final` when the
 * account may no longer sign in at all; otherwise the client retries and, if it still holds a
 * session, comes back with the rights it has now.
 */
export function closeUserConnections(userId: number, opts: { final: boolean; why: string }): void {
	const subject = `user:${userId}`;
	const closed = (globalThis as Holder)[KEY]?.closeConnectionsEverywhere(
		(p) => p.subject === subject,
		opts.final ? CLOSE.forbidden : CLOSE.rightsChanged,
		opts.why,
		{ subjects: [subject] }
	);
	if (closed) log('info', 'room.userClosed', { subject, connections: closed, why: opts.why });
}

/** Ends every live connection opened with this token, wherever it is (the token was revoked). */
export function closeTokenConnections(tokenId: string): void {
	const closed = (globalThis as Holder)[KEY]?.closeConnectionsEverywhere((p) => p.tokenId === tokenId, CLOSE.unauthenticated, 'token revoked', { tokenId });
	if (closed) log('info', 'room.tokenClosed', { tokenId, connections: closed });
}
