/**
 * CPU of the server and of the client workers, the server's memory, and how busy the whole machine
 * was, all read from /proc so nothing runs inside the server under test. Linux only, like the
 * machines this benchmark is meant for.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

/** Kernel clock ticks per second, the unit of utime and stime in /proc/<pid>/stat (almost always 100). */
const CLOCK_TICKS_PER_SECOND = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());

/** User plus system CPU seconds the process (all its threads) has used since it started. */
export function cpuSeconds(pid: number): number {
	const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
	// The command name (field 2) is in parentheses and may hold spaces; count fields after it.
	// What follows starts at field 3 (state), so utime (field 14) and stime (15) are at 11 and 12.
	const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
	return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS_PER_SECOND;
}

/**
 * Busy CPU seconds of the whole machine, all cores together, from the first line of /proc/stat:
 * user nice system idle iowait irq softirq steal; everything but idle and iowait is busy.
 */
function machineBusySeconds(): number {
	const [, ...ticks] = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0]!.trim().split(/\s+/);
	const [user, nice, system, , , irq, softirq, steal] = ticks.map(Number);
	return (user! + nice! + system! + irq! + softirq! + steal!) / CLOCK_TICKS_PER_SECOND;
}

export function residentBytes(pid: number): number {
	const match = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
	if (!match) throw new Error(`no VmRSS for process ${pid}`);
	return Number(match[1]) * 1024;
}

/** CPU figures are CPU time over wall time: 100 is one core fully busy, the ceiling is 100 × cores. */
export type WindowUsage = {
	serverCpuPercent: number;
	serverRssMeanBytes: number;
	serverRssPeakBytes: number;
	/** All client worker processes together. */
	clientsCpuPercent: number;
	/** Every process on the machine: what is left after server and clients is someone else's. */
	machineCpuPercent: number;
	/** Length of the metered window. */
	windowSeconds: number;
	/**
	 * Each server process on its own, in the order given (one entry for a single server; several
	 * for instances behind a load balancer and the services they use). The totals above add them up.
	 */
	perServer: { cpuPercent: number; rssMeanBytes: number; rssPeakBytes: number }[];
};

const RSS_SAMPLE_MS = 500;

/**
 * Meters the measured window from `start()` to `stop()`, from the conductor's side so a lagging
 * process cannot skew its own figures: CPU from two readings of each process and of the machine,
 * the server's RSS sampled twice a second.
 */
export class WindowMeter {
	private serverCpuAtStart: number[] = [];
	private clientsCpuAtStart = 0;
	private machineAtStart = 0;
	private wallAtStart = 0;
	/** One row per sample, one column per server process. */
	private rssSamples: number[][] = [];
	private sampler: NodeJS.Timeout | undefined;
	private readonly serverPids: number[];

	/** `serverPids`: one process, or every process of a multi-instance set-up (their figures add up). */
	constructor(
		serverPids: number | number[],
		private readonly clientPids: number[]
	) {
		this.serverPids = Array.isArray(serverPids) ? serverPids : [serverPids];
	}

	private clientsCpuSeconds(): number {
		return this.clientPids.reduce((sum, pid) => sum + cpuSeconds(pid), 0);
	}

	private sampleRss(): number[] {
		return this.serverPids.map((pid) => residentBytes(pid));
	}

	start(): void {
		this.serverCpuAtStart = this.serverPids.map((pid) => cpuSeconds(pid));
		this.clientsCpuAtStart = this.clientsCpuSeconds();
		this.machineAtStart = machineBusySeconds();
		this.wallAtStart = performance.now();
		this.rssSamples = [this.sampleRss()];
		this.sampler = setInterval(() => {
			// A server that died mid-run is reported by the conductor; stop() then fails on /proc.
			try {
				this.rssSamples.push(this.sampleRss());
			} catch {
				clearInterval(this.sampler);
			}
		}, RSS_SAMPLE_MS);
	}

	stop(): WindowUsage {
		clearInterval(this.sampler);
		this.rssSamples.push(this.sampleRss());
		const windowSeconds = (performance.now() - this.wallAtStart) / 1000;
		const percentOfWindow = (seconds: number) => (seconds / windowSeconds) * 100;
		const perServer = this.serverPids.map((pid, i) => {
			const samples = this.rssSamples.map((row) => row[i]!);
			return {
				cpuPercent: percentOfWindow(cpuSeconds(pid) - this.serverCpuAtStart[i]!),
				rssMeanBytes: samples.reduce((sum, bytes) => sum + bytes, 0) / samples.length,
				rssPeakBytes: Math.max(...samples)
			};
		});
		const totals = this.rssSamples.map((row) => row.reduce((sum, bytes) => sum + bytes, 0));
		return {
			windowSeconds,
			serverCpuPercent: perServer.reduce((sum, s) => sum + s.cpuPercent, 0),
			serverRssMeanBytes: totals.reduce((sum, bytes) => sum + bytes, 0) / totals.length,
			serverRssPeakBytes: Math.max(...totals),
			clientsCpuPercent: percentOfWindow(this.clientsCpuSeconds() - this.clientsCpuAtStart),
			machineCpuPercent: percentOfWindow(machineBusySeconds() - this.machineAtStart),
			perServer
		};
	}
}

/**
 * Waits, at most `patienceMs`, for a second in which the machine is nearly idle, and returns how
 * busy that last second was. Other work on the machine (a test run, a build) steals the cores the
 * server and clients share and would be measured as latency.
 */
export async function waitForQuietMachine(patienceMs: number, quietPercent: number): Promise<number> {
	const giveUpAt = performance.now() + patienceMs;
	for (;;) {
		const busyBefore = machineBusySeconds();
		const startedAt = performance.now();
		await new Promise((resolve) => setTimeout(resolve, 1000));
		const busyPercent = ((machineBusySeconds() - busyBefore) / ((performance.now() - startedAt) / 1000)) * 100;
		if (busyPercent < quietPercent || performance.now() >= giveUpAt) return busyPercent;
	}
}
