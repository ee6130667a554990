/**
 * The projector screen's own keys, for a moderator at its keyboard (or a presenter's clicker,
 * which sends PageUp/PageDown): turn, hold, show or hide the QR. Letters typed into a field or
 * pressed while a dialog is open are not commands.
 */
export type ProjectorKeyActions = { turn: (step: number) => void; hold: () => void; toggleJoin?: () => void; clear?: () => void };

export function handleProjectorKey(event: KeyboardEvent, actions: ProjectorKeyActions): void {
	if (event.defaultPrevented || event.ctrlKey || event.metaKey || event.altKey) return;
	const target = event.target;
	if (target instanceof HTMLElement && (target.isContentEditable || target.closest('input, textarea, select'))) return;
	if (document.querySelector('dialog[open]')) return;
	const key = event.key.length === 1 ? event.key.toLowerCase() : event.key;
	const action: (() => void) | undefined = {
		PageDown: () => actions.turn(1),
		PageUp: () => actions.turn(-1),
		h: event.repeat ? undefined : actions.hold,
		q: event.repeat ? undefined : actions.toggleJoin,
		Escape: actions.clear
	}[key];
	if (!action) return;
	event.preventDefault();
	action();
}
