/** The undangan's per-institution part: each invited institution's code, its join link and QR. */
import type { Db } from '../db/client';
import { qrSvg } from '../qr';
import { listInvitationCodes, type InvitationCode } from './workshops';

export type InvitationCard = InvitationCode & { url: string; qr: string };

export async function invitationCards(db: Db, workshopId: number, baseUrl: string): Promise<InvitationCard[]> {
	return Promise.all(
		(await listInvitationCodes(db, workshopId)).map(async (i) => {
			const url = `${baseUrl}/join/${i.code}`;
			return { ...i, url, qr: await qrSvg(url) };
		})
	);
}
