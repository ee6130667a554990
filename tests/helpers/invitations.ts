import type Database from 'better-sqlite3';

/** An institution's own code from the undangan of a workshop, found by the institution's short name. */
export function invitationCode(db: Database.Database, workshopId: number, shortName: string): string {
	const row = db
		.prepare('select i.code from workshop_invitations i join institutions s on s.id = i.institution_id where i.workshop_id = ? and s.short_name = ?')
		.get(workshopId, shortName) as { code: string | null } | undefined;
	if (!row?.code) throw new Error(`no invitation code for ${shortName} in workshop ${workshopId}`);
	return row.code;
}
