import * as Y from 'yjs';
import { describe, expect, it } from 'vitest';
import { cellKey, roots } from '../../src/lib/collab/matrix-doc';
import { applyTextEdit } from '../../src/lib/collab/matrix-edits';
import { UpdateAuthoriser, type Verdict } from '../../src/lib/server/collab/authz';
import type { Principal } from '../../src/lib/server/collab/principal';
import { buildMatrixDoc } from '../helpers/matrix-doc';
import { CONTENT_KINDS, hostileContentUpdates, hostileEffectUpdates } from '../helpers/hostile-updates';

const OWN = 14;
const OTHER = 1;

function servedDoc(): Y.Doc {
	const doc = new Y.Doc();
	doc.transact(() => {
		roots(doc).meta.set('frozen', false);
		roots(doc).session.set('agendaIndex', 0);
		buildMatrixDoc(
			doc,
			[
				{ id: 1, name: 'Kelembagaan' },
				{ id: 2, name: 'Ekonomi' },
				{ id: 3, name: 'Lingkungan' }
			],
			[
				{ id: OTHER, name: 'Bappelitbangda', sector: 'pemerintah' },
				{ id: OWN, name: 'PT INKA', sector: 'bisnis' }
			]
		);
		const minutes = roots(doc).minutes;
		minutes.set('points', new Y.Array<Y.Text>());
		minutes.set('notes', new Y.Text());
	});
	return doc;
}

const rep = (institutionId = OWN): Principal => ({ workshopId: 3, role: 'representative', institutionId, subject: `rep-${institutionId}`, name: 'Rep' });
const moderator: Principal = { workshopId: 3, role: 'moderator', institutionId: null, subject: 'mod', name: 'Mod' };
const viewer: Principal = { workshopId: 3, role: 'viewer', institutionId: null, subject: 'viewer', name: 'View' };

/** A client that synced with the server, then edits; returns what it would send. */
function editOffline(served: Y.Doc, edit: (doc: Y.Doc) => void): { client: Y.Doc; update: Uint8Array } {
	const client = new Y.Doc();
	Y.applyUpdate(client, Y.encodeStateAsUpdate(served));
	edit(client);
	return { client, update: Y.encodeStateAsUpdate(client, Y.encodeStateVector(served)) };
}

function judge(served: Y.Doc, principal: Principal, update: Uint8Array, bindings = new Map<number, string>()): Verdict {
	const authoriser = new UpdateAuthoriser(served, (code) => !code.startsWith('99'));
	const verdict = authoriser.authorize(update, principal, bindings);
	if (verdict.ok) Y.applyUpdate(served, update);
	return verdict;
}

const cell = (doc: Y.Doc, inst = OWN, comp = 1) => roots(doc).cells.get(cellKey(inst, comp))!;
const description = (doc: Y.Doc, inst = OWN, comp = 1) => cell(doc, inst, comp).get('description') as Y.Text;

