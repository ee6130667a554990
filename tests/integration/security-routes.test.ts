import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ACCESS, ROLES, type Access, type Role, type Spare, type World } from '../helpers/access-table';
import { Client } from '../helpers/http';
import { serverInvitationCode } from '../helpers/invitations';
import { routeKeys } from '../helpers/routes';
import { removeDir, startServer, type RunningServer } from '../helpers/server';
import { openServerDb, type ServerDb } from '../helpers/server-db';

/**
 * Every page, form action and endpoint, as every role: refused with nothing stored, or let through.
 * One server, plain HTTP. Throttles are set out of reach (they are the door and hardening suites'
 * subject) so that a few hundred requests from one address measure access, not rate limits.
 */

const PASSWORD = 'mufakat-demo';
const PNG = Buffer.from('89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d4944415478da63f8cfc0f01f0005000201a5f3ba9b0000000049454e44ae426082', 'hex');
/** Tables whose rows a refused request may still write: who is signed in, and the rate limits' counters. */
const BOOKKEEPING = new Set(['sessions', 'throttle_buckets', 'sqlite_sequence', '__drizzle_migrations']);

let server: RunningServer;
let rw: ServerDb;
const clients = {} as Record<Role, Client>;
const world = {} as World;

/** The user tables of the server's database, on either engine. */
async function tableNames(): Promise<string[]> {
	const sql =
		rw.dialect === 'postgres'
			? "select table_name as name from information_schema.tables where table_schema = 'public' and table_type = 'BASE TABLE' order by table_name"
			: "select name from sqlite_master where type = 'table' order by name";
	return (await rw.all<{ name: string }>(sql)).map((t) => t.name);
}

/**
 * A hash of every table's content. Rows are hashed one by one and their hashes sorted, so that the
 * state does not depend on the order an engine returns rows in (PostgreSQL's changes as rows are updated).
 */
async function stateOf(): Promise<Map<string, string>> {
	const state = new Map<string, string>();
	for (const name of await tableNames()) {
		if (BOOKKEEPING.has(name)) continue;
		// The official area list is imported once and never written by a request: its size stands for it.
		const rows = name === 'areas' ? await rw.all('select count(*) n from areas') : await rw.all(`select * from "${name}"`);
		const rowHashes = rows.map((row) => {
			const hash = createHash('sha256');
			for (const value of Object.values(row)) {
				// Bytes (sealed PDFs, signatures) go in as they are: JSON would spell every byte out.
				if (Buffer.isBuffer(value)) hash.update(value);
				else hash.update(JSON.stringify(value ?? null));
				hash.update('\u0000');
			}
			return hash.digest('hex');
		});
		state.set(name, createHash('sha256').update(rowHashes.sort().join('\n')).digest('hex'));
	}
	return state;
}

function changedTables(before: Map<string, string>, after: Map<string, string>): string[] {
	return [...new Set([...before.keys(), ...after.keys()])].filter((t) => before.get(t) !== after.get(t));
}

function methodAndRoute(key: string): { method: string; route: string } {
	const space = key.indexOf(' ');
	return { method: key.slice(0, space), route: key.slice(space + 1) };
}

async function send(client: Client, method: string, probe: { path: string; form?: Record<string, string | string[]> }): Promise<Response> {
	try {
		return await sendOnce(client, method, probe);
	} catch (first) {
		// A kept-alive connection the server closed just as it was reused: nothing reached the app, send again.
		if ((first as { cause?: { code?: string } }).cause?.code !== 'UND_ERR_SOCKET') throw first;
	}
	try {
		return await sendOnce(client, method, probe);
	} catch (e) {
		throw new Error(`${method} ${probe.path} failed; the server said:\n${server.output().slice(-3000)}`, { cause: e });
	}
}

async function sendOnce(client: Client, method: string, probe: { path: string; form?: Record<string, string | string[]> }): Promise<Response> {
	if (method === 'GET') return client.get(probe.path);
	if (method === 'POST') return client.post(probe.path, probe.form ?? {});
	const body = new URLSearchParams();
	for (const [k, v] of Object.entries(probe.form ?? {})) for (const item of Array.isArray(v) ? v : [v]) body.append(k, item);
	return fetch(server.url + probe.path, {
		method,
		redirect: 'manual',
		body,
		headers: { cookie: client.cookieHeader(), origin: server.url, accept: 'text/html', 'content-type': 'application/x-www-form-urlencoded' }
	});
}

/** What the app does to someone who may not: 401/403/404 (410 for a spent link), or off to sign in or to the join form. */
function refused(res: Response, access?: Access): boolean {
	if ([401, 403, 404, 410].includes(res.status) || res.status === access?.refusedStatus) return true;
	const to = res.headers.get('location') ?? '';
	return res.status >= 300 && res.status < 400 && (to.startsWith('/login') || to.startsWith('/join/'));
}

