import { attendanceCsv, listAttendance } from '$lib/server/workshops/attendance';
import { getDb } from '$lib/server/db/client';
import { csvSeparator } from '$lib/server/csv';
import { requireWorkshopRole } from '$lib/server/guards';
import { translate, type MessageKey } from '$lib/i18n/translate';
import type { RequestHandler } from './$types';

export const GET: RequestHandler = async ({ locals, params, url }) => {
	const db = getDb();
	const { workshop, forum } = await requireWorkshopRole(db, locals, Number(params.workshopId));
	const l = locals.locale;
	const includePhone = url.searchParams.get('public') !== '1';
	const csv = attendanceCsv(
		await listAttendance(db, workshop.id),
		{
			no: translate(l, 'attendance.no'),
			name: translate(l, 'attendance.name'),
			jabatan: translate(l, 'attendance.jabatan'),
			institution: translate(l, 'attendance.institution'),
			sector: translate(l, 'sector.title'),
			gender: translate(l, 'attendance.gender'),
			phone: translate(l, 'attendance.phone'),
			time: translate(l, 'attendance.time')
		},
		(s) => translate(l, `sector.${s}` as MessageKey),
		{ includePhone, timeZone: forum.timeZone, separator: csvSeparator(l), genderLabel: (g) => translate(l, `gender.${g}`) }
	);
	const name = `daftar-hadir-${workshop.date}-${workshop.id}${includePhone ? '' : '-publik'}.csv`;
	return new Response(csv, {
		headers: {
			'content-type': 'text/csv; charset=utf-8',
			'content-disposition': `attachment; filename="${name}"`,
			'cache-control': 'no-store'
		}
	});
};
