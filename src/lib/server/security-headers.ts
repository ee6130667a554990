/**
 * Headers every response carries. The Content-Security-Policy itself comes from SvelteKit
 * (`kit.csp` in svelte.config.js, with a nonce or hashes for Kit's own inline script); this hook
 * adds the rest, and lets the projector page be framed by the sites an operator names in
 * `MUFAKAT_FRAME_ANCESTORS` (e.g. `https://layar.example.go.id 'self'`), since a hall may show it
 * inside a signage or streaming page. Everything else may be framed by no one.
 *
 * HSTS only when the server is reached over https (ORIGIN or PUBLIC_URL): sent over plain http on
 * a hall's LAN it would be ignored at best and lock phones out at worst.
 */
import type { Handle } from '@sveltejs/kit';
import { log } from './log';
import { parseBaseUrl } from './network';

const PROJECTOR_PATH = /^\/workshops\/\d+\/projector\/?$/;

/** CSP source expressions an operator may name: keywords, schemes, hosts with optional scheme, port, wildcard. */
const SOURCE = /^(?:'self'|'none'|\*|https?:|(?:https?:\/\/)?(?:\*\.)?[a-z0-9.-]+(?::(?:\d{1,5}|\*))?(?:\/[^\s;,']*)?)$/i;

/** The frame-ancestors sources for the projector, or null (keep 'none') when unset or malformed. */
export function projectorFrameAncestors(value: string | undefined): string | null {
	const sources = value?.trim().split(/\s+/).filter(Boolean) ?? [];
	if (sources.length === 0) return null;
	if (!sources.every((s) => SOURCE.test(s))) {
		log('warn', 'headers.frame_ancestors_ignored', { value });
		return null;
	}
	return sources.join(' ');
}

export type SecurityHeaderSettings = { https: boolean; projectorFrameAncestors: string | null };

export function securityHeaderSettings(env: Record<string, string | undefined> = process.env): SecurityHeaderSettings {
	const base = parseBaseUrl(env.ORIGIN) ?? parseBaseUrl(env.PUBLIC_URL);
	return { https: base?.startsWith('https:') ?? false, projectorFrameAncestors: projectorFrameAncestors(env.MUFAKAT_FRAME_ANCESTORS) };
}

export function securityHeaders(settings: SecurityHeaderSettings = securityHeaderSettings()): Handle {
	const fixed: [string, string][] = [
		['referrer-policy', 'strict-origin-when-cross-origin'],
		['x-content-type-options', 'nosniff'],
		['permissions-policy', 'camera=(), microphone=(), geolocation=(), payment=(), usb=()'],
		...(settings.https ? [['strict-transport-security', 'max-age=31536000'] as [string, string]] : [])
	];
	return async ({ event, resolve }) => {
		let response = await resolve(event);
		try {
			response.headers.set('x-content-type-options', 'nosniff');
		} catch {
			// A response whose headers are frozen (one passed through from fetch) is copied.
			response = new Response(response.body, response);
		}
		for (const [name, value] of fixed) if (!response.headers.has(name)) response.headers.set(name, value);
		const csp = response.headers.get('content-security-policy');
		if (csp && settings.projectorFrameAncestors && PROJECTOR_PATH.test(event.url.pathname))
			response.headers.set('content-security-policy', csp.replace(/frame-ancestors [^;]*/, `frame-ancestors ${settings.projectorFrameAncestors}`));
		return response;
	};
}
