/**
 * A tiny cookie-keeping HTTP client for integration tests: what a browser does with
 * cookies, SvelteKit form actions (Origin header, x-sveltekit-action) and redirects.
 */
export class Client {
	private cookies = new Map<string, string>();

	constructor(readonly base: string) {}

	/** Another jar with the same cookies: a request through it may change its cookies without touching these. */
	clone(): Client {
		const copy = new Client(this.base);
		copy.cookies = new Map(this.cookies);
		return copy;
	}

	cookieHeader(): string {
		return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
	}

	private remember(res: Response) {
		for (const line of res.headers.getSetCookie()) {
			const [pair] = line.split(';');
			const eq = pair!.indexOf('=');
			const name = pair!.slice(0, eq).trim();
			const value = pair!.slice(eq + 1).trim();
			if (/max-age=0|expires=thu, 01 jan 1970/i.test(line) || value === '') this.cookies.delete(name);
			else this.cookies.set(name, value);
		}
	}

	async get(path: string, init: RequestInit = {}): Promise<Response> {
		const res = await fetch(this.base + path, {
			...init,
			redirect: 'manual',
			headers: { cookie: this.cookieHeader(), accept: 'text/html', ...(init.headers ?? {}) }
		});
		this.remember(res);
		return res;
	}

	/** Posts a form as a browser would (no JavaScript): answers are redirects or HTML pages. */
	async post(path: string, fields: Record<string, string | string[]>): Promise<Response> {
		const body = new URLSearchParams();
		for (const [k, v] of Object.entries(fields)) for (const item of Array.isArray(v) ? v : [v]) body.append(k, item);
		const res = await fetch(this.base + path, {
			method: 'POST',
			redirect: 'manual',
			body,
			headers: { cookie: this.cookieHeader(), origin: this.base, accept: 'text/html', 'content-type': 'application/x-www-form-urlencoded' }
		});
		this.remember(res);
		return res;
	}

	async login(email: string, password: string): Promise<void> {
		const res = await this.post('/login', { email, password });
		if (res.status !== 303) throw new Error(`login failed: ${res.status}`);
	}
}
