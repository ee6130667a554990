/**
 * The browser's end of a workshop's live document: one Y.Doc kept in IndexedDB (a laptop that
 * loses the hall's Wi-Fi keeps typing, and its edits go out when it reconnects) and synced with
 * the server over y-websocket. Exposes what pages need as rune state.
 *
 * The server decides what this connection may write; the helpers here only keep the UI honest.
 * When the server refuses an update it applies none of it, so the local doc has diverged from
 * everyone else's: we drop the local copy and sync afresh rather than keep building on edits
 * nobody else will ever see.
 */
import { browser } from '$app/environment';
import * as Y from 'yjs';
import { WebsocketProvider, messageAuth, messageAwareness } from 'y-websocket';
import { IndexeddbPersistence } from 'y-indexeddb';
import * as encoding from 'lib0/encoding';
import * as authProtocol from 'y-protocols/auth';
import * as awarenessProtocol from 'y-protocols/awareness';
import { readMatrix, roomName, parseCellKey, type ConsentState, type MatrixSnapshot, type SessionFields } from './matrix-doc';
import {
	DEFAULT_SESSION,
	cellDescription,
	changedCellKeys,
	readSession,
	setAllRowsLocked,
	setCellField,
	setComponentLocked,
	setConsent,
	setRowLocked,
	updateSession,
	type CellScalarValue
} from './matrix-edits';

export type CollabRole = 'moderator' | 'secretariat' | 'representative' | 'viewer';
export type ConnectionStatus = 'connecting' | 'connected' | 'offline';
export type LocalIdentity = { name: string; institutionId: number | null; role: CollabRole };
export type Peer = { clientId: number; name: string; institutionId: string | null; role: CollabRole; color: string; cell: string | null };

export const EMPTY_SNAPSHOT: MatrixSnapshot = { components: [], rows: [], cells: {}, consent: {}, frozen: false, version: 0 };

/** Presence updates at most this often: awareness traffic grows with the square of the room. */
const AWARENESS_INTERVAL_MS = 200;
/** How long a remote change stays in `changedAt`; the projector highlights the last ~8 s. */
const CHANGE_MEMORY_MS = 15_000;
/** A server that keeps refusing must not send us into a reset loop. */
const MIN_RESET_INTERVAL_MS = 10_000;
/** A refusal this soon after one of our writes (or after connecting, when offline edits go out) is about them. */
const REFUSAL_WINDOW_MS = 5_000;

/** Dark enough for white text and for a 3 px outline on white (≥ 4.5:1). */
const PRESENCE_COLOURS = ['#7a1f5c', '#0b5d4b', '#1f4e9c', '#8a4b00', '#5b2a86', '#9c1c1c', '#24584a', '#4d4d00'];

export function presenceColour(seed: number | string | null): string {
	const text = String(seed ?? '');
	let hash = 0;
	for (let i = 0; i < text.length; i++) hash = (hash * 31 + text.charCodeAt(i)) >>> 0;
	return PRESENCE_COLOURS[hash % PRESENCE_COLOURS.length]!;
}

const ROLES: readonly CollabRole[] = ['moderator', 'secretariat', 'representative', 'viewer'];

/** Awareness states come from other browsers: trust nothing about their shape. */
function toPeer(clientId: number, state: Record<string, unknown>): Peer | null {
	const user = state.user as Record<string, unknown> | undefined;
	if (!user || typeof user.name !== 'string') return null;
	const role = ROLES.includes(user.role as CollabRole) ? (user.role as CollabRole) : 'viewer';
	const institutionId = typeof user.institutionId === 'number' || typeof user.institutionId === 'string' ? String(user.institutionId) : null;
	const cell = typeof state.cell === 'string' && parseCellKey(state.cell) ? state.cell : null;
	const color = typeof user.color === 'string' && /^#[0-9a-f]{6}$/i.test(user.color) ? user.color : presenceColour(institutionId ?? clientId);
	return { clientId, name: user.name.slice(0, 80), institutionId, role, color, cell };
}

