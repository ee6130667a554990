import type Database from 'better-sqlite3';
import type { ServerDb } from './server-db';

const INVITATION_CODE =
	'select i.code from workshop_invitations i join institutions s on s.id = i.institution_id where i.workshop_id = ? and s.short_name = ?';

function codeOf(row: { code: string | null } | undefined, workshopId: number, shortName: string): string {
	if (!row?.code) throw new Error(`no invitation code for ${shortName} in workshop ${workshopId}`);
	return row.code;
}

/** An institution's own code from the undangan of a workshop, found by the institution's short name (the browser layer's SQLite file). */
export function invitationCode(db: Database.Database, workshopId: number, shortName: string): string {
	return codeOf(db.prepare(INVITATION_CODE).get(workshopId, shortName) as { code: string | null } | undefined, workshopId, shortName);
}

/** The same, from the server's database on either engine. */
export async function serverInvitationCode(db: ServerDb, workshopId: number, shortName: string): Promise<string> {
	return codeOf(await db.one<{ code: string | null } | undefined>(INVITATION_CODE, workshopId, shortName), workshopId, shortName);
}