function letThrough(res: Response, access: Access): boolean {
	if (access.allowedStatus !== undefined) return res.status === access.allowedStatus;
	return res.status < 400 && !refused(res);
}

const one = <T,>(sql: string, ...params: unknown[]) => rw.one<T>(sql, ...params);
const idOf = async (sql: string, ...params: unknown[]) => (await one<{ id: number }>(sql, ...params)).id;
/** A statement run several times with different values. */
const statement = (sql: string) => ({ run: (...params: unknown[]) => rw.run(sql, ...params), insert: (...params: unknown[]) => rw.insert(sql, ...params) });

async function join(path: string, fields: Record<string, string>): Promise<Client> {
	const client = new Client(server.url);
	const res = await client.post(path, { jabatan: 'Staf', gender: 'P', phone: '', ...fields });
	if (res.status !== 303) throw new Error(`check-in at ${path} answered ${res.status}: ${(await res.text()).slice(0, 300)}`);
	return client;
}

async function expectStatus(res: Response, status: number, what: string) {
	const text = await res.text();
	if (res.status !== status) throw new Error(`${what}: ${res.status} ${text.slice(0, 400)}`);
	return text;
}

/** The suite's world: staff and participants of forum 1 and of forum 2, an administrator, and targets to spend. */
async function buildWorld() {
	const insert = statement('insert into users (email, name, password_hash, is_admin) select ?, ?, password_hash, ? from users where email = ?');
	const account = (email: string, name: string, admin = 0) => insert.insert(email, name, admin, 'moderator@mufakat.test');
	const grant = statement('insert into forum_members (forum_id, user_id, role) values (?, ?, ?)');
	await grant.run(1, await account('pengamat@uji.test', 'Pengamat Forum'), 'observer');
	await grant.run(2, await account('sekretariat-lain@uji.test', 'Sekretariat Tanggamus'), 'secretariat');
	await grant.run(2, await account('moderator-lain@uji.test', 'Moderator Tanggamus'), 'moderator');
	await account('admin@uji.test', 'Administrator', 1);
	world.spareUserId = await account('cadangan@uji.test', 'Akun Cadangan');

	const logins: [Role, string][] = [
		['observer', 'pengamat@uji.test'],
		['secretariat', 'sekretariat@mufakat.test'],
		['moderator', 'moderator@mufakat.test'],
		['otherSecretariat', 'sekretariat-lain@uji.test'],
		['otherModerator', 'moderator-lain@uji.test'],
		['administrator', 'admin@uji.test']
	];
	await Promise.all(
		logins.map(async ([role, email]) => {
			clients[role] = new Client(server.url);
			await clients[role].login(email, PASSWORD);
		})
	);
	clients.anonymous = new Client(server.url);

	world.forumId = 1;
	world.workshopId = 3;
	world.code = 'TAMAN8';
	world.programmeId = 1;
	world.commitmentId = 1;
	world.ownCommitmentId = 1;
	world.sealedWorkshopId = 1;
	world.draftWorkshopId = Number(
		await rw.insert("insert into workshops (forum_id, programme_id, title, date, place) values (1, 1, 'Rapat Persiapan Replikasi', '2027-02-01', 'Aula Kecamatan Taman')")
	);
	world.componentId = 1;
	world.pilotSiteId = 1;
	world.agendaId = await idOf('select id from agenda_items where workshop_id = 3 order by position limit 1');
	world.signedToken = (await one<{ t: string }>("select link_token t from minutes_signers where status = 'signed' limit 1")).t;
	world.sealedHash = (await one<{ h: string }>('select sha256 h from sealed_minutes limit 1')).h;
	await expectStatus(await clients.secretariat.post('/forums/1/dashboard/laporan-kemajuan', { programme: '1', period: '2023-T4', verified: '1' }), 200, 'sealing a Laporan Kemajuan');
	world.sealedReportId = await idOf('select id from sealed_reports order by id desc limit 1');
	const group = statement('insert into beneficiary_groups (forum_id, name) values (1, ?)');
	world.beneficiaryGroupId = await group.insert('Lansia');

	clients.participant = await join(`/join/${await serverInvitationCode(rw, 3, 'Bappelitbangda')}`, { name: 'Rina Peserta' });
	clients.pendingParticipant = await join('/join/TAMAN8', { institutionId: '1', name: 'Penunggu Konfirmasi' });
	world.attendanceId = await idOf("select id from attendance where name = 'Rina Peserta'");
	// Another forum's workshop, live, with one of its institutions' own codes.
	await rw.run("update workshops set status = 'live', join_code = 'LAIN22' where id = 2");
	const otherCode = (await one<{ code: string }>('select code from workshop_invitations where workshop_id = 2 and code is not null limit 1')).code;
	clients.otherParticipant = await join(`/join/${otherCode}`, { name: 'Peserta Tanggamus' });

	// Evidence on the participant's institution's commitment, a report to verify and one to un-verify.
	const evidence = new FormData();
	for (const [k, v] of Object.entries({ periodType: 'quarter', periodYear: '2025', periodIndex: '1', realisation: '5', narrative: 'Foto kegiatan', flag: 'on_track' })) evidence.append(k, v);
	evidence.append('evidence', new Blob([PNG], { type: 'image/png' }), 'kegiatan.png');
	await expectStatus(
		await fetch(`${server.url}/forums/1/commitments/1?/report`, {
			method: 'POST',
			body: evidence,
			redirect: 'manual',
			headers: { cookie: clients.secretariat.cookieHeader(), origin: server.url, accept: 'text/html' }
		}),
		200,
		'report with evidence'
	);
	world.evidenceId = await idOf("select e.id from evidence_files e where e.kind != 'link' order by e.id desc limit 1");
	world.reportId = await idOf('select report_id id from evidence_files where id = ?', world.evidenceId);
	await expectStatus(
		await clients.secretariat.post('/forums/1/commitments/1?/report', { periodType: 'quarter', periodYear: '2025', periodIndex: '2', realisation: '6', narrative: 'Lanjutan', flag: 'on_track' }),
		200,
		'second report'
	);
	world.verifiedReportId = await idOf('select id from progress_reports where commitment_id = 1 order by id desc limit 1');
	await expectStatus(await clients.secretariat.post('/forums/1/commitments/1?/verify', { reportId: String(world.verifiedReportId), note: 'Cukup' }), 200, 'verify');

	const proposed = statement("insert into institutions (forum_id, official_name, short_name, sector, approved) values (1, ?, ?, 'komunitas', 0)");
	world.proposedInstitutionId = await proposed.insert('Lembaga Usulan Satu', 'Usulan1');
	world.otherProposedInstitutionId = await proposed.insert('Lembaga Usulan Dua', 'Usulan2');

	const token = (await expectStatus(await clients.moderator.post('/workshops/3/collab-token', { role: 'viewer', name: 'Uji' }), 200, 'collab token')) as string;
	world.collabToken = (JSON.parse(token) as { token: string }).token;

	// Targets one allowed request uses up, one set per role.
	const areas = async (pattern: string) =>
		(await rw.all<{ code: string }>('select code from areas where code like ? and code not in (select area_code from pilot_sites) order by code', pattern)).map((r) => r.code);
	// Kelurahan of Kota Madiun to add (the forum's own region), and others that are only removed.
	const madiun = await areas('35.77.__.1___');
	const elsewhere = await areas('35.73.__.1___');
	const institution = statement("insert into institutions (forum_id, official_name, short_name, sector, retired_at) values (1, ?, ?, 'komunitas', ?)");
	const commitmentRow = statement('insert into commitments (forum_id, number, statement) values (1, ?, ?)');
	const invitation = statement("insert into access_links (kind, token_hash, forum_id, role, name, email, expires_at) values ('invite', ?, 1, 'observer', ?, ?, ?)");
	const agenda = statement('insert into agenda_items (workshop_id, position, title, duration_minutes) values (3, 90, ?, 5)');
	const component = statement("insert into components (programme_id, kind, name, position) values (1, 'focus', ?, 90)");
	const site = statement("insert into pilot_sites (programme_id, area_code, stage) values (1, ?, 'piloting')");
	world.own = {} as Record<Role, Spare>;
	for (const [i, role] of ROLES.entries()) {
		const attendee = (name: string) => join('/join/TAMAN8', { institutionId: '14', name }).then(() => idOf('select id from attendance where name = ?', name));
		const [attendanceId, removedAttendanceId, pendingAttendanceId] = await Promise.all([attendee(`Hadir ${i}a`), attendee(`Hadir ${i}b`), attendee(`Hadir ${i}c`)]);
		await rw.run('update attendance set removed_at = ? where id = ?', Date.now(), removedAttendanceId);
		world.own[role] = {
			institutionId: await institution.insert(`Lembaga Cadangan ${i}`, `LC${i}`, null),
			retiredInstitutionId: await institution.insert(`Lembaga Pensiun ${i}`, `LP${i}`, Date.now()),
			duplicateInstitutionId: await institution.insert(`Lembaga Ganda ${i}`, `LD${i}`, null),
			commitmentId: await commitmentRow.insert(String(900 + i), `Komitmen cadangan ${i}`),
			invitationId: await invitation.insert(createHash('sha256').update(`undangan-${i}`).digest('hex'), `Undangan ${i}`, `undangan-${i}@uji.test`, Date.now() + 86_400_000),
			attendanceId,
			removedAttendanceId,
			pendingAttendanceId,
			agendaId: await agenda.insert(`Acara cadangan ${i}`),
			componentId: await component.insert(`Komponen cadangan ${i}a`),
			workshopComponentId: await component.insert(`Komponen cadangan ${i}b`),
			pilotSiteId: await site.insert(elsewhere[2 * i]),
			workshopPilotSiteId: await site.insert(elsewhere[2 * i + 1]),
			areaCode: madiun[2 * i]!,
			otherAreaCode: madiun[2 * i + 1]!,
			// A forum has at most six groups: spares only for the roles whose delete goes through.
			beneficiaryGroupId: role === 'secretariat' || role === 'moderator' ? await group.insert(`Kelompok cadangan ${i}`) : 0
		};
	}

	// A signer still to sign the sealed minutes (a late witness), for the signing-link actions.
	world.pendingSignerId = Number(
		await rw.insert("insert into minutes_signers (minutes_version_id, role, name, jabatan, instansi, link_token) select id, 'witness', 'Saksi Terlambat', 'Lurah', 'Kelurahan Taman', 'tautan-saksi-terlambat-01' from minutes_versions where workshop_id = 1")
	);
}

