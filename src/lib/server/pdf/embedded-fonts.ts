/**
 * The bundled DejaVu Sans (see fonts/LICENSE), read from disk once per process.
 *
 * The files are read from `src/lib/server/pdf/fonts` relative to the working directory: the app
 * always runs from the project root (`npm start`, tests, benchmarks), and after `vite build` the
 * server bundle lives in build/server/… where neither `import.meta.url` nor a `?url` import gives
 * a path to the source tree. A deployment that runs elsewhere sets MUFAKAT_FONT_DIR.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

export const FONT_FILES = { regular: 'DejaVuSans.ttf', bold: 'DejaVuSans-Bold.ttf' } as const;

export type FontBytes = { regular: Uint8Array; bold: Uint8Array };

let cached: FontBytes | null = null;

export function fontDirectory(): string {
	const candidates = [process.env.MUFAKAT_FONT_DIR, resolve('src/lib/server/pdf/fonts')].filter((dir): dir is string => Boolean(dir));
	const found = candidates.find((dir) => existsSync(join(dir, FONT_FILES.regular)));
	if (!found) throw new Error(`DejaVuSans.ttf not found in ${candidates.join(' or ')}: run from the project root or set MUFAKAT_FONT_DIR`);
	return found;
}

export function loadFonts(): FontBytes {
	if (!cached) {
		const dir = fontDirectory();
		cached = { regular: readFileSync(join(dir, FONT_FILES.regular)), bold: readFileSync(join(dir, FONT_FILES.bold)) };
	}
	return cached;
}
