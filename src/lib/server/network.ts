import { networkInterfaces } from 'node:os';

/** IPv4 addresses of this machine on the hall's network (no loopback, no link-local). */
export function lanAddresses(): string[] {
	const found: string[] = [];
	for (const entries of Object.values(networkInterfaces())) {
		for (const entry of entries ?? []) {
			if (entry.family === 'IPv4' && !entry.internal && !entry.address.startsWith('169.254.')) found.push(entry.address);
		}
	}
	return found;
}

const isLoopbackHost = (host: string) => /^(localhost|127\.\d+\.\d+\.\d+|\[::1\])(:\d+)?$/i.test(host);

/**
 * The address to put in links and QR codes that other devices open (join, signing, re-entry):
 * `PUBLIC_URL` when set, else this request's origin, except that a browser which came in through
 * loopback (the moderator's own laptop at http://localhost:3000) gets the LAN address instead, so
 * phones are not pointed at themselves. `loopbackOnly` is true when no other device can follow.
 */
export function publicBaseUrl(requestUrl: URL): { url: string; loopbackOnly: boolean } {
	const configured = process.env.PUBLIC_URL?.trim();
	if (configured) return { url: configured.replace(/\/+$/, ''), loopbackOnly: false };
	if (!isLoopbackHost(requestUrl.host)) return { url: requestUrl.origin, loopbackOnly: false };
	const lan = lanAddresses()[0];
	if (!lan) return { url: requestUrl.origin, loopbackOnly: true };
	return { url: `${requestUrl.protocol}//${lan}${requestUrl.port ? `:${requestUrl.port}` : ''}`, loopbackOnly: false };
}
