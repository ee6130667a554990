/**
 * The browser's end of a workshop's live document: one Y.Doc kept in IndexedDB (a laptop that
 * loses the hall's Wi-Fi keeps typing, and its edits go out when it reconnects) and synced with
 * the server over y-websocket. Exposes what pages need as rune state.
 *
 * The server decides what this connection may write; the helpers here only keep the UI honest.
 * When the server refuses an update it applies none of it, so the local doc has diverged from
 * everyone else's: we sync a fresh doc rather than keep building on edits nobody else will ever
 * see. What the person wrote in their own row and the server lacks is kept first, as unsaved
 * edits in a store of its own, and only then is the device's copy of the old doc deleted.
 */
import { browser } from '$app/environment';
import * as Y from 'yjs';
import { WebsocketProvider, messageAuth, messageAwareness } from 'y-websocket';
import { IndexeddbPersistence, clearDocument } from 'y-indexeddb';
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
import { decodeRefusal, type Refusal } from './refusals';
import {
	applyUnsavedEdit,
	canRetry,
	collectUnsavedEdits,
	restoreConsent,
	hasLanded,
	mergeUnsavedEdits,
	shouldReapplyAutomatically,
	type UnsavedEdit
} from './unsaved-edits';
import { loadUnsavedEdits, saveUnsavedEdits } from './unsaved-store';

export type CollabRole = 'moderator' | 'secretariat' | 'representative' | 'viewer';
/** `reconnecting`: the server asked us to come back later (it was busy or we fell behind). */
export type ConnectionStatus = 'connecting' | 'connected' | 'offline' | 'reconnecting';
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
/**
 * Close codes meaning "come back later": 1013 from the server that drops a socket fallen too far
 * behind; 4408 from older servers, which y-websocket would otherwise take as final.
 */
