/**
 * The demo is on unless `MUFAKAT_DEMO=off`: its forums are loaded into an empty database and its
 * accounts, whose passwords the README publishes, may sign in. With the demo off they may not.
 */
export function demoModeOn(): boolean {
	return process.env.MUFAKAT_DEMO !== 'off';
}
