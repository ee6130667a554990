/** Programme setup as the shared components show it (no server module: components import none). */

/** The same stages as the pilot_sites table: survey, piloting, replication, handover (pemandirian). */
export const PILOT_STAGE_LIST = ['survey', 'piloting', 'replication', 'handover'] as const;
export type PilotStageName = (typeof PILOT_STAGE_LIST)[number];

export type ComponentItem = { id: number; name: string; kind: 'focus' | 'action' };

export type AreaItem = { code: string; name: string; isKelurahan: boolean; district: string; regency: string };

export type PilotSiteItem = { id: number; areaCode: string; stage: PilotStageName; area: AreaItem | null };
