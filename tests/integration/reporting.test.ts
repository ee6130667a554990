import { describe, expect, it } from 'vitest';
import { useTestServer } from '../helpers/lifecycle';
import { Client } from '../helpers/http';

const ctx = useTestServer();

const count = async (sql: string, ...args: unknown[]) => (await ctx.serverDb.one(sql, ...args) as { n: number }).n;

async function signedIn(email: string) {
	const client = new Client(ctx.server.url);
	await client.login(email, 'mufakat-demo');
	return client;
}

/** The link shown on the reporting page for an institution, read as the secretariat sees it. */
async function linkOf(staff: Client, shortName: string): Promise<string> {
	const html = await (await staff.get('/forums/1/reporting')).text();
	const card = html.split('data-testid="reporting-link"').find((c) => c.includes(`>${shortName} <small`));
	const match = /data-testid="reporting-url"[^>]*>([^<]+)</.exec(card ?? '');
	expect(match, `a reporting link for ${shortName}`).not.toBeNull();
	return new URL(match![1]!.trim()).pathname;
}

const report = (fields: Record<string, string>) => {
	const form = new FormData();
	for (const [k, v] of Object.entries({ periodType: 'quarter', periodYear: '2026', periodIndex: '2', realisation: '100', reporterName: 'Eko Purnomo', ...fields })) form.append(k, v);
	return form;
};

describe('standing reporting links over HTTP', () => {
	it('refuses a re-issued link and the commitment of another institution, storing nothing, and answers bad input in the user’s language', async () => {
		const staff = await signedIn('sekretariat@mufakat.test');
		const ybn = await ctx.serverDb.one("select id from institutions where forum_id = 1 and short_name = 'YBN'") as { id: number };
		expect((await staff.post('/forums/1/reporting?/issue', { _action: 'issue', institutionId: String(ybn.id) })).status).toBe(200);
		const first = await linkOf(staff, 'YBN');
		expect((await fetch(ctx.server.url + first)).status).toBe(200);
		expect((await staff.post('/forums/1/reporting?/issue', { _action: 'issue', institutionId: String(ybn.id) })).status).toBe(200);
		const second = await linkOf(staff, 'YBN');
		expect(second).not.toBe(first);

		const training = await ctx.serverDb.one("select id from commitments where forum_id = 1 and number = '3'") as { id: number };
		const reports = () => count('select count(*) n from progress_reports');
		const before = await reports();
		// The demo seed carries kader by kelurahan for earlier years: nothing may be added to them.
		const beneficiaryRows = await count('select count(*) n from beneficiary_counts');
		const reused = await fetch(`${ctx.server.url}${first}/${training.id}?/report`, { method: 'POST', body: report({}), headers: { origin: ctx.server.url, accept: 'text/html' } });
		expect(reused.status).toBe(410);
		expect(await reused.text()).toContain('sudah dicabut atau diganti');
		expect(await reports()).toBe(before);

		// Commitment 1 is Bappelitbangda's: YBN's link may not report on it.
		const other = await fetch(`${ctx.server.url}${second}/1?/report`, { method: 'POST', body: report({}), headers: { origin: ctx.server.url, accept: 'text/html' } });
		expect(other.status).toBe(403);
		expect(await reports()).toBe(before);

		const tooMany = await fetch(`${ctx.server.url}${second}/${training.id}?/report`, {
			method: 'POST',
			body: report({ 'ben.35.77.03.1009.L': '60', 'ben.35.77.03.1009.P': '50' }),
			headers: { origin: ctx.server.url, accept: 'text/html' }
		});
		expect(tooMany.status).toBe(400);
		expect(await tooMany.text()).toContain('Jumlah penerima manfaat (110) melebihi realisasi (100 orang)');
		expect(await reports()).toBe(before);
		expect(await count('select count(*) n from beneficiary_counts')).toBe(beneficiaryRows);
	});
});
