/**
 * The hall's network: which addresses other devices (phones, the projector laptop) can reach this
 * server on, and which base URL to put in links, QR codes and PDFs they open.
 *
 * Imported by server.ts as well as the SvelteKit bundle, so it reads nothing but Node and the
 * environment. Every function takes the environment and the network interfaces as optional
 * parameters, so that tests choose them.
 */
import { networkInterfaces } from 'node:os';
import type { LinkWarning } from '../network/types';

export type Interfaces = ReturnType<typeof networkInterfaces>;
type Env = Record<string, string | undefined>;

export type PublicBase = {
	/** Base URL without a trailing slash, e.g. `http://192.168.1.10:3000`. */
	url: string;
	/** True when no other device can follow a link built on `url`. */
	loopbackOnly: boolean;
	/** Why not, when `loopbackOnly`. */
	warning: LinkWarning | null;
};

const bare = (hostname: string) => hostname.toLowerCase().replace(/^\[|\]$/g, '');

/** Whether a host name or address is this computer only (localhost, 127/8, ::1, or "any"). */
export function isLoopbackHostname(hostname: string): boolean {
	const h = bare(hostname);
	return (
		h === 'localhost' ||
		h.endsWith('.localhost') ||
		/^127\.\d+\.\d+\.\d+$/.test(h) ||
		h === '::1' ||
		h === '0:0:0:0:0:0:0:1' ||
		/^::ffff:(127\.|7f[0-9a-f]{2}:)/.test(h) ||
		// Browsers on Linux and macOS open http://0.0.0.0:3000 as this computer.
		h === '0.0.0.0' ||
		h === '::'
	);
}

function ipv4Parts(address: string): number[] | null {
	const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(address);
	return m ? m.slice(1).map(Number) : null;
}

/** 0 for 192.168/16, 1 for 10/8, 2 for 172.16/12 (the ranges a hall's Wi-Fi router hands out), 3 otherwise. */
function privateRank(address: string): number {
	const [a, b] = ipv4Parts(address) ?? [];
	if (a === 192 && b === 168) return 0;
	if (a === 10) return 1;
	if (a === 172 && b !== undefined && b >= 16 && b <= 31) return 2;
	return 3;
}

// Container bridges and VPN tunnels are addresses too, but a phone in the hall is not on them.
const VIRTUAL_INTERFACE = /^(docker|br-|veth|virbr|vmnet|vboxnet|lxc|lxd|cni|flannel|podman|tailscale|zt|utun|tun|tap|wg)/i;

/**
 * IPv4 addresses of this machine on a network (no loopback, no link-local), those in the private
 * ranges first (192.168, 10, 172.16–31) and those of container bridges and tunnels last.
 */
export function lanAddresses(interfaces: Interfaces = networkInterfaces()): string[] {
	const found: { address: string; rank: number }[] = [];
	for (const [name, entries] of Object.entries(interfaces)) {
		for (const entry of entries ?? []) {
			if (entry.family !== 'IPv4' || entry.internal) continue;
			if (entry.address.startsWith('169.254.') || isLoopbackHostname(entry.address)) continue;
			if (found.some((f) => f.address === entry.address)) continue;
			found.push({ address: entry.address, rank: privateRank(entry.address) + (VIRTUAL_INTERFACE.test(name) ? 10 : 0) });
		}
	}
	// Array.prototype.sort is stable: within a rank, the order the system lists them in.
	return found.sort((x, y) => x.rank - y.rank).map((f) => f.address);
}

const isAnyAddress = (host: string | undefined) => !host || ['0.0.0.0', '::', '[::]'].includes(host.trim());

/** The addresses other devices can reach this server on, given the address it listens on (HOST). */
export function reachableAddresses(host: string | undefined, interfaces?: Interfaces): string[] {
	if (isAnyAddress(host)) return lanAddresses(interfaces);
	if (isLoopbackHostname(host!.trim())) return [];
	return [host!.trim()];
}

/** An address as it goes into a URL: IPv6 in brackets. */
export const urlHost = (address: string) => (address.includes(':') && !address.startsWith('[') ? `[${address}]` : address);

/** A configured base URL (PUBLIC_URL, ORIGIN) without its trailing slash; null when unset or not http(s). */
export function parseBaseUrl(value: string | undefined): string | null {
	const raw = value?.trim();
	if (!raw) return null;
	try {
		const url = new URL(raw);
		if (url.protocol !== 'http:' && url.protocol !== 'https:') return null;
		return url.origin + url.pathname.replace(/\/+$/, '');
	} catch {
		return null;
	}
}

const reachable = (url: string): PublicBase => ({ url, loopbackOnly: false, warning: null });

