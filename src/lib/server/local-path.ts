const PROBE = 'http://x';

/**
 * A redirect target taken from the request (`?next=`, a form's `redirectTo`) when it is a path on
 * this site, else '/'. Browsers read `\` as `/` and drop tabs and newlines, so `/\evil.example`
 * or `/<tab>/evil.example` would leave the site: refuse anything that is not plainly one path.
 */
export function localPath(value: unknown): string {
	if (typeof value !== 'string' || !value.startsWith('/') || value.startsWith('//')) return '/';
	if (/[\\\u0000-\u001f\u007f]/.test(value)) return '/';
	let decoded: string;
	try {
		decoded = decodeURIComponent(value);
	} catch {
		return '/';
	}
	// A percent-encoded backslash or control character is refused too: some proxy may decode it first.
	if (/[\\\u0000-\u001f\u007f]/.test(decoded) || decoded.startsWith('//')) return '/';
	try {
		const url = new URL(value, PROBE);
		return url.origin === PROBE ? url.pathname + url.search + url.hash : '/';
	} catch {
		return '/';
	}
}
