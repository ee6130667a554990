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

await build({ ...common, entryPoints: ['server.ts'], outfile: 'build/server.js' });
// The live-document log's writer thread (a worker_threads script): server.ts points the rooms to it.
await build({ ...common, entryPoints: ['src/lib/server/collab/log-writer-thread.ts'], outfile: 'build/collab-log-writer.js' });
console.log('build/server.js and build/collab-log-writer.js written');