/**
 * The address to put in links and QR codes that other devices open (join, signing, re-entry):
 * `PUBLIC_URL` when set; else `ORIGIN` when set (SvelteKit refuses form posts coming from any
 * other address); else this request's origin, except that a browser which came in through loopback
 * (the moderator's own laptop at http://localhost:3000) gets the first LAN address instead, so
 * phones are not pointed at themselves. `loopbackOnly` is true when no other device can follow.
 */
export function publicBaseUrl(requestUrl: URL, options: { env?: Env; interfaces?: Interfaces } = {}): PublicBase {
	const env = options.env ?? process.env;
	const configured = parseBaseUrl(env.PUBLIC_URL);
	if (configured) return reachable(configured);
	const origin = parseBaseUrl(env.ORIGIN);
	if (origin) return isLoopbackHostname(new URL(origin).hostname) ? { url: origin, loopbackOnly: true, warning: 'originLoopback' } : reachable(origin);
	if (!isLoopbackHostname(requestUrl.hostname)) return reachable(requestUrl.origin);
	if (env.HOST && !isAnyAddress(env.HOST) && isLoopbackHostname(env.HOST.trim())) return { url: requestUrl.origin, loopbackOnly: true, warning: 'hostLoopback' };
	const lan = reachableAddresses(env.HOST, options.interfaces)[0];
	if (!lan) return { url: requestUrl.origin, loopbackOnly: true, warning: 'noNetwork' };
	return reachable(`${requestUrl.protocol}//${urlHost(lan)}${requestUrl.port ? `:${requestUrl.port}` : ''}`);
}

/** The same choice without a request (sealing at start-up, the CLI): as if opened at http://localhost:PORT. */
export function serverBaseUrl(options: { env?: Env; interfaces?: Interfaces } = {}): PublicBase {
	const env = options.env ?? process.env;
	return publicBaseUrl(new URL(`http://localhost:${env.PORT?.trim() || '3000'}`), options);
}

/**
 * Whether someone outside this network (an official reading the PDF a month later) can open an
 * address: not loopback, not a private, link-local, shared (CGNAT) or documentation range, not a
 * single-label or local-only name.
 */
export function isPublicHostname(hostname: string): boolean {
	const h = bare(hostname);
	if (isLoopbackHostname(h)) return false;
	const v4 = ipv4Parts(h);
	if (v4) {
		const [a, b, c] = v4 as [number, number, number, number];
		if (a === 0 || a === 10 || a === 127 || (a === 169 && b === 254) || (a === 192 && b === 168)) return false;
		if (a === 172 && b >= 16 && b <= 31) return false;
		if (a === 100 && b >= 64 && b <= 127) return false;
		if ((a === 192 && b === 0 && c === 2) || (a === 198 && b === 51 && c === 100) || (a === 203 && b === 0 && c === 113)) return false;
		return true;
	}
	if (h.includes(':')) return !/^(f[cd]|fe[89ab])/.test(h);
	if (!h.includes('.')) return false;
	return !/\.(local|lan|home|internal|intranet|localdomain|home\.arpa)$/.test(h);
}

/** The verify page's address printed in a sealed PDF, and whether it opens only on this network. */
export function verifyAddress(base: string): { url: string; localOnly: boolean } {
	return { url: `${base}/verify`, localOnly: !isPublicHostname(new URL(base).hostname) };
}

/**
 * What the server prints once it listens, in the manner of Vite: the first line as before, then
 * every address people can open (Local, one Network line per LAN address, Public) and what keeps
 * phones out, if anything does.
 */
export function startupLines(o: { host: string; port: number; env?: Env; interfaces?: Interfaces }): string[] {
	const env = o.env ?? process.env;
	const any = isAnyAddress(o.host);
	const shown = any ? 'localhost' : urlHost(o.host);
	const lines = [`Mufakat listening on http://${shown}:${o.port}`];
	if (any || isLoopbackHostname(o.host)) lines.push(`  Local:   http://${shown}:${o.port}/`);
	const network = reachableAddresses(o.host, o.interfaces);
	for (const address of network) lines.push(`  Network: http://${urlHost(address)}:${o.port}/`);
	if (network.length === 0) {
		lines.push(
			any
				? "  Network: none (this computer has no address on a network: connect it to the hall's Wi-Fi or LAN)"
				: `  Network: none (HOST=${o.host} listens on this computer only: set HOST=0.0.0.0 so that phones can connect)`
		);
	}
	const configured = parseBaseUrl(env.PUBLIC_URL);
	if (configured) lines.push(`  Public:  ${configured}/`);
	else if (env.PUBLIC_URL?.trim()) lines.push(`  Public:  PUBLIC_URL=${env.PUBLIC_URL.trim()} is not an http(s) address and is ignored`);
	const origin = parseBaseUrl(env.ORIGIN);
	if (origin && isLoopbackHostname(new URL(origin).hostname)) {
		lines.push(`  Warning: ORIGIN=${origin} is a loopback address: forms sent from phones will be refused. Unset ORIGIN on a hall's network.`);
	}
	return lines;
}
