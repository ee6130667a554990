/**
 * Axis ticks a reader can use: steps of 1, 2, 2.5 or 5 times a power of ten, so an axis reads
 * 0 / 50 / 100 / 150 / 200, never 0 / 81 / 162. Pure: used by the SVG charts.
 */
export type ChartScale = { min: number; max: number; step: number; ticks: number[] };

const STEPS = [1, 2, 2.5, 5, 10];

/** The roundest step that covers `span` in at most `maxTicks - 1` intervals. */
function roundStep(span: number, maxTicks: number): number {
	const raw = span / Math.max(1, maxTicks - 1);
	const power = 10 ** Math.floor(Math.log10(raw));
	return (STEPS.find((s) => s * power >= raw - 1e-12) ?? 10) * power;
}

/**
 * A scale that contains [lo, hi], with its ends on round ticks. `integers` keeps the step whole
 * (counts of households, groups, villages).
 */
export function roundScale(lo: number, hi: number, opts: { maxTicks?: number; integers?: boolean } = {}): ChartScale {
	const maxTicks = opts.maxTicks ?? 5;
	if (!Number.isFinite(lo) || !Number.isFinite(hi)) return { min: 0, max: 1, step: 1, ticks: [0, 1] };
	if (hi < lo) [lo, hi] = [hi, lo];
	if (hi === lo) hi = lo + 1;
	let step = roundStep(hi - lo, maxTicks);
	if (opts.integers) step = Math.max(1, Math.ceil(step));
	// Whole-number steps only: 2.5 × 1 would print 2,5 households.
	if (opts.integers && !Number.isInteger(step)) step = Math.ceil(step);
	const min = Math.floor(lo / step + 1e-9) * step;
	const max = Math.ceil(hi / step - 1e-9) * step;
	const ticks: number[] = [];
	// Rounded so that 0.1 + 0.2 does not print as 0,30000000000000004.
	for (let v = min; v <= max + step / 2; v += step) ticks.push(Number(v.toPrecision(12)));
	return { min, max, step, ticks };
}
