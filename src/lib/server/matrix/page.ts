/** What the matrix pages (moderator, projector, participant) load besides the live doc itself. */
import { and, asc, eq, isNull } from 'drizzle-orm';
import { readMatrix } from '../../collab/matrix-doc';
import type { Viewer } from '../auth';
import { principalFromViewer } from '../collab/principal';
import { liveRooms } from '../collab/registry';
import type { Db } from '../db/client';
import { institutions } from '../db/schema';
import { listPilotSites } from '../programmes/pilot-sites';
import type { Workshop } from '../workshops/workshops';
import { listMatrixVersions } from './freeze';

export async function matrixPageData(db: Db, workshop: Workshop) {
	const snapshot = await liveRooms().read(workshop.id, readMatrix);
	const rowIds = new Set(snapshot.rows.map((r) => Number(r.id)));
	const candidates = (await db
		.select({ id: institutions.id, shortName: institutions.shortName, sector: institutions.sector })
		.from(institutions)
		.where(and(eq(institutions.forumId, workshop.forumId), eq(institutions.approved, true), isNull(institutions.retiredAt)))
		.orderBy(asc(institutions.shortName)))
		.filter((i) => !rowIds.has(i.id));
	return {
		components: snapshot.components.map((c) => ({ id: Number(c.id), name: c.name, position: c.position })),
		rows: snapshot.rows.map((r) => ({ id: Number(r.id), name: r.name, shortName: r.shortName, sector: r.sector })),
		pilotSites: workshop.programmeId
			? (await listPilotSites(db, workshop.programmeId)).map((s) => ({ code: s.areaCode, name: s.area?.name ?? s.areaCode }))
			: [],
		versions: (await listMatrixVersions(db, workshop.id)).map((v) => ({
			version: v.version,
			contentHash: v.contentHash,
			frozenAt: v.frozenAt,
			current: v.supersededAt === null
		})),
		candidates
	};
}

/** What the live client may do, so pages can show read-only controls where the server would refuse. */
export async function collabPrincipalFor(db: Db, viewer: Viewer | null, workshopId: number) {
	const p = await principalFromViewer(db, viewer, workshopId);
	return p ? { role: p.role, institutionId: p.institutionId, name: p.name } : null;
}
