import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { eq } from 'drizzle-orm';
import type { Db } from '../db/client';
import { attendance, institutions, settings } from '../db/schema';
import { rolesIn, type Viewer } from '../auth';
import { speaksForInstitution } from '../workshops/confirmation';
import { getWorkshop } from '../workshops/workshops';

/**
 * Who is on a live-document connection. Decided on the server at upgrade time, from the session
 * cookie or a signed token; never from anything the client says later.
 */
export type CollabRole = 'moderator' | 'secretariat' | 'representative' | 'viewer';
export const COLLAB_ROLES: readonly CollabRole[] = ['moderator', 'secretariat', 'representative', 'viewer'];

export type Principal = {
	workshopId: number;
	role: CollabRole;
	/** The institution a representative speaks for; null for every other role. */
	institutionId: number | null;
	/** Stable identity used to bind Yjs client ids: `user:<id>`, `attendance:<id>` or a token subject. */
	subject: string;
	name: string;
	/** The id of the signed token this connection came with (`j`), so revoking it can close the socket. */
	tokenId?: string;
};

/** The principal for a cookie session on one workshop, or null when it may not open that room. */
export async function principalFromViewer(db: Db, viewer: Viewer | null, workshopId: number): Promise<Principal | null> {
	if (!viewer) return null;
	const workshop = await getWorkshop(db, workshopId);
	if (!workshop) return null;
	if (viewer.kind === 'account') {
		const roles = rolesIn(viewer, workshop.forumId);
		const role: CollabRole | null = roles.includes('moderator') ? 'moderator' : roles.includes('secretariat') ? 'secretariat' : null;
		return role ? { workshopId, role, institutionId: null, subject: `user:${viewer.user.id}`, name: viewer.user.name } : null;
	}
	if (viewer.workshopId !== workshopId) return null;
	const institution = (await db.select().from(institutions).where(eq(institutions.id, viewer.institutionId)))[0];
	const entry = (await db.select().from(attendance).where(eq(attendance.id, viewer.attendanceId)))[0];
	// A proposed institution has no row in the matrix until the moderator approves it, and a check-in
	// with the general code waits for the moderator's confirmation: read-only until then.
	const role: CollabRole = institution?.approved && entry && speaksForInstitution(entry) ? 'representative' : 'viewer';
	return {
		workshopId,
		role,
		institutionId: role === 'representative' ? viewer.institutionId : null,
		subject: `attendance:${viewer.attendanceId}`,
		name: viewer.name
	};
}

const SECRET_KEY = 'collab_token_secret';

/** `MUFAKAT_COLLAB_SECRET` if set (shared by several instances), else one made on first use and kept. */
export async function collabSecret(db: Db): Promise<string> {
	const fromEnv = process.env.MUFAKAT_COLLAB_SECRET;
	if (fromEnv) return fromEnv;
	const row = (await db.select().from(settings).where(eq(settings.key, SECRET_KEY)))[0];
	if (row) return row.value;
	const value = randomBytes(32).toString('base64url');
	await db.insert(settings).values({ key: SECRET_KEY, value }).onConflictDoNothing();
	return (await db.select().from(settings).where(eq(settings.key, SECRET_KEY)))[0]!.value;
}

/** `j`: the token's own id, for the revocation list (tokens minted before it existed have none). */
type TokenPayload = { w: number; r: CollabRole; i: number | null; s: string; n: string; e: number; j?: string };

/** A short-lived signed token for outside Yjs clients (and the projector's second screen). */
export function mintCollabToken(secret: string, p: Principal, ttlSeconds = 3600, now = Date.now()): string {
	const payload: TokenPayload = {
		w: p.workshopId,
		r: p.role,
		i: p.institutionId,
		s: p.subject,
		n: p.name,
		e: now + ttlSeconds * 1000,
		j: randomBytes(12).toString('base64url')
	};
	const body = Buffer.from(JSON.stringify(payload)).toString('base64url');
	const mac = createHmac('sha256', secret).update(body).digest('base64url');
	return `v1.${body}.${mac}`;
}

/** The signed payload of a token, expired or not; null when the signature does not hold. */
function signedPayload(secret: string, token: string): TokenPayload | null {
	const [version, body, mac] = token.split('.');
	if (version !== 'v1' || !body || !mac) return null;
	const expected = createHmac('sha256', secret).update(body).digest();
	const given = Buffer.from(mac, 'base64url');
	if (given.length !== expected.length || !timingSafeEqual(given, expected)) return null;
	try {
		return JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as TokenPayload;
	} catch {
		return null;
	}
}

export function verifyCollabToken(secret: string, token: string, now = Date.now()): Principal | null {
	const p = signedPayload(secret, token);
	if (!p) return null;
	if (typeof p.e !== 'number' || p.e < now || !COLLAB_ROLES.includes(p.r) || !Number.isInteger(p.w)) return null;
	if (p.r === 'representative' && !Number.isInteger(p.i)) return null;
	return {
		workshopId: p.w,
		role: p.r,
		institutionId: p.r === 'representative' ? p.i : null,
		subject: `token:${p.s}`,
		name: String(p.n ?? ''),
		...(typeof p.j === 'string' ? { tokenId: p.j } : {})
	};
}

/** What revoking needs from a genuine token: its id, workshop and expiry (null for a forged or id-less one). */
export function collabTokenClaims(secret: string, token: string): { tokenId: string; workshopId: number; expiresAt: number } | null {
	const p = signedPayload(secret, token);
	if (!p || typeof p.j !== 'string' || !Number.isInteger(p.w) || typeof p.e !== 'number') return null;
	return { tokenId: p.j, workshopId: p.w, expiresAt: p.e };
}