beforeAll(async () => {
	server = await startServer({
		env: {
			MUFAKAT_JOIN_LIMIT: '100000',
			MUFAKAT_SIGN_LIMIT: '100000',
			MUFAKAT_LOGIN_FAILURES_PER_ACCOUNT: '100000',
			MUFAKAT_LOGIN_FAILURES_PER_ADDRESS: '100000',
			// No compaction or unloading of live rooms mid-run: those rewrite the update log on their own.
			MUFAKAT_COMPACT_EVERY: '1000000',
			MUFAKAT_ROOM_IDLE_MS: '3600000',
			MUFAKAT_COLLAB_SECRET: 'security-suite-secret-0123456789abcdef'
		}
	});
	rw = await openServerDb(server);
	await buildWorld();
}, 120_000);

afterAll(async () => {
	await rw?.close();
	await server?.stop();
	if (server) removeDir(server.dir);
});

describe('the access table', () => {
	it('names every page, form action and endpoint under src/routes, and nothing else', () => {
		const routes = routeKeys();
		expect(routes.length).toBeGreaterThan(100);
		expect(
			routes.filter((k) => !(k in ACCESS)),
			'routes without an entry in tests/helpers/access-table.ts'
		).toEqual([]);
		expect(
			Object.keys(ACCESS).filter((k) => !routes.includes(k)),
			'entries for routes that no longer exist'
		).toEqual([]);
	});
});

