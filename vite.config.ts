import { sveltekit } from '@sveltejs/kit/vite';
import type { Plugin, ViteDevServer } from 'vite';
import { defineConfig } from 'vitest/config';

/** In dev, the same collab module as production answers WebSocket upgrades on Vite's server. */
function collabDevServer(): Plugin {
	return {
		name: 'mufakat-collab-dev',
		configureServer(server: ViteDevServer) {
			server.httpServer?.on('upgrade', async (req, socket, head) => {
				const collab = (await server.ssrLoadModule('/src/lib/server/collab/index.ts')) as typeof import('./src/lib/server/collab/index');
				if (collab.isCollabRequest(req)) await collab.handleCollabUpgrade(req, socket, head);
			});
		}
	};
}

export default defineConfig({
	plugins: [sveltekit(), collabDevServer()],
	test: {
		projects: [
			{
				extends: true,
				test: {
					name: 'unit',
					include: ['tests/unit/**/*.test.ts'],
					environment: 'node',
					globalSetup: ['tests/setup/postgres-global.ts'],
					setupFiles: ['tests/setup/postgres-file.ts']
				}
			},
			{
				extends: true,
				test: {
					name: 'integration',
					include: ['tests/integration/**/*.test.ts'],
					globalSetup: ['tests/setup/postgres-global.ts'],
					setupFiles: ['tests/setup/postgres-file.ts'],
					environment: 'node',
					fileParallelism: false,
					testTimeout: 60_000,
					hookTimeout: 120_000
				}
			},
			{
				extends: true,
				test: {
					name: 'e2e',
					include: ['tests/e2e/**/*.test.ts'],
					environment: 'node',
					fileParallelism: false,
					testTimeout: 120_000,
					hookTimeout: 120_000
				}
			}
		]
	}
});
