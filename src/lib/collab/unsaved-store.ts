/**
 * The browser's store of refused words (`UnsavedEdit`), one small IndexedDB database per room,
 * apart from y-indexeddb's copy of the doc: that copy is deleted when the browser resynchronises,
 * and these entries must outlive it (and a reload).
 */
import { parseUnsavedEdit, type UnsavedEdit } from './unsaved-edits';

const STORE = 'edits';

export const unsavedDatabaseName = (room: string) => `mufakat-unsaved-${room}`;

function open(room: string): Promise<IDBDatabase> {
	return new Promise((resolve, reject) => {
		const request = indexedDB.open(unsavedDatabaseName(room), 1);
		request.onupgradeneeded = () => request.result.createObjectStore(STORE, { keyPath: 'id' });
		request.onsuccess = () => resolve(request.result);
		request.onerror = () => reject(request.error);
		request.onblocked = () => reject(new Error('unsaved-edits database blocked'));
	});
}

export async function loadUnsavedEdits(room: string): Promise<UnsavedEdit[]> {
	const db = await open(room);
	try {
		const values = await new Promise<unknown[]>((resolve, reject) => {
			const request = db.transaction(STORE, 'readonly').objectStore(STORE).getAll();
			request.onsuccess = () => resolve(request.result);
			request.onerror = () => reject(request.error);
		});
		return values.map(parseUnsavedEdit).filter((e): e is UnsavedEdit => e !== null).sort((a, b) => a.savedAt - b.savedAt);
	} finally {
		db.close();
	}
}

/**
 * Replaces the stored entries with `edits`. Resolves only once the transaction has committed:
 * the caller deletes the doc's only other copy of these words right after.
 */
export async function saveUnsavedEdits(room: string, edits: readonly UnsavedEdit[]): Promise<void> {
	const db = await open(room);
	try {
		await new Promise<void>((resolve, reject) => {
			// 'strict' asks the browser to flush to disk before reporting completion.
			const tx = db.transaction(STORE, 'readwrite', { durability: 'strict' });
			const store = tx.objectStore(STORE);
			store.clear();
			for (const edit of edits) store.put(plainCopy(edit));
			tx.oncomplete = () => resolve();
			tx.onerror = () => reject(tx.error);
			tx.onabort = () => reject(tx.error ?? new Error('unsaved-edits transaction aborted'));
		});
	} finally {
		db.close();
	}
}

/** A plain copy: structured cloning refuses Svelte's state proxies. */
function plainCopy(edit: UnsavedEdit): UnsavedEdit {
	return JSON.parse(JSON.stringify(edit)) as UnsavedEdit;
}
