/** What the moderator has singled out on the grid: L locks it, follow-me shows it to everyone. */
export type FocusTarget = { kind: 'row'; id: string } | { kind: 'component'; id: string } | { kind: 'cell'; key: string };

export type PilotSite = { code: string; name: string };

/** A cell changed by someone else within this many milliseconds is highlighted. */
export const RECENT_CHANGE_MS = 8000;
