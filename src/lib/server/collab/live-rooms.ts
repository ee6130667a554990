/**
 * What the rest of the server asks of the live rooms, whichever way they run: in this process
 * alone (`RoomManager`), or shared by several instances through Redis (`ClusterRooms`).
 */
import type * as Y from 'yjs';
import { log } from '../log';
import type { Principal } from './principal';
import { CLOSE, type Connection, type Room, type RoomManager } from './rooms';

/** Which connections to close, as data: the principals' subjects, or the token they came with. */
export type ConnectionMatch = { subjects: string[] } | { tokenId: string };

export function matchesConnection(match: ConnectionMatch, principal: Principal): boolean {
	return 'subjects' in match ? match.subjects.includes(principal.subject) : principal.tokenId === match.tokenId;
}

/** A live socket as seen by the WebSocket layer: frames in, and leaving. */
export interface LiveSocket {
	readonly roomName: string;
	/** Handles one frame (kept in order while the room loads). Throws on a malformed one: the caller closes the socket. */
	receive(data: Uint8Array): void;
	leave(): void;
}

export interface LiveRooms {
	/** Serves a socket in a workshop's room. */
	open(workshopId: number, conn: Connection): LiveSocket;
	/** A server change on the live document; resolves once it is durable (rejects if it could not be stored). */
	change<T>(workshopId: number, fn: (doc: Y.Doc) => T): Promise<T>;
	/** Reads the live document (or, where another instance serves it, its durable state). */
	read<T>(workshopId: number, fn: (doc: Y.Doc) => T): Promise<T>;
	/** Whether this process has the room in memory now. */
	isLoaded(workshopId: number): boolean;
	/**
	 * Closes the connections of a room whose principal matches. `described` says the same as `match`
	 * in a form other instances can be told: with several instances, their sockets are closed too.
	 */
	closeConnections(workshopId: number, match: (principal: Principal) => boolean, code: number, reason: string, described?: ConnectionMatch): number;
	/** `closeConnections` in every room. */
	closeConnectionsEverywhere(match: (principal: Principal) => boolean, code: number, reason: string, described?: ConnectionMatch): number;
	/** Graceful shutdown. */
	closeAll(): Promise<void>;
}

/** One process serving every room itself: the embedded default, exactly as before. */
export function singleInstanceRooms(manager: RoomManager): LiveRooms {
	return {
		open(workshopId, conn) {
			const name = `workshop-${workshopId}`;
			// The room may still be loading (from the database): what the client sends meanwhile waits, in order.
			let room: Room | null = null;
			let early: Uint8Array[] | null = [];
			let left = false;
			manager.connect(workshopId, conn).then(
				(loaded) => {
					room = loaded;
					if (left) return manager.disconnect(loaded, conn);
					const waiting = early ?? [];
					early = null;
					for (const message of waiting) {
						try {
							loaded.receive(conn, message);
						} catch (error) {
							log('warn', 'socket.malformed', { room: name, subject: conn.principal.subject, error });
							conn.close(CLOSE.malformed, 'malformed message');
							return;
						}
					}
				},
				(error: unknown) => {
					log('error', 'room.load.failed', { room: name, error });
					// Retryable: the client reconnects by itself and keeps its edits meanwhile.
					conn.close(CLOSE.slowConsumer, 'room unavailable');
				}
			);
			return {
				roomName: name,
				receive: (data) => {
					if (early) early.push(data);
					else room?.receive(conn, data);
				},
				leave: () => {
					left = true;
					if (room) manager.disconnect(room, conn);
				}
			};
		},
		change: (workshopId, fn) => manager.change(workshopId, fn),
		read: (workshopId, fn) => manager.read(workshopId, fn),
		isLoaded: (workshopId) => manager.rooms.has(workshopId),
		closeConnections: (workshopId, match, code, reason) => manager.closeConnections(workshopId, match, code, reason),
		closeConnectionsEverywhere: (match, code, reason) => manager.closeConnectionsEverywhere(match, code, reason),
		closeAll: () => manager.closeAll()
	};
}
