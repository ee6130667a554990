import type { Cookies } from '@sveltejs/kit';
import { SESSION_COOKIE } from './auth';

/** HttpOnly, SameSite=Lax; Secure only when served over https (halls often run plain http on a LAN). */
export function setSessionCookie(cookies: Cookies, url: URL, token: string, expiresAt: Date): void {
	cookies.set(SESSION_COOKIE, token, {
		path: '/',
		httpOnly: true,
		sameSite: 'lax',
		secure: url.protocol === 'https:',
		expires: expiresAt
	});
}
