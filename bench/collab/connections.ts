/**
 * One headless participant's link to a live-document server, behind one small interface so the
 * worker drives our server and both peers the same way. Each participant has its own Y.Doc,
 * Awareness and socket, like a laptop in the hall; nothing is shared inside a worker process.
 */
import { HocuspocusProvider, HocuspocusProviderWebsocket } from '@hocuspocus/provider';
import * as decoding from 'lib0/decoding';
import { WebsocketProvider } from 'y-websocket';
import type { Awareness } from 'y-protocols/awareness';
import { messageYjsUpdate } from 'y-protocols/sync';
import type * as Y from 'yjs';
import WebSocket from 'ws';
import type { ClientProtocol } from './protocol';

export type LiveConnection = {
	/** Settles after the first full exchange of document state with the server. */
	synced: Promise<void>;
	/** Established connections that dropped so far (reconnects are automatic). */
	disconnects(): number;
	/** The last close code and reason the server sent, for diagnosing a refused or dropped socket. */
	lastClose(): string;
	destroy(): void;
};

/** What y-protocols' Awareness reports with each `update` event. */
type PresenceChanges = { added: number[]; updated: number[]; removed: number[] };

/** Sees each message from the server before the provider does; returns false to keep it from the provider. */
export type MessageTap = (message: Uint8Array) => boolean;

export type ConnectOptions = { url: string; room: string; doc: Y.Doc; awareness: Awareness; token: string; tap?: MessageTap };

export function connect(protocol: ClientProtocol, options: ConnectOptions): LiveConnection {
	return protocol === 'y-websocket' ? connectYWebsocket(options) : connectHocuspocus(options);
}

/** Both protocols number the sync message 0; Hocuspocus puts the document name before the type. */
const MESSAGE_SYNC = 0;

/** Whether a message from the server carries a document update (a sync message of the update kind). */
export function carriesDocumentUpdate(protocol: ClientProtocol, message: Uint8Array): boolean {
	try {
		const decoder = decoding.createDecoder(message);
		if (protocol === 'hocuspocus') decoding.readVarString(decoder);
		return decoding.readVarUint(decoder) === MESSAGE_SYNC && decoding.readVarUint(decoder) === messageYjsUpdate;
	} catch {
		// Too short to be one, like Hocuspocus's one-byte ping.
		return false;
	}
}

/** `ws`'s WebSocket, except that every incoming message goes past `tap` first. */
function tappedWebSocket(tap: MessageTap): typeof WebSocket {
	return class TappedWebSocket extends WebSocket {
		override emit(event: string | symbol, ...args: unknown[]): boolean {
			if (event === 'message') {
				const [data] = args;
				const bytes = data instanceof ArrayBuffer ? new Uint8Array(data) : Array.isArray(data) ? Buffer.concat(data) : (data as Buffer);
				if (!tap(bytes)) return false;
			}
			return super.emit(event, ...args);
		}
	};
}

function connectYWebsocket({ url, room, doc, awareness, token, tap }: ConnectOptions): LiveConnection {
	const provider = new WebsocketProvider(url, room, doc, {
		awareness,
		params: { token },
		// Node 20 has no global WebSocket; `ws` implements the browser interface y-websocket uses.
		WebSocketPolyfill: (tap ? tappedWebSocket(tap) : WebSocket) as unknown as typeof globalThis.WebSocket,
		// In Node, lib0's BroadcastChannel links every provider of a room inside this process: edits
		// would reach the worker's other clients without passing through the server under test.
		disableBc: true
	});
	// Send only this client's own presence, as the app's client does (src/lib/collab/client.svelte.ts).
	// The stock provider re-sends every presence change it hears, so each change would come back
	// from every client in the room: N² messages that our server refuses one by one, and a heavier
	// load than the Hocuspocus run gets, whose provider never echoes what the server sent it.
	const forwardPresence = provider._awarenessUpdateHandler;
	const own = doc.clientID;
	awareness.off('update', forwardPresence);
	provider._awarenessUpdateHandler = ({ added, updated, removed }: PresenceChanges, origin: unknown) => {
		if ([...added, ...updated, ...removed].includes(own)) forwardPresence({ added: [], updated: [own], removed: [] }, origin);
	};
	awareness.on('update', provider._awarenessUpdateHandler);
	let disconnects = 0;
	let lastClose = 'none';
	provider.on('status', ({ status }) => {
		if (status === 'disconnected') disconnects++;
	});
	provider.on('connection-close', (event) => {
		if (event) lastClose = `${event.code} ${event.reason}`.trim();
	});
	const synced = new Promise<void>((resolve) => {
		const onSync = (isSynced: boolean) => {
			if (!isSynced) return;
			provider.off('sync', onSync);
			resolve();
		};
		provider.on('sync', onSync);
	});
	return { synced, disconnects: () => disconnects, lastClose: () => lastClose, destroy: () => provider.destroy() };
}

function connectHocuspocus({ url, room, doc, awareness, token, tap }: ConnectOptions): LiveConnection {
	let disconnects = 0;
	let lastClose = 'none';
	let markSynced = () => {};
	const synced = new Promise<void>((resolve) => (markSynced = resolve));
	// One socket per participant, as separate browsers would have; the provider's `url` shortcut
	// would not take a WebSocket implementation.
	const socket = new HocuspocusProviderWebsocket({ url, WebSocketPolyfill: tap ? tappedWebSocket(tap) : WebSocket });
	const provider = new HocuspocusProvider({
		websocketProvider: socket,
		name: room,
		document: doc,
		awareness,
		token,
		onSynced: ({ state }) => {
			if (state) markSynced();
		},
		onDisconnect: () => disconnects++,
		onClose: ({ event }) => (lastClose = `${event.code} ${event.reason}`.trim())
	});
	// On every presence message the provider copies all N presence states into a new array, only
	// to hand it to onAwarenessUpdate/onAwarenessChange callbacks, which nothing here uses. A browser
	// pays that on its own CPU; 500 clients sharing two cores with the server would spend most of
	// their time on it. Keep only the listener that sends this client's presence.
	for (const event of ['update', 'change'])
		for (const listener of [...(awareness._observers.get(event) ?? [])])
			if (listener !== provider.boundAwarenessUpdateHandler) awareness.off(event, listener);
	// A provider on a shared socket only joins once attached.
	provider.attach();
	return {
		synced,
		disconnects: () => disconnects,
		lastClose: () => lastClose,
		destroy: () => {
			provider.destroy();
			socket.destroy();
		}
	};
}
