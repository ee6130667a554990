import adapter from '@sveltejs/adapter-node';
import { vitePreprocess } from '@sveltejs/vite-plugin-svelte';

/** @type {import('@sveltejs/kit').Config} */
const config = {
	preprocess: vitePreprocess(),
	compilerOptions: { runes: true },
	kit: {
		adapter: adapter({ out: 'build' }),
		alias: { $collab: 'src/lib/collab' },
		// Kit adds a nonce (or, on prerendered pages, hashes) for its own inline script, so no other
		// inline script runs. Styles allow 'unsafe-inline': Svelte writes style attributes (style:
		// directives, app.html), and older office browsers know no style-src-attr. The collab socket
		// is on the same host; ws:/wss: because older Safari does not match them with 'self'.
		// frame-ancestors is loosened for the projector only, at run time (src/lib/server/security-headers.ts).
		csp: {
			mode: 'auto',
			directives: {
				'default-src': ['self'],
				'script-src': ['self'],
				'style-src': ['self', 'unsafe-inline'],
				'img-src': ['self', 'data:', 'blob:'],
				'font-src': ['self', 'data:'],
				'connect-src': ['self', 'ws:', 'wss:'],
				'object-src': ['none'],
				'base-uri': ['self'],
				'form-action': ['self'],
				'frame-ancestors': ['none']
			}
		}
	}
};

export default config;
