/**
 * One headless participant's link to a live-document server: a light client written for the
 * benchmark, the same code for every server, speaking either y-websocket's wire protocol (our
 * server, the reference server) or Hocuspocus's (each message prefixed with the document name, plus
 * its own authentication handshake). Each participant has its own Y.Doc, Awareness and socket, like
 * a laptop in the hall; nothing is shared inside a worker process.
 *
 * What it does, for both protocols alike:
 * - opens a `ws` WebSocket (default options, so it offers permessage-deflate as a browser does);
 *   Hocuspocus first gets the token in its auth message (Token, then the provider version);
 * - sends sync step 1 and its own presence; answers the server's sync step 1 with step 2;
 *   counts as synced on the first sync step 2 from the server on each connection;
 * - sends every local Y.Doc change as an update, and its own presence whenever it changes
 *   (y-protocols' Awareness renews it every 15 s by itself);
 * - hands every document payload (sync step 2 or update) to `onDocument` before applying it, which
 *   may keep it from the Y.Doc (a listening reader notes the edits in it instead);
 * - does not apply other clients' presence (the server's work is the same whatever a client does
 *   with what it receives; applying N presences per message would only load the clients);
 * - answers Hocuspocus's application ping and query-awareness requests; ignores Hocuspocus's
 *   per-update acknowledgements (SyncStatus) and stateless messages;
 * - counts the server's refusals (auth message "permission denied", with its reason);
 * - reconnects after a dropped connection with y-websocket's back-off (100 ms doubling up to
 *   2.5 s), except after a close code 4400–4499, which y-websocket treats as final.
 */
import { readFileSync } from 'node:fs';
import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';
import * as awarenessProtocol from 'y-protocols/awareness';
import * as Y from 'yjs';
import WebSocket from 'ws';
import type { ClientProtocol } from './protocol';

export type LiveConnection = {
	/** Settles after the first full exchange of document state with the server. */
	synced: Promise<void>;
	/** Settles once the current (or next) connection has received the server's sync step 2. */
	whenSynced(): Promise<void>;
	/** Established connections that dropped without being asked to (reconnects are automatic). */
	disconnects(): number;
	/** The last close code and reason the server sent, for diagnosing a refused or dropped socket. */
	lastClose(): string;
	/** Reasons the server gave for refusing this client's updates, in order. */
	refusals(): string[];
	/** Closes the socket and stays offline (local edits accumulate in the Y.Doc) until `reconnect()`. */
	goOffline(): Promise<void>;
	/** Opens a new connection; the handshake sends what the server lacks. */
	reconnect(): void;
	destroy(): void;
};

/**
 * Sees each document payload from the server (the Yjs update inside a sync step 2 or update
 * message) before it is applied; returns false to keep it from the Y.Doc.
 */
export type DocumentTap = (payload: Uint8Array, kind: 'sync-step-2' | 'update') => boolean;

export type ConnectOptions = {
	url: string;
	room: string;
	doc: Y.Doc;
	awareness: awarenessProtocol.Awareness;
	token: string;
	onDocument?: DocumentTap;
};

/** Message types both protocols share (Hocuspocus adds its own above 3). */
const MESSAGE_SYNC = 0;
const MESSAGE_AWARENESS = 1;
const MESSAGE_AUTH = 2;
const MESSAGE_QUERY_AWARENESS = 3;
/** Hocuspocus only. */
const HP_SYNC_STATUS = 8;
const HP_PING = 9;
const HP_PONG = 10;
/** y-protocols sync sub-types. */
const SYNC_STEP_1 = 0;
const SYNC_STEP_2 = 1;
const SYNC_UPDATE = 2;
/** y-protocols auth: the one sub-type, "permission denied". */
const YWS_PERMISSION_DENIED = 0;
/** @hocuspocus/common AuthMessageType. */
const HP_AUTH_TOKEN = 0;
const HP_PERMISSION_DENIED = 1;

const MAX_BACKOFF_MS = 2500;
const isFinalClose = (code: number) => code >= 4400 && code < 4500;

/** Origin of changes applied from the server, so they are not sent back. */
const REMOTE = Symbol('from the server');

/**
 * The provider version Hocuspocus's auth message carries (the server only records it): that of
 * the installed @hocuspocus/provider, whose package does not export its package.json.
 */
const HOCUSPOCUS_PROVIDER_VERSION = (() => {
	try {
		const path = new URL('../../node_modules/@hocuspocus/provider/package.json', import.meta.url);
		return (JSON.parse(readFileSync(path, 'utf8')) as { version: string }).version;
	} catch {
		return 'unknown';
	}
})();