describe('every route as every role', () => {
	it('refuses whoever is not allowed and stores nothing; lets the allowed through', async () => {
		const problems: string[] = [];
		const entries = Object.entries(ACCESS).filter(([key]) => routeKeys().includes(key));

		// Refusals first, each against the state the one before left.
		let before = await stateOf();
		for (const [key, access] of entries) {
			const { method } = methodAndRoute(key);
			for (const role of ROLES) {
				if (access.allow.includes(role)) continue;
				const res = await send(clients[role], method, access.probe(world, role));
				await res.arrayBuffer();
				const redirect = access.redirect?.includes(role) ?? false;
				const ok = redirect ? res.status === 303 && !refused(res) : refused(res, access);
				if (!ok) problems.push(`${key} as ${role}: ${redirect ? 'expected a redirect elsewhere' : 'expected a refusal'}, got ${res.status} ${res.headers.get('location') ?? ''}`);
				const after = await stateOf();
				const changed = changedTables(before, after);
				if (changed.length) problems.push(`${key} as ${role} (${res.status}) changed ${changed.join(', ')}`);
				before = after;
			}
		}

		// Then the allowed requests, each through a copy of the role's cookies; those that end a session last.
		// (changing the password before signing out, which ends the session outright).
		const ordered = [...entries.filter(([, a]) => !a.endsSession), ...entries.filter(([, a]) => a.endsSession).sort(([a], [b]) => a.localeCompare(b))];
		for (const [key, access] of ordered) {
			const { method } = methodAndRoute(key);
			for (const role of access.allow) {
				const res = await send(clients[role].clone(), method, access.probe(world, role));
				const body = await res.text();
				if (!letThrough(res, access))
					problems.push(`${key} as ${role}: expected to be let through${access.allowedStatus ? ` (${access.allowedStatus})` : ''}, got ${res.status} ${res.headers.get('location') ?? ''} ${body.replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ').slice(0, 160)}`);
			}
		}
		expect(problems).toEqual([]);
	}, 180_000);
});
