/** The y-websocket wire protocol: y-protocols sync and awareness, plus the auth message. */
import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';
import * as awarenessProtocol from 'y-protocols/awareness';
import * as authProtocol from 'y-protocols/auth';
import * as syncProtocol from 'y-protocols/sync';
import * as Y from 'yjs';

export const MESSAGE_SYNC = 0;
export const MESSAGE_AWARENESS = 1;
export const MESSAGE_AUTH = 2;
export const MESSAGE_QUERY_AWARENESS = 3;

export function syncStep1Message(doc: Y.Doc): Uint8Array {
	const encoder = encoding.createEncoder();
	encoding.writeVarUint(encoder, MESSAGE_SYNC);
	syncProtocol.writeSyncStep1(encoder, doc);
	return encoding.toUint8Array(encoder);
}

export function syncStep2Message(doc: Y.Doc, stateVector: Uint8Array): Uint8Array {
	const encoder = encoding.createEncoder();
	encoding.writeVarUint(encoder, MESSAGE_SYNC);
	syncProtocol.writeSyncStep2(encoder, doc, stateVector);
	return encoding.toUint8Array(encoder);
}

export function updateMessage(update: Uint8Array): Uint8Array {
	const encoder = encoding.createEncoder();
	encoding.writeVarUint(encoder, MESSAGE_SYNC);
	syncProtocol.writeUpdate(encoder, update);
	return encoding.toUint8Array(encoder);
}

export function awarenessMessage(update: Uint8Array): Uint8Array {
	const encoder = encoding.createEncoder();
	encoding.writeVarUint(encoder, MESSAGE_AWARENESS);
	encoding.writeVarUint8Array(encoder, update);
	return encoding.toUint8Array(encoder);
}

export function permissionDeniedMessage(reason: string): Uint8Array {
	const encoder = encoding.createEncoder();
	encoding.writeVarUint(encoder, MESSAGE_AUTH);
	authProtocol.writePermissionDenied(encoder, reason);
	return encoding.toUint8Array(encoder);
}

export type IncomingMessage =
	| { kind: 'sync-step-1'; stateVector: Uint8Array }
	| { kind: 'update'; update: Uint8Array }
	| { kind: 'awareness'; update: Uint8Array }
	| { kind: 'query-awareness' };

/** Parses one frame; throws on anything malformed (the caller closes the socket). */
export function parseMessage(data: Uint8Array): IncomingMessage {
	const decoder = decoding.createDecoder(data);
	const type = decoding.readVarUint(decoder);
	switch (type) {
		case MESSAGE_SYNC: {
			const sub = decoding.readVarUint(decoder);
			const payload = decoding.readVarUint8Array(decoder);
			if (sub === syncProtocol.messageYjsSyncStep1) return { kind: 'sync-step-1', stateVector: payload };
			if (sub === syncProtocol.messageYjsSyncStep2 || sub === syncProtocol.messageYjsUpdate) return { kind: 'update', update: payload };
			throw new Error(`unknown sync message ${sub}`);
		}
		case MESSAGE_AWARENESS:
			return { kind: 'awareness', update: decoding.readVarUint8Array(decoder) };
		case MESSAGE_QUERY_AWARENESS:
			return { kind: 'query-awareness' };
		default:
			throw new Error(`unknown message type ${type}`);
	}
}

/** The client ids an awareness update speaks for (validates the framing on the way). */
export function awarenessClients(update: Uint8Array): number[] {
	const decoder = decoding.createDecoder(update);
	const count = decoding.readVarUint(decoder);
	if (count > 64) throw new Error('too many awareness states in one message');
	const clients: number[] = [];
	for (let i = 0; i < count; i++) {
		clients.push(decoding.readVarUint(decoder));
		decoding.readVarUint(decoder); // clock
		const state = decoding.readVarString(decoder);
		if (state.length > 4096) throw new Error('awareness state too large');
		JSON.parse(state);
	}
	return clients;
}

/**
 * The same awareness update with only the entries `keep` accepts. Standard clients forward the
 * presence they hear from others; those entries are dropped, not treated as forgery.
 */
export function filterAwarenessUpdate(update: Uint8Array, keep: (client: number) => boolean): Uint8Array | null {
	const decoder = decoding.createDecoder(update);
	const count = decoding.readVarUint(decoder);
	const entries: { client: number; clock: number; state: string }[] = [];
	for (let i = 0; i < count; i++) {
		const client = decoding.readVarUint(decoder);
		const clock = decoding.readVarUint(decoder);
		const state = decoding.readVarString(decoder);
		if (keep(client)) entries.push({ client, clock, state });
	}
	if (entries.length === count) return update;
	if (entries.length === 0) return null;
	const encoder = encoding.createEncoder();
	encoding.writeVarUint(encoder, entries.length);
	for (const e of entries) {
		encoding.writeVarUint(encoder, e.client);
		encoding.writeVarUint(encoder, e.clock);
		encoding.writeVarString(encoder, e.state);
	}
	return encoding.toUint8Array(encoder);
}

export { awarenessProtocol };