const RETRY_CLOSE_CODES: ReadonlySet<number> = new Set([1013, 4408]);
const reconnectAfterClose = (event: CloseEvent) => RETRY_CLOSE_CODES.has(event.code) || !(event.code >= 4400 && event.code < 4500);

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
	/** Why the server refused the last of our updates that made us resynchronise. */
	denied = $state.raw<{ refusal: Refusal; at: number } | null>(null);
	/** Words the server refused, kept on this device until they land or the person discards them. */
	unsavedEdits = $state.raw<UnsavedEdit[]>([]);
	/** Between a refusal and the fresh copy's first sync: nothing may be edited meanwhile. */
	resyncing = $state(false);
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
	private serverAskedRetry = false;
	private resetTimer: ReturnType<typeof setTimeout> | null = null;
	/** The refused doc, kept in memory until its unsaved words are stored. */
	private pendingResync: {
		oldDoc: Y.Doc;
		/** The device's copy of the old doc, closed but still there. */
		oldCopy: { name: string; closed: Promise<void> } | null;
		refusal: Refusal;
		freshDoc: Y.Doc;
		finishing: boolean;
	} | null = null;
	/** Every read or write of the unsaved-edits store runs after the previous one, loading first. */
	private unsavedQueue: Promise<unknown> = Promise.resolve();
	private canStoreUnsaved = false;
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
		if (typeof indexedDB !== 'undefined') {
			this.unsavedQueue = loadUnsavedEdits(this.room).then(
				(stored) => {
					this.canStoreUnsaved = true;
					this.unsavedEdits = mergeUnsavedEdits(stored, this.unsavedEdits);
				},
				(error: unknown) => console.warn('Mufakat: unsaved edits cannot be stored on this device', error)
			);
		}
		this.open(true);
		// Emulated or brief outages may leave the socket itself open: take the state from the socket.
		const online = () => {
			if (this.provider?.wsconnected) this.status = 'connected';
			this.provider?.connect();
		};
		const offline = () => {
			this.serverAskedRetry = false;
			this.status = 'offline';
		};
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
		if (this.resetTimer) clearTimeout(this.resetTimer);
		// The device's copy of a refused doc stays: the next visit resyncs and keeps its words then.
		this.pendingResync?.oldDoc.destroy();
		this.pendingResync = null;
		this.close().doc?.destroy();
	}

	/** Keeps `doc` in this device's IndexedDB copy; resolves once that copy holds it. */
	private persist(doc: Y.Doc): Promise<void> {
		if (typeof indexedDB === 'undefined') {
			this.loaded = true;
			return Promise.resolve();
		}
		const persistence = new IndexeddbPersistence(`mufakat-${this.room}`, doc);
		this.persistence = persistence;
		// Private windows may refuse IndexedDB; the live connection still works without it.
		persistence._db.catch((error: unknown) => console.warn('Mufakat: no offline copy on this device', error));
		return persistence.whenSynced.then(() => {
			if (this.doc !== doc) return;
			this.loaded = true;
			this.scheduleRead();
		});
	}

	/** `withCopy`: load and keep the device's copy; false while resyncing, until the refused words are stored. */
	private open(withCopy: boolean): void {
		const doc = new Y.Doc();
		if (withCopy) void this.persist(doc);
		const url = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/collab`;
		// disableBc: another tab must not hand us an update the server refused; the server is the
		// only source of shared truth.
		const provider = new WebsocketProvider(url, this.room, doc, { params: {}, disableBc: true, shouldReconnect: reconnectAfterClose });
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
		const down = (): ConnectionStatus => (this.serverAskedRetry ? 'reconnecting' : 'offline');
		provider.on('status', ({ status }) => {
			if (status === 'connected') {
				this.lastConnected = Date.now();
				this.status = 'connected';
				this.refused = false;
				this.serverAskedRetry = false;
			} else if (status === 'disconnected') this.status = down();
			// While retrying after a drop we stay "offline" rather than flicker through "connecting".
		});
		provider.on('connection-close', (event) => {
			if (event && RETRY_CLOSE_CODES.has(event.code)) this.serverAskedRetry = true;
			this.status = provider.wsconnected ? 'connected' : down();
		});
		provider.on('connection-error', () => {
			if (!provider.wsconnected) this.status = down();
		});
		provider.on('closed', () => {
			this.refused = true;
			this.status = 'offline';
		});
		provider.on('sync', (state) => {
			this.synced = state;
			if (!state) return;
			this.holdUntilSynced = false;
			this.scheduleRead();
			if (this.pendingResync?.freshDoc === doc) void this.finishResync();
			else if (!this.pendingResync) void this.reapplyUnsaved(doc);
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

	/** Disconnects and forgets the current doc; the caller decides whether to destroy it. */
	private close(): { doc: Y.Doc | null; persistence: IndexeddbPersistence | null } {
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
		this.doc = null;
		this.synced = false;
		return { doc, persistence };
	}

	private onPermissionDenied(reason: string): void {
		const now = Date.now();
		// Refusals not caused by a document write of ours (presence, say) leave the doc as it is.
		if (now - this.lastLocalWrite > REFUSAL_WINDOW_MS && now - this.lastConnected > REFUSAL_WINDOW_MS) return;
		// Later updates build on the refused one and are refused too; the first reason is the one to show.
		if (this.destroyed || this.resetTimer || this.pendingResync) return;
		const refusal = decodeRefusal(reason);
		const denied = { refusal, at: now };
		this.denied = denied;
		// The notice is about one refused edit; it should not stay on screen for the rest of the day.
		setTimeout(() => {
			if (this.denied === denied) this.denied = null;
		}, 20_000);
		// A server that keeps refusing must not send us into a reset loop, but every refusal ends in
		// a resync: edits made on the diverged doc meanwhile are kept by it.
		const wait = this.lastReset + MIN_RESET_INTERVAL_MS - now;
		if (wait <= 0) this.beginResync(refusal);
		else
			this.resetTimer = setTimeout(() => {
				this.resetTimer = null;
				this.beginResync(refusal);
			}, wait);
	}

	private beginResync(refusal: Refusal): void {
		if (this.destroyed) return;
		this.lastReset = Date.now();
		const { doc: oldDoc, persistence: oldPersistence } = this.close();
		if (!oldDoc) return;
		// Stop copying to the device, but leave the copy there until the refused words are stored.
		const oldCopy = oldPersistence ? { name: oldPersistence.name, closed: oldPersistence.destroy() } : null;
		this.loaded = false;
		this.holdUntilSynced = true;
		this.resyncing = true;
		this.open(false);
		this.pendingResync = { oldDoc, oldCopy, refusal, freshDoc: this.doc!, finishing: false };
	}

	/** The fresh doc has the server's state: keep what only the old doc had, then replace the device's copy. */
	private async finishResync(): Promise<void> {
		const pending = this.pendingResync;
		if (!pending || pending.finishing) return;
		pending.finishing = true;
		const { oldDoc, oldCopy, refusal, freshDoc } = pending;
		const own = this.me.institutionId === null ? null : String(this.me.institutionId);
		const incoming = own === null ? [] : collectUnsavedEdits(oldDoc, freshDoc, own, { refusal, savedAt: Date.now() });
		if (own !== null) restoreConsent(oldDoc, freshDoc, own, this.origin);
		const stored = await this.updateUnsaved((edits) => mergeUnsavedEdits(edits, incoming));
		if (this.pendingResync !== pending) return;
		this.pendingResync = null;
		this.resyncing = false;
		oldDoc.destroy();
		if (!oldCopy) {
			await this.reapplyUnsaved(freshDoc);
			return;
		}
		if (!stored && incoming.length > 0) {
			// Nowhere to keep the words but the old copy: leave it, so a reload resyncs and offers them again.
			console.warn('Mufakat: refused edits kept only in the old offline copy', incoming.length);
			return;
		}
		try {
			await oldCopy.closed;
			await clearDocument(oldCopy.name);
		} catch (error) {
			console.warn('Mufakat: the old offline copy could not be deleted', error);
			return;
		}
		if (this.doc !== freshDoc || this.destroyed) return;
		// Re-applied words are dropped from the entries once the new copy holds them.
		void this.persist(freshDoc).then(() => this.reapplyUnsaved(freshDoc));
	}

	/**
	 * After a sync: drops entries the server already holds and puts back, as one update per cell,
	 * those whose refusal is shown to be gone. The entries are dropped only now that the doc they
	 * went into is kept on the device (or sent), so a second refusal still finds them in it.
	 */
	private async reapplyUnsaved(doc: Y.Doc): Promise<void> {
		await this.unsavedQueue;
		if (this.doc !== doc || !this.synced || this.unsavedEdits.length === 0) return;
		const snapshot = readMatrix(doc);
		const done = new Set<string>();
		for (const edit of this.ownUnsaved()) {
			if (hasLanded(snapshot, edit)) done.add(edit.id);
			else if (shouldReapplyAutomatically(snapshot, edit) && applyUnsavedEdit(doc, edit, this.origin)) done.add(edit.id);
		}
		if (done.size > 0) await this.updateUnsaved((edits) => edits.filter((e) => !done.has(e.id)));
	}

	/** Applies a change to the entries in memory and in the store; true once stored. */
	private updateUnsaved(change: (edits: UnsavedEdit[]) => UnsavedEdit[]): Promise<boolean> {
		const run = this.unsavedQueue.then(async () => {
			const next = change(this.unsavedEdits);
			this.unsavedEdits = next;
			if (!this.canStoreUnsaved) return false;
			try {
				await saveUnsavedEdits(this.room, next);
				return true;
			} catch (error) {
				console.warn('Mufakat: unsaved edits could not be stored', error);
				return false;
			}
		});
		this.unsavedQueue = run;
		return run;
	}

	private ownUnsaved(): UnsavedEdit[] {
		const own = this.me.institutionId === null ? null : `${this.me.institutionId}:`;
		return own === null ? [] : this.unsavedEdits.filter((e) => e.cellKey.startsWith(own));
	}

	/** Refused words of this person's institution in one cell, oldest first. */
	unsavedFor(key: string): UnsavedEdit[] {
		return this.ownUnsaved().filter((e) => e.cellKey === key);
	}

	get unsavedCount(): number {
		return this.ownUnsaved().length;
	}

	canRetryUnsaved(edit: UnsavedEdit): boolean {
		return !this.resyncing && this.canEditCell(edit.cellKey) && canRetry(this.snapshot, edit);
	}

	/** "Try again": writes the saved words into the cell; false when it cannot be edited now. */
	retryUnsaved(id: string): boolean {
		const edit = this.unsavedEdits.find((e) => e.id === id);
		if (!edit || !this.doc || !this.canRetryUnsaved(edit)) return false;
		if (!applyUnsavedEdit(this.doc, edit, this.origin)) return false;
		void this.updateUnsaved((edits) => edits.filter((e) => e.id !== id));
		return true;
	}

	discardUnsaved(id: string): void {
		void this.updateUnsaved((edits) => edits.filter((e) => e.id !== id));
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
		if (this.me.role !== 'representative' || this.me.institutionId === null || this.resyncing) return false;
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
