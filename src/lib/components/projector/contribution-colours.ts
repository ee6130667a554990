import type { ContributionType } from '$lib/collab/matrix-doc';

/**
 * A colour per contribution type for the projector's tags, so a room can spot "all the funding"
 * at a glance. Each carries white text above 7:1 (projectors wash colours out); the tag always
 * says the type in words too, so colour is never the only cue.
 */
export const CONTRIBUTION_COLOUR: Record<ContributionType, string> = {
	PENDANAAN: '#7a4300',
	PELATIHAN: '#1a4488',
	PENDAMPINGAN: '#0b5443',
	FASILITASI: '#55257d',
	DATA_KAJIAN: '#474700',
	KEBIJAKAN: '#731d56',
	SARPRAS: '#8f1919',
	PROMOSI: '#8a2e08',
	JEJARING: '#004f60',
	MONEV: '#333333'
};