export class MatrixConnection {
	status = $state<ConnectionStatus>('connecting');
	/** True once the server's state has been received on the current connection. */
	synced = $state(false);
	/** True once the copy kept on this device has been loaded (it may predate any server contact). */
	loaded = $state(false);
	snapshot = $state.raw<MatrixSnapshot>(EMPTY_SNAPSHOT);
	session = $state.raw<SessionFields>(DEFAULT_SESSION);
	peers = $state.raw<Peer[]>([]);
	/** The last reason the server gave for refusing one of our updates. */
	denied = $state.raw<{ reason: string; at: number } | null>(null);
	/** The server closed the connection for good (not allowed into this room). */
	refused = $state(false);
	/** Cell key → epoch ms of the last change that came from someone else. */
	changedAt = $state.raw<Record<string, number>>({});
	doc = $state.raw<Y.Doc | null>(null);

	readonly room: string;
	/** Transaction origin of this browser's own edits. */
	readonly origin = { source: 'mufakat-browser' };

	private provider: WebsocketProvider | null = null;
	private persistence: IndexeddbPersistence | null = null;
	private frame = 0;
	private frameTimer: ReturnType<typeof setTimeout> | null = null;
	private awarenessTimer: ReturnType<typeof setTimeout> | null = null;
	private awarenessSentAt = 0;
	private editingCell: string | null = null;
	private lastReset = 0;
	private lastLocalWrite = 0;
	/** After a refused update: keep showing the last matrix until the fresh copy has synced. */
	private holdUntilSynced = $state(false);
	private lastConnected = 0;
	private destroyed = false;
	private detach: (() => void)[] = [];

	constructor(
		readonly workshopId: number,
		readonly me: LocalIdentity
	) {
		this.room = roomName(workshopId);
	}

	get ready(): boolean {
		return this.synced || this.holdUntilSynced || (this.loaded && this.snapshot.rows.length > 0);
	}

	/** Opens the document; call from onMount. Returns the cleanup. */
	start(): () => void {
		if (!browser || this.destroyed) return () => {};
		this.open();
		// Emulated or brief outages may leave the socket itself open: take the state from the socket.
		const online = () => {
			if (this.provider?.wsconnected) this.status = 'connected';
			this.provider?.connect();
		};
		const offline = () => (this.status = 'offline');
		window.addEventListener('online', online);
		window.addEventListener('offline', offline);
		this.detach.push(() => {
			window.removeEventListener('online', online);
			window.removeEventListener('offline', offline);
		});
		return () => this.destroy();
	}

	destroy(): void {
		if (this.destroyed) return;
		this.destroyed = true;
		for (const off of this.detach.splice(0)) off();
		this.close();
	}