describe('authorisation by effect', () => {
	it('accepts an offline session of typing with corrections in the own row', () => {
		const served = servedDoc();
		const { update } = editOffline(served, (doc) => {
			const text = description(doc);
			let wanted = '';
			for (const word of ['Pinjaman', 'kemitraan', 'TJSSL', 'untuk', 'UMKM']) {
				wanted = `${wanted}${wanted ? ' ' : ''}${word}`;
				applyTextEdit(text, wanted, null);
			}
			applyTextEdit(text, wanted.replace('TJSSL', 'TJSL'), null);
			applyTextEdit(text, wanted.replace('TJSSL', 'TJSL') + ' lapak', null);
			cell(doc).set('type', 'PENDANAAN');
			cell(doc).set('valueRupiah', 250_000_000);
			cell(doc).set('sites', ['35.77.03.1009']);
			roots(doc).consent.get(String(OWN))!.set('*', 'agree');
		});
		expect(judge(served, rep(), update)).toMatchObject({ ok: true, changed: true });
		expect(description(served).toString()).toBe('Pinjaman kemitraan TJSL untuk UMKM lapak');
	});

	it('refuses another institution’s row, with the institution named', () => {
		const served = servedDoc();
		const { update } = editOffline(served, (doc) => description(doc, OTHER).insert(0, 'dibajak'));
		expect(judge(served, rep(), update)).toEqual({ ok: false, refusal: { code: 'foreignRow', institutionId: String(OTHER), componentId: '1' } });
		expect(description(served, OTHER).toString()).toBe('');
	});

	it('refuses deleting another row’s text and an edit whose origin sits in another row', () => {
		const served = servedDoc();
		description(served, OTHER).insert(0, 'Fasilitasi Musrenbang');
		expect(judge(served, rep(), editOffline(served, (doc) => description(doc, OTHER).delete(0, 5)).update)).toMatchObject({ ok: false, refusal: { code: 'foreignRow' } });
		// Inserted right after a character of the other row's text: Yjs puts it there, whatever the update claims.
		const { update } = editOffline(served, (doc) => description(doc, OTHER).insert(3, 'X'));
		expect(judge(served, rep(), update)).toMatchObject({ ok: false, refusal: { code: 'foreignRow' } });
	});

	it('refuses an implicit overwrite of the description by a plain string, and of a whole cell', () => {
		const served = servedDoc();
		const long = 'x'.repeat(100_000);
		const overwrite = editOffline(served, (doc) => cell(doc).set('description', long)).update;
		expect(judge(served, rep(), overwrite)).toMatchObject({ ok: false, refusal: { code: 'invalidValue', field: 'description' } });
		const replaceCell = editOffline(served, (doc) => roots(doc).cells.set(cellKey(OWN, 1), new Y.Map())).update;
		expect(judge(served, rep(), replaceCell)).toMatchObject({ ok: false, refusal: { code: 'structure' } });
		expect(description(served)).toBeInstanceOf(Y.Text);
	});

	it('refuses every content type but plain values in every cell field and in consent', () => {
		const served = servedDoc();
		const updates = hostileContentUpdates(Y.encodeStateAsUpdate(served), OWN, 1);
		expect(updates.length).toBeGreaterThanOrEqual(CONTENT_KINDS.length * 8);
		for (const { name, update } of updates) expect(judge(served, rep(), update).ok, name).toBe(false);
		expect(cell(served).get('type')).toBe('');
		expect(description(served)).toBeInstanceOf(Y.Text);
	});

	it('refuses overwrites, foreign rows, missing dependencies and one foreign item among legal ones', () => {
		const served = servedDoc();
		description(served, OTHER).insert(0, 'Fasilitasi Musrenbang');
		for (const { name, update } of hostileEffectUpdates(Y.encodeStateAsUpdate(served), OWN, OTHER)) expect(judge(served, rep(), update).ok, name).toBe(false);
		expect(description(served, OTHER).toString()).toBe('Fasilitasi Musrenbang');
		expect(description(served, OWN, 2).toString()).toBe('');
	});

	it('refuses an embed, a format or a nested type inside a description', () => {
		const served = servedDoc();
		expect(judge(served, rep(), editOffline(served, (doc) => description(doc).insertEmbed(0, { big: 'x'.repeat(100) })).update).ok).toBe(false);
		expect(judge(served, rep(), editOffline(served, (doc) => description(doc).insert(0, 'tebal', { bold: true })).update).ok).toBe(false);
		expect(judge(served, rep(), editOffline(served, (doc) => description(doc).insertEmbed(0, new Y.Map())).update).ok).toBe(false);
	});

	it('judges the description length by the result', () => {
		const served = servedDoc();
		description(served).insert(0, 'a'.repeat(1990));
		expect(judge(served, rep(), editOffline(served, (doc) => description(doc).insert(0, 'b'.repeat(20))).update)).toMatchObject({
			ok: false,
			refusal: { code: 'descriptionTooLong', limit: 2000 }
		});
		// Replacing a selection with a text of the same length stays within the limit.
		expect(judge(served, rep(), editOffline(served, (doc) => applyTextEdit(description(doc), 'c'.repeat(1990), null)).update).ok).toBe(true);
	});

	it('refuses invalid values: unknown type, negative Rupiah, bad site code, unknown field, unknown consent', () => {
		const served = servedDoc();
		const bad: ((doc: Y.Doc) => void)[] = [
			(doc) => cell(doc).set('type', 'HACK'),
			(doc) => cell(doc).set('valueRupiah', -5),
			(doc) => cell(doc).set('volume', Number.NaN),
			(doc) => cell(doc).set('sites', ['Madiun']),
			(doc) => cell(doc).set('sites', ['99.99.99.9999']),
			(doc) => cell(doc).set('timing', 'x'.repeat(301)),
			(doc) => cell(doc).set('extra', 'x'),
			(doc) => cell(doc).delete('unit'),
			(doc) => roots(doc).consent.get(String(OWN))!.set('*', 'yes' as never),
			(doc) => roots(doc).consent.get(String(OWN))!.set('99:99', 'agree')
		];
		for (const edit of bad) expect(judge(served, rep(), editOffline(served, edit).update).ok).toBe(false);
	});

	it('keeps locked rows, locked columns and a frozen matrix closed to content but open to consent', () => {
		const served = servedDoc();
		roots(served).rows.get(String(OWN))!.set('locked', true);
		expect(judge(served, rep(), editOffline(served, (doc) => cell(doc).set('unit', 'paket')).update)).toMatchObject({ ok: false, refusal: { code: 'rowLocked', institutionId: String(OWN) } });
		roots(served).rows.get(String(OWN))!.set('locked', false);
		roots(served).components.get('2')!.set('locked', true);
		expect(judge(served, rep(), editOffline(served, (doc) => cell(doc, OWN, 2).set('unit', 'paket')).update)).toMatchObject({ ok: false, refusal: { code: 'columnLocked', componentId: '2' } });
		roots(served).meta.set('frozen', true);
		expect(judge(served, rep(), editOffline(served, (doc) => cell(doc).set('unit', 'paket')).update)).toMatchObject({ ok: false, refusal: { code: 'frozen' } });
		roots(served).rows.get(String(OWN))!.set('locked', true);
		const consent = editOffline(served, (doc) => {
			roots(doc).consent.get(String(OWN))!.set('*', 'agree');
			roots(doc).consent.get(String(OWN))!.set(cellKey(OWN, 2), 'object');
		}).update;
		expect(judge(served, rep(), consent)).toMatchObject({ ok: true });
		expect(roots(served).consent.get(String(OWN))!.get('*')).toBe('agree');
	});

	it('refuses an update with missing dependencies, and one that is legal except for one foreign item', () => {
		const served = servedDoc();
		const { client } = editOffline(served, (doc) => description(doc).insert(0, 'satu'));
		const stateBefore = Y.encodeStateVector(client);
		description(client).insert(4, ' dua');
		// Only the second edit, without the first it builds on.
		const gap = Y.encodeStateAsUpdate(client, stateBefore);
		expect(judge(served, rep(), gap)).toMatchObject({ ok: false, refusal: { code: 'missingContent' } });
		const mixed = editOffline(served, (doc) => {
			description(doc).insert(0, 'sah');
			cell(doc, OTHER, 2).set('unit', 'paket');
		}).update;
		expect(judge(served, rep(), mixed).ok).toBe(false);
		expect(description(served).toString()).toBe('');
	});

	it('keeps viewers read-only but lets them send their half of the sync handshake', () => {
		const served = servedDoc();
		const nothingNew = editOffline(served, () => {}).update;
		expect(judge(served, viewer, nothingNew)).toEqual({ ok: true, changed: false, clients: [] });
		expect(judge(served, viewer, editOffline(served, (doc) => roots(doc).session.set('agendaIndex', 3)).update)).toMatchObject({ ok: false, refusal: { code: 'readOnly' } });
	});

	it('lets moderators lock, run the session and edit minutes, but not content or structure', () => {
		const served = servedDoc();
		const allowed = editOffline(served, (doc) => {
			roots(doc).rows.get(String(OWN))!.set('locked', true);
			roots(doc).components.get('1')!.set('locked', true);
			roots(doc).session.set('agendaIndex', 2);
			roots(doc).session.set('consentCall', '*');
			const points = roots(doc).minutes.get('points') as Y.Array<Y.Text>;
			points.push([new Y.Text('Para pihak sepakat …')]);
			(roots(doc).minutes.get('notes') as Y.Text).insert(0, 'Catatan');
			roots(doc).minutes.set('nomor', '001/BA/2021');
		}).update;
		expect(judge(served, moderator, allowed)).toMatchObject({ ok: true });
		for (const edit of [
			(doc: Y.Doc) => cell(doc).set('unit', 'dari moderator'),
			(doc: Y.Doc) => roots(doc).rows.get(String(OWN))!.set('name', 'Ganti nama'),
			(doc: Y.Doc) => roots(doc).rows.set('99', new Y.Map()),
			(doc: Y.Doc) => roots(doc).meta.set('frozen', true),
			(doc: Y.Doc) => roots(doc).session.set('agendaIndex', 'x'),
			(doc: Y.Doc) => (roots(doc).minutes.get('points') as Y.Array<unknown>).push(['bukan teks'])
		])
			expect(judge(served, moderator, editOffline(served, edit).update).ok).toBe(false);
	});

	it('refuses a Yjs client id that another person already writes with', () => {
		const served = servedDoc();
		const { client, update } = editOffline(served, (doc) => cell(doc).set('unit', 'paket'));
		const bindings = new Map([[client.clientID, 'someone-else']]);
		expect(judge(served, rep(), update, bindings)).toMatchObject({ ok: false, refusal: { code: 'foreignClientId' } });
	});

	it('stays in lockstep after a refusal: the next honest update is judged on the served state', () => {
		const served = servedDoc();
		const authoriser = new UpdateAuthoriser(served);
		const bad = editOffline(served, (doc) => cell(doc).set('type', 'HACK')).update;
		expect(authoriser.authorize(bad, rep(), new Map()).ok).toBe(false);
		const good = editOffline(served, (doc) => cell(doc).set('type', 'PELATIHAN')).update;
		expect(authoriser.authorize(good, rep(), new Map()).ok).toBe(true);
		Y.applyUpdate(served, good);
		// The server's own change reaches the shadow through follow().
		let serverUpdate: Uint8Array | null = null;
		served.once('update', (u: Uint8Array) => (serverUpdate = u));
		roots(served).rows.get(String(OWN))!.set('locked', true);
		authoriser.follow(serverUpdate!);
		expect(authoriser.authorize(editOffline(served, (doc) => cell(doc).set('unit', 'x')).update, rep(), new Map())).toMatchObject({ ok: false, refusal: { code: 'rowLocked' } });
	});
});