export function connect(protocol: ClientProtocol, options: ConnectOptions): LiveConnection {
	return new LightClient(protocol, options).link();
}

class LightClient {
	private socket: WebSocket | null = null;
	private online = true;
	private destroyed = false;
	private attempts = 0;
	private retryTimer: NodeJS.Timeout | null = null;
	private disconnectCount = 0;
	private lastCloseText = 'none';
	private readonly refusalReasons: string[] = [];
	private syncedOnThisConnection = false;
	private syncWaiters: (() => void)[] = [];
	private readonly firstSync: Promise<void>;
	/** Hocuspocus: every message of the room starts with the document name. */
	private readonly prefix: Uint8Array;

	constructor(
		private readonly protocol: ClientProtocol,
		private readonly options: ConnectOptions
	) {
		const encoder = encoding.createEncoder();
		if (protocol === 'hocuspocus') encoding.writeVarString(encoder, options.room);
		this.prefix = encoding.toUint8Array(encoder);
		this.firstSync = new Promise((resolve) => this.syncWaiters.push(resolve));
		options.doc.on('update', this.onLocalUpdate);
		options.awareness.on('update', this.onPresence);
		this.open();
	}

	link(): LiveConnection {
		return {
			synced: this.firstSync,
			whenSynced: () => (this.syncedOnThisConnection ? Promise.resolve() : new Promise((resolve) => this.syncWaiters.push(resolve))),
			disconnects: () => this.disconnectCount,
			lastClose: () => this.lastCloseText,
			refusals: () => this.refusalReasons,
			goOffline: () => this.goOffline(),
			reconnect: () => {
				if (this.destroyed || this.online) return;
				this.online = true;
				this.attempts = 0;
				this.open();
			},
			destroy: () => this.destroy()
		};
	}

	private url(): string {
		const { url, room, token } = this.options;
		// y-websocket puts the room in the path and parameters in the query; Hocuspocus sends both in messages.
		return this.protocol === 'y-websocket' ? `${url}/${room}?${new URLSearchParams({ token })}` : url;
	}

	private open() {
		const socket = new WebSocket(this.url());
		this.socket = socket;
		this.syncedOnThisConnection = false;
		socket.binaryType = 'nodebuffer';
		socket.on('open', () => {
			this.attempts = 0;
			if (this.protocol === 'hocuspocus') {
				this.send(MESSAGE_AUTH, (e) => {
					encoding.writeVarUint(e, HP_AUTH_TOKEN);
					encoding.writeVarString(e, this.options.token);
					encoding.writeVarString(e, HOCUSPOCUS_PROVIDER_VERSION);
				});
			}
			this.send(MESSAGE_SYNC, (e) => {
				encoding.writeVarUint(e, SYNC_STEP_1);
				encoding.writeVarUint8Array(e, Y.encodeStateVector(this.options.doc));
			});
			if (this.options.awareness.getLocalState() !== null) this.sendPresence();
		});
		socket.on('message', (data: Buffer) => this.receive(new Uint8Array(data.buffer, data.byteOffset, data.byteLength)));
		socket.on('close', (code: number, reason: Buffer) => {
			if (this.socket !== socket) return;
			this.socket = null;
			this.lastCloseText = `${code} ${reason.toString()}`.trim();
			const wasSynced = this.syncedOnThisConnection;
			this.syncedOnThisConnection = false;
			if (this.destroyed || !this.online) return;
			if (wasSynced) this.disconnectCount++;
			if (isFinalClose(code)) return;
			const wait = Math.min(2 ** this.attempts * 100, MAX_BACKOFF_MS);
			this.attempts++;
			this.retryTimer = setTimeout(() => {
				this.retryTimer = null;
				if (!this.destroyed && this.online) this.open();
			}, wait);
		});
		// A failed connection also emits 'close', which schedules the retry.
		socket.on('error', () => {});
	}

	/** Frames one message: the document name for Hocuspocus, the type, then what `write` adds. */
	private send(type: number, write: (encoder: encoding.Encoder) => void): void {
		const socket = this.socket;
		if (!socket || socket.readyState !== WebSocket.OPEN) return;
		const encoder = encoding.createEncoder();
		encoding.writeUint8Array(encoder, this.prefix);
		encoding.writeVarUint(encoder, type);
		write(encoder);
		socket.send(encoding.toUint8Array(encoder));
	}