	private open(): void {
		const doc = new Y.Doc();
		if (typeof indexedDB !== 'undefined') {
			const persistence = new IndexeddbPersistence(`mufakat-${this.room}`, doc);
			persistence.whenSynced.then(
				() => {
					if (this.doc !== doc) return;
					this.loaded = true;
					this.scheduleRead();
				},
				() => {}
			);
			// Private windows may refuse IndexedDB; the live connection still works without it.
			persistence._db.catch(() => {});
			this.persistence = persistence;
		} else {
			this.loaded = true;
		}
		const url = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/collab`;
		// disableBc: another tab must not hand us an update the server refused; the server is the
		// only source of shared truth.
		const provider = new WebsocketProvider(url, this.room, doc, { params: {}, disableBc: true });
		provider.messageHandlers[messageAuth] = (_encoder, decoder) => {
			authProtocol.readAuthMessage(decoder, doc, (_doc, reason) => this.onPermissionDenied(reason));
		};
		// The stock provider re-sends every awareness change it hears, other people's presence
		// included; a server that binds presence to its owner refuses those echoes. Send only ours.
		provider.awareness.off('update', provider._awarenessUpdateHandler);
		provider._awarenessUpdateHandler = ({ added, updated, removed }: { added: number[]; updated: number[]; removed: number[] }) => {
			const own = doc.clientID;
			if (![...added, ...updated, ...removed].includes(own)) return;
			const ws = provider.ws;
			if (!provider.wsconnected || !ws || ws.readyState !== WebSocket.OPEN) return;
			const encoder = encoding.createEncoder();
			encoding.writeVarUint(encoder, messageAwareness);
			encoding.writeVarUint8Array(encoder, awarenessProtocol.encodeAwarenessUpdate(provider.awareness, [own]));
			ws.send(encoding.toUint8Array(encoder));
		};
		provider.awareness.on('update', provider._awarenessUpdateHandler);
		provider.on('status', ({ status }) => {
			if (status === 'connected') {
				this.lastConnected = Date.now();
				this.status = 'connected';
				this.refused = false;
			} else if (status === 'disconnected') this.status = 'offline';
			// While retrying after a drop we stay "offline" rather than flicker through "connecting".
		});
		provider.on('connection-close', () => (this.status = provider.wsconnected ? 'connected' : 'offline'));
		provider.on('connection-error', () => {
			if (!provider.wsconnected) this.status = 'offline';
		});
		provider.on('closed', () => {
			this.refused = true;
			this.status = 'offline';
		});
		provider.on('sync', (state) => {
			this.synced = state;
			if (state) {
				this.holdUntilSynced = false;
				this.scheduleRead();
			}
		});

		doc.on('update', (_update: Uint8Array, origin: unknown) => {
			if (origin !== provider && origin !== this.persistence) this.lastLocalWrite = Date.now();
			this.scheduleRead();
		});
		doc.on('afterTransaction', (transaction) => {
			// Only changes that came over the socket after the initial sync count as "someone just
			// wrote here"; the initial state and our own edits do not.
			if (transaction.origin !== provider || !provider.synced || transaction.local) return;
			const keys = changedCellKeys(doc, transaction);
			if (keys.size === 0) return;
			const now = Date.now();
			const next: Record<string, number> = {};
			for (const [key, at] of Object.entries(this.changedAt)) if (now - at < CHANGE_MEMORY_MS) next[key] = at;
			for (const key of keys) next[key] = now;
			this.changedAt = next;
		});

		provider.awareness.setLocalState({
			user: { name: this.me.name, institutionId: this.me.institutionId, role: this.me.role, color: presenceColour(this.me.institutionId ?? this.me.name) },
			cell: this.editingCell
		});
		provider.awareness.on('change', () => this.readPeers());

		this.provider = provider;
		this.doc = doc;
		this.scheduleRead();
	}

	private close(): IndexeddbPersistence | null {
		if (this.frame) cancelAnimationFrame(this.frame);
		if (this.frameTimer) clearTimeout(this.frameTimer);
		if (this.awarenessTimer) clearTimeout(this.awarenessTimer);
		this.frame = 0;
		this.frameTimer = null;
		this.awarenessTimer = null;
		const { provider, persistence, doc } = this;
		// Tell the others we left now, instead of letting them wait 30 s for the state to expire.
		provider?.awareness.setLocalState(null);
		provider?.destroy();
		this.provider = null;
		this.persistence = null;
		doc?.destroy();
		this.doc = null;
		this.synced = false;
		return persistence;
	}

	private onPermissionDenied(reason: string): void {
		const now = Date.now();
		// Refusals not caused by a document write of ours (presence, say) leave the doc as it is.
		if (now - this.lastLocalWrite > REFUSAL_WINDOW_MS && now - this.lastConnected > REFUSAL_WINDOW_MS) return;
		const denied = { reason, at: now };
		this.denied = denied;
		// The notice is about one refused edit; it should not stay on screen for the rest of the day.
		setTimeout(() => {
			if (this.denied === denied) this.denied = null;
		}, 20_000);
		if (this.destroyed || now - this.lastReset < MIN_RESET_INTERVAL_MS) return;
		this.lastReset = now;
		const persistence = this.close();
		this.loaded = false;
		this.holdUntilSynced = true;
		const reopen = () => {
			if (!this.destroyed) this.open();
		};
		if (persistence) persistence.clearData().then(reopen, reopen);
		else reopen();
	}

	private scheduleRead(): void {
		if (this.frame || this.frameTimer) return;
		const run = () => {
			if (this.frame) cancelAnimationFrame(this.frame);
			if (this.frameTimer) clearTimeout(this.frameTimer);
			this.frame = 0;
			this.frameTimer = null;
			const doc = this.doc;
			if (!doc || (this.holdUntilSynced && !this.synced)) return;
			this.snapshot = readMatrix(doc);
			this.session = readSession(doc);
		};
		// One read per frame however many updates arrive; the timer covers background tabs,
		// where animation frames stop (a projector window behind the moderator's page).
		this.frame = requestAnimationFrame(run);
		this.frameTimer = setTimeout(run, 250);
	}

	private readPeers(): void {
		const provider = this.provider;
		if (!provider) return;
		const own = provider.doc.clientID;
		const peers: Peer[] = [];
		for (const [clientId, state] of provider.awareness.getStates()) {
			if (clientId === own) continue;
			const peer = toPeer(clientId, state);
			if (peer) peers.push(peer);
		}
		this.peers = peers;
	}

	/** Tells the others which cell this person is editing (null: none). Throttled. */
	setEditingCell(key: string | null): void {
		this.editingCell = key;
		if (this.awarenessTimer) return;
		const send = () => {
			this.awarenessTimer = null;
			this.awarenessSentAt = Date.now();
			this.provider?.awareness.setLocalStateField('cell', this.editingCell);
		};
		const wait = AWARENESS_INTERVAL_MS - (Date.now() - this.awarenessSentAt);
		if (wait <= 0) send();
		else this.awarenessTimer = setTimeout(send, wait);
	}

	/** Whether the UI should offer editing of this cell; the server checks again. */
	canEditCell(key: string): boolean {
		if (this.me.role !== 'representative' || this.me.institutionId === null) return false;
		const parsed = parseCellKey(key);
		if (!parsed || parsed.institutionId !== String(this.me.institutionId)) return false;
		const m = this.snapshot;
		if (m.frozen) return false;
		if (m.rows.find((r) => r.id === parsed.institutionId)?.locked) return false;
		if (m.components.find((c) => c.id === parsed.componentId)?.locked) return false;
		return key in m.cells;
	}

	get isModerator(): boolean {
		return this.me.role === 'moderator';
	}

	descriptionOf(key: string): Y.Text | null {
		return this.doc ? cellDescription(this.doc, key) : null;
	}

	setField<K extends keyof CellScalarValue>(key: string, field: K, value: CellScalarValue[K]): boolean {
		return this.doc ? setCellField(this.doc, key, field, value, this.origin) : false;
	}

	setConsent(target: string, state: ConsentState): boolean {
		if (!this.doc || this.me.institutionId === null) return false;
		return setConsent(this.doc, String(this.me.institutionId), target, state, this.origin);
	}

	updateSession(patch: Partial<SessionFields>): void {
		if (this.doc && this.isModerator) updateSession(this.doc, patch, this.origin);
	}

	setRowLocked(institutionId: string, locked: boolean): void {
		if (this.doc && this.isModerator) setRowLocked(this.doc, institutionId, locked, this.origin);
	}

	setComponentLocked(componentId: string, locked: boolean): void {
		if (this.doc && this.isModerator) setComponentLocked(this.doc, componentId, locked, this.origin);
	}

	setAllRowsLocked(locked: boolean): void {
		if (this.doc && this.isModerator) setAllRowsLocked(this.doc, locked, this.origin);
	}
}

/**
 * One live connection for a page: opened in the browser only (effects never run on the server),
 * reopened only when the workshop or the identity really changes, not whenever page data reloads.
 */
export function connectMatrix(args: () => { workshopId: number; me: LocalIdentity } | null): { readonly current: MatrixConnection | null } {
	let current = $state.raw<MatrixConnection | null>(null);
	const key = $derived.by(() => {
		const a = args();
		return a ? JSON.stringify([a.workshopId, a.me.name, a.me.institutionId, a.me.role]) : null;
	});
	$effect(() => {
		if (!key) return;
		const [workshopId, name, institutionId, role] = JSON.parse(key) as [number, string, number | null, CollabRole];
		const conn = new MatrixConnection(workshopId, { name, institutionId, role });
		current = conn;
		const stop = conn.start();
		return () => {
			stop();
			if (current === conn) current = null;
		};
	});
	return {
		get current() {
			return current;
		}
	};
}
