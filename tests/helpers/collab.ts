import WebSocket from 'ws';
import { WebsocketProvider } from 'y-websocket';
import * as Y from 'yjs';
import { decodeRefusal, type Refusal } from '../../src/lib/collab/refusals';
import { mintCollabToken, type Principal } from '../../src/lib/server/collab/principal';

export const TEST_SECRET = 'integration-test-secret-0123456789';

export function token(p: Partial<Principal> & Pick<Principal, 'role'>): string {
	return mintCollabToken(TEST_SECRET, {
		workshopId: 3,
		institutionId: null,
		subject: `test-${Math.random().toString(36).slice(2)}`,
		name: 'Test',
		...p
	});
}

export type TestClient = {
	doc: Y.Doc;
	provider: WebsocketProvider;
	denied: string[];
	closes: { code: number; reason: string }[];
	synced: Promise<void>;
	destroy: () => void;
};

/** A real y-websocket client (the same provider the browser uses), with a cookie or a token. */
export function connectClient(baseUrl: string, room: string, auth: { token?: string; cookie?: string }): TestClient {
	const denied: string[] = [];
	const closes: { code: number; reason: string }[] = [];
	class RecordingSocket extends WebSocket {
		constructor(url: string | URL, protocols?: string | string[]) {
			super(url, protocols, auth.cookie ? { headers: { cookie: auth.cookie } } : {});
			this.on('message', (raw: Buffer | ArrayBuffer) => {
				// y-websocket asks for ArrayBuffers; the auth message is type 2, sub-type 0, then the reason.
				const data = Buffer.from(raw instanceof ArrayBuffer ? new Uint8Array(raw) : raw);
				if (data[0] === 2 && data[1] === 0) denied.push(data.subarray(3).toString('utf8'));
			});
			this.on('close', (code: number, reason: Buffer) => closes.push({ code, reason: reason.toString() }));
		}
	}
	const doc = new Y.Doc();
	const provider = new WebsocketProvider(baseUrl.replace(/^http/, 'ws') + '/collab', room, doc, {
		params: auth.token ? { token: auth.token } : {},
		WebSocketPolyfill: RecordingSocket as unknown as typeof globalThis.WebSocket,
		disableBc: true
	});
	const synced = new Promise<void>((resolve) => {
		if (provider.synced) resolve();
		else provider.once('sync', (isSynced: boolean) => isSynced && resolve());
	});
	return {
		doc,
		provider,
		denied,
		closes,
		synced,
		destroy: () => {
			provider.destroy();
			doc.destroy();
		}
	};
}

export async function until(check: () => boolean, timeoutMs = 5000, what = 'condition'): Promise<void> {
	const deadline = Date.now() + timeoutMs;
	while (!check()) {
		if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
		await new Promise((r) => setTimeout(r, 20));
	}
}


/** The refusals a client was sent, decoded. */
export function refusals(client: { denied: string[] }): Refusal[] {
	return client.denied.map(decodeRefusal);
}

/**
 * Proves that nothing refused earlier reached `witness`: a legal write made after the refusal
 * goes through the same ordered broadcast, so once the witness sees it, anything broadcast before
 * it would have arrived too. Use instead of sleeping and asserting absence.
 */
export async function sentinel(baseUrl: string, witness: TestClient, write: (doc: Y.Doc) => void, seen: (doc: Y.Doc) => boolean, auth: { token: string }, room = 'workshop-3'): Promise<void> {
	const writer = connectClient(baseUrl, room, auth);
	try {
		await writer.synced;
		write(writer.doc);
		await until(() => seen(witness.doc), 5000, 'sentinel write');
	} finally {
		writer.destroy();
	}
}