	private sendPresence() {
		const { awareness, doc } = this.options;
		this.send(MESSAGE_AWARENESS, (e) => encoding.writeVarUint8Array(e, awarenessProtocol.encodeAwarenessUpdate(awareness, [doc.clientID])));
	}

	private readonly onLocalUpdate = (update: Uint8Array, origin: unknown) => {
		if (origin === REMOTE) return;
		this.send(MESSAGE_SYNC, (e) => {
			encoding.writeVarUint(e, SYNC_UPDATE);
			encoding.writeVarUint8Array(e, update);
		});
	};

	/** Only this client's own presence ever changes here: remote presence is never applied. */
	private readonly onPresence = ({ added, updated, removed }: { added: number[]; updated: number[]; removed: number[] }) => {
		const own = this.options.doc.clientID;
		if (added.includes(own) || updated.includes(own) || removed.includes(own)) this.sendPresence();
	};

	private receive(message: Uint8Array) {
		// Hocuspocus's connection-level ping is one byte with no document name.
		if (this.protocol === 'hocuspocus' && message.length === 1 && message[0] === HP_PING) {
			this.socket?.send(Uint8Array.of(HP_PONG));
			return;
		}
		const decoder = decoding.createDecoder(message);
		try {
			if (this.protocol === 'hocuspocus') decoding.readVarString(decoder);
			switch (decoding.readVarUint(decoder)) {
				case MESSAGE_SYNC:
					return this.receiveSync(decoder);
				case MESSAGE_AUTH:
					return this.receiveAuth(decoder);
				case MESSAGE_QUERY_AWARENESS:
					return this.sendPresence();
				case MESSAGE_AWARENESS:
				case HP_SYNC_STATUS:
				default:
					return;
			}
		} catch (error) {
			// A message this client cannot read: note it like a refusal, so that it shows in the report.
			this.refusalReasons.push(`unreadable message from the server: ${error instanceof Error ? error.message : String(error)}`);
		}
	}

	private receiveSync(decoder: decoding.Decoder) {
		const { doc, onDocument } = this.options;
		const kind = decoding.readVarUint(decoder);
		const payload = decoding.readVarUint8Array(decoder);
		if (kind === SYNC_STEP_1) {
			this.send(MESSAGE_SYNC, (e) => {
				encoding.writeVarUint(e, SYNC_STEP_2);
				encoding.writeVarUint8Array(e, Y.encodeStateAsUpdate(doc, payload));
			});
			return;
		}
		if (kind !== SYNC_STEP_2 && kind !== SYNC_UPDATE) return;
		if (!onDocument || onDocument(payload, kind === SYNC_STEP_2 ? 'sync-step-2' : 'update')) Y.applyUpdate(doc, payload, REMOTE);
		if (kind === SYNC_STEP_2 && !this.syncedOnThisConnection) {
			this.syncedOnThisConnection = true;
			const waiters = this.syncWaiters;
			this.syncWaiters = [];
			for (const resolve of waiters) resolve();
		}
	}

	private receiveAuth(decoder: decoding.Decoder) {
		const kind = decoding.readVarUint(decoder);
		if (this.protocol === 'y-websocket') {
			if (kind === YWS_PERMISSION_DENIED) this.refusalReasons.push(decoding.readVarString(decoder));
			return;
		}
		// Authenticated (2) needs nothing: the sync step 1 sent after the token is answered next.
		if (kind === HP_PERMISSION_DENIED) this.refusalReasons.push(decoding.readVarString(decoder));
		else if (kind === HP_AUTH_TOKEN)
			// The server asks for the token again.
			this.send(MESSAGE_AUTH, (e) => {
				encoding.writeVarUint(e, HP_AUTH_TOKEN);
				encoding.writeVarString(e, this.options.token);
			});
	}

	private goOffline(): Promise<void> {
		this.online = false;
		if (this.retryTimer) clearTimeout(this.retryTimer);
		this.retryTimer = null;
		const socket = this.socket;
		this.socket = null;
		this.syncedOnThisConnection = false;
		if (!socket || socket.readyState === WebSocket.CLOSED) return Promise.resolve();
		return new Promise((resolve) => {
			socket.once('close', () => resolve());
			socket.close();
		});
	}

	private destroy() {
		this.destroyed = true;
		if (this.retryTimer) clearTimeout(this.retryTimer);
		this.options.doc.off('update', this.onLocalUpdate);
		this.options.awareness.off('update', this.onPresence);
		this.options.awareness.destroy();
		const socket = this.socket;
		this.socket = null;
		if (socket && socket.readyState !== WebSocket.CLOSED) socket.close();
	}
}
