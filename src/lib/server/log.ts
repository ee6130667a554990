/**
 * Operator log: one line per event, `level event key=value …`, to stdout (stderr for errors).
 * `MUFAKAT_LOG_LEVEL` = error | warn | info (default) | debug | silent.
 */
const LEVELS = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 } as const;
export type LogLevel = Exclude<keyof typeof LEVELS, 'silent'>;

function threshold(): number {
	const wanted = (process.env.MUFAKAT_LOG_LEVEL ?? 'info').toLowerCase();
	return wanted in LEVELS ? LEVELS[wanted as keyof typeof LEVELS] : LEVELS.info;
}

function formatValue(value: unknown): string {
	if (value instanceof Error) return JSON.stringify(value.message);
	const text = typeof value === 'string' ? value : JSON.stringify(value);
	return /^[\w.:/@-]*$/.test(text ?? '') ? String(text) : JSON.stringify(text);
}

export function log(level: LogLevel, event: string, fields: Record<string, unknown> = {}): void {
	if (LEVELS[level] < threshold()) return;
	const parts = [new Date().toISOString(), level, event];
	for (const [key, value] of Object.entries(fields)) if (value !== undefined) parts.push(`${key}=${formatValue(value)}`);
	const line = parts.join(' ');
	if (level === 'error' || level === 'warn') console.error(line);
	else console.log(line);
}
