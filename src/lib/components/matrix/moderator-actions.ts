/**
 * What the moderator's buttons and keyboard shortcuts do to the live session, shared by the
 * moderator page and the projector so that N, L and F behave the same on both.
 */
import type { MatrixConnection } from '$lib/collab/client.svelte';
import { parseCellKey } from '$lib/collab/matrix-doc';
import type { FocusTarget } from './types';

export function goToAgendaItem(conn: MatrixConnection, index: number, agendaLength: number): void {
	if (agendaLength === 0) return;
	const next = Math.min(Math.max(index, 0), agendaLength - 1);
	// Moving on restarts the clock for the new item.
	if (next !== conn.session.agendaIndex) conn.updateSession({ agendaIndex: next, timerStartedAt: Date.now() });
}

export function toggleTimer(conn: MatrixConnection): void {
	conn.updateSession({ timerStartedAt: conn.session.timerStartedAt === null ? Date.now() : null });
}

/** The follow-me target for what the moderator has singled out; rows have no target of their own. */
export function followTargetOf(focus: FocusTarget | null): string | null {
	if (!focus) return 'matrix';
	if (focus.kind === 'cell') return focus.key;
	if (focus.kind === 'component') return focus.id;
	return null;
}

export function toggleFollow(conn: MatrixConnection, focus: FocusTarget | null): void {
	const on = !conn.session.followMe;
	conn.updateSession(on ? { followMe: true, followTarget: followTargetOf(focus) ?? 'matrix' } : { followMe: false });
}

/**
 * L: the focused row or column; a focused cell locks its row (a row is what an institution
 * speaks for); with nothing focused, the whole matrix (all rows, or none if all are locked).
 */
export function toggleLock(conn: MatrixConnection, focus: FocusTarget | null): void {
	const m = conn.snapshot;
	if (focus?.kind === 'component') {
		const component = m.components.find((c) => c.id === focus.id);
		if (component) conn.setComponentLocked(component.id, !component.locked);
		return;
	}
	const rowId = focus?.kind === 'row' ? focus.id : focus?.kind === 'cell' ? parseCellKey(focus.key)?.institutionId : undefined;
	const row = rowId ? m.rows.find((r) => r.id === rowId) : undefined;
	if (row) return conn.setRowLocked(row.id, !row.locked);
	conn.setAllRowsLocked(!allRowsLocked(conn));
}

export const allRowsLocked = (conn: MatrixConnection) => conn.snapshot.rows.length > 0 && conn.snapshot.rows.every((r) => r.locked);
