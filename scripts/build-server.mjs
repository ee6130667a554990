// Compiles server.ts (TypeScript, strict like the rest) into build/server.js beside adapter-node's
// handler. Packages stay external: they are installed in node_modules at run time.
import { build } from 'esbuild';
import { readFileSync } from 'node:fs';

const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));

const common = {
	bundle: true,
	platform: 'node',
	format: 'esm',
	target: 'node20',
	sourcemap: true,
	external: [...Object.keys(pkg.dependencies ?? {}), ...Object.keys(pkg.devDependencies ?? {}), './handler.js'],
	alias: { $lib: './src/lib' },
	banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
	logLevel: 'warning'
};

// One build for both entries, split: a dynamic import (PostgreSQL's driver, cluster mode's Redis
// code) becomes a chunk of its own that is loaded only when used, so the embedded default never
// loads pg or ioredis. The live-document log's writer thread is a worker_threads script: server.ts
// points the rooms to it.
await build({
	...common,
	entryPoints: { server: 'server.ts', 'collab-log-writer': 'src/lib/server/collab/log-writer-thread.ts' },
	outdir: 'build',
	splitting: true,
	chunkNames: 'server-chunks/[name]-[hash]'
});
console.log('build/server.js and build/collab-log-writer.js written');
