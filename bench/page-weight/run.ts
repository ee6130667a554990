/**
 * bench/page-weight: what a phone on the hall's network downloads to open each main page: the
 * bytes of JavaScript and of the HTML document as they came over the wire (Chromium's
 * `encodedDataLength`: compressed body plus response headers), cold cache, on the demo.
 *
 *   npx tsx bench/page-weight/run.ts [--builds before=<dir>/server.js,after=build/server.js] [--lang id|en] [--write-docs]
 *
 * Each build runs on its own random port with its own fresh demo database; every page opens in a
 * new browser context signed in as the role that uses it (tests/helpers/main-pages.ts), with the
 * cache disabled, and is measured once the network is idle (the collab WebSocket is not counted).
 * Prints a Markdown section; --write-docs also puts it into docs/benchmarks.md between the
 * page-weight markers, leaving the rest of the file alone.
 */
import Database from 'better-sqlite3';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { Browser } from 'playwright-core';
import { launchChromium } from '../../tests/helpers/browser';
import { mainPages, signInAs, type MainPage } from '../../tests/helpers/main-pages';
import { removeDir, startServer } from '../../tests/helpers/server';

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const DOCS_PATH = join(REPO_ROOT, 'docs', 'benchmarks.md');
const START_MARKER = '<!-- bench:page-weight:start -->';
const END_MARKER = '<!-- bench:page-weight:end -->';

type Weight = { js: number; html: number; scripts: number; htmlEncoding: string };
type BuildResult = { label: string; entry: string; pages: Map<string, Weight> };

async function measurePage(browser: Browser, page: MainPage, baseUrl: string, lang: string, signIn: (c: import('playwright-core').BrowserContext) => Promise<void>): Promise<Weight> {
	const context = await browser.newContext({ viewport: { width: 1280, height: 720 } });
	try {
		await context.addCookies([{ name: 'mufakat_lang', value: lang, url: baseUrl }]);
		await signIn(context);
		const tab = await context.newPage();
		const cdp = await context.newCDPSession(tab);
		await cdp.send('Network.enable');
		await cdp.send('Network.setCacheDisabled', { cacheDisabled: true });
		const kinds = new Map<string, { type: string; encoding: string }>();
		const weight: Weight = { js: 0, html: 0, scripts: 0, htmlEncoding: 'none' };
		cdp.on('Network.responseReceived', (e) => {
			const headers = Object.fromEntries(Object.entries(e.response.headers).map(([k, v]) => [k.toLowerCase(), String(v)]));
			kinds.set(e.requestId, { type: e.type, encoding: headers['content-encoding'] ?? 'none' });
		});
		cdp.on('Network.loadingFinished', (e) => {
			const kind = kinds.get(e.requestId);
			if (kind?.type === 'Script') {
				weight.js += e.encodedDataLength;
				weight.scripts += 1;
			} else if (kind?.type === 'Document') {
				weight.html += e.encodedDataLength;
				weight.htmlEncoding = kind.encoding;
			}
		});
		const response = await tab.goto(baseUrl + page.path, { waitUntil: 'networkidle' });
		if (!response?.ok()) throw new Error(`${page.path} answered ${response?.status()}`);
		const landed = new URL(tab.url()).pathname;
		if (landed !== new URL(baseUrl + page.path).pathname) throw new Error(`${page.path} ended on ${landed}`);
		return weight;
	} finally {
		await context.close();
	}
}

async function measureBuild(browser: Browser, label: string, entry: string, lang: string): Promise<BuildResult> {
	const server = await startServer({ entry });
	const db = new Database(server.dbPath, { readonly: true });
	try {
		const result: BuildResult = { label, entry, pages: new Map() };
		for (const page of mainPages(db)) {
			const weight = await measurePage(browser, page, server.url, lang, (c) => signInAs(c, page.viewer, server, db));
			result.pages.set(page.name, weight);
			console.error(`${label} ${page.name}: JS ${kb(weight.js)} (${weight.scripts} files), HTML ${kb(weight.html)} (${weight.htmlEncoding})`);
		}
		return result;
	} finally {
		db.close();
		await server.stop();
		removeDir(server.dir);
	}
}

const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KB`;
const change = (before: number, after: number) => (before ? `${Math.round(((after - before) / before) * 100)} %` : '');

function renderSection(results: BuildResult[], lang: string, command: string, chromium: string): string {
	const pages = [...results[0]!.pages.keys()];
	const lines = [
		`Run ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC with \`${command}\`, Chromium ${chromium}, pages in ${lang === 'en' ? 'English' : 'Indonesian'}.`,
		'',
		`Builds: ${results.map((r) => `**${r.label}** (\`${r.entry}\`)`).join(', ')}. KB = 1,024 bytes as transferred (compressed body and headers).`,
		''
	];
	const header = ['page', ...results.flatMap((r) => [`JS ${r.label}`, `HTML ${r.label}`])];
	const align = ['---', ...results.flatMap(() => ['---:', '---:'])];
	if (results.length === 2) {
		header.push('JS change', 'HTML change');
		align.push('---:', '---:');
	}
	lines.push(`| ${header.join(' | ')} |`, `|${align.join('|')}|`);
	const totals = results.map(() => ({ js: 0, html: 0 }));
	for (const name of pages) {
		const cells = [name];
		results.forEach((r, i) => {
			const w = r.pages.get(name)!;
			totals[i]!.js += w.js;
			totals[i]!.html += w.html;
			cells.push(kb(w.js), `${kb(w.html)}${w.htmlEncoding === 'none' ? '' : ` (${w.htmlEncoding})`}`);
		});
		if (results.length === 2) {
			const [a, b] = results.map((r) => r.pages.get(name)!);
			cells.push(change(a!.js, b!.js), change(a!.html, b!.html));
		}
		lines.push(`| ${cells.join(' | ')} |`);
	}
	const totalCells = ['**all pages**', ...totals.flatMap((t) => [`**${kb(t.js)}**`, `**${kb(t.html)}**`])];
	if (results.length === 2) totalCells.push(change(totals[0]!.js, totals[1]!.js), change(totals[0]!.html, totals[1]!.html));
	lines.push(`| ${totalCells.join(' | ')} |`);
	return lines.join('\n');
}

/** Replaces our section of docs/benchmarks.md (re-read just before writing), appending it when absent. */
function writeDocsSection(section: string): void {
	const intro = [
		'## Page weight: `bench/page-weight`',
		'',
		'What a browser downloads to open each main page of the demo with an empty cache: JavaScript and the HTML',
		'document as transferred (Chromium’s `encodedDataLength`: compressed body plus headers), each page opened',
		'by the role that uses it. The collab WebSocket and images are not counted; CSS and fonts are not either',
		'(this table is about the i18n catalogue and HTML compression).',
		'',
		'```sh',
		'npm run build && npm run bench:pages -- [--builds before=<old build>/server.js,after=build/server.js] [--lang id|en] [--write-docs]',
		'```',
		'',
		'It prints the section below; `--write-docs` replaces it here (between the `bench:page-weight` markers).',
		'“Before” is the build of the commit before the per-language catalogue and HTML compression (both',
		'catalogues, 1,246 keys, in every page’s JavaScript; HTML uncompressed); “after” ships only the page’s',
		'language and compresses HTML and JSON by Accept-Encoding. Chromium advertises brotli only to secure',
		'origins, which include 127.0.0.1 (this run: br); on a hall’s plain-http LAN address the same pages and',
		'assets travel gzip-compressed, a little larger.',
		''
	].join('\n');
	const block = `${START_MARKER}\n${intro}\n${section.trimEnd()}\n${END_MARKER}`;
	const current = existsSync(DOCS_PATH) ? readFileSync(DOCS_PATH, 'utf8') : '# Benchmarks\n';
	const start = current.indexOf(START_MARKER);
	const end = current.indexOf(END_MARKER);
	const next = start >= 0 && end > start ? current.slice(0, start) + block + current.slice(end + END_MARKER.length) : `${current.trimEnd()}\n\n${block}\n`;
	writeFileSync(DOCS_PATH, next);
}

async function main() {
	const { values } = parseArgs({
		options: {
			builds: { type: 'string', default: 'current=build/server.js' },
			lang: { type: 'string', default: 'id' },
			'write-docs': { type: 'boolean', default: false }
		}
	});
	const builds = values.builds.split(',').map((spec) => {
		const [label, entry] = spec.includes('=') ? (spec.split('=') as [string, string]) : ['current', spec];
		if (!existsSync(entry)) throw new Error(`${entry} not found: run npm run build first`);
		return { label, entry };
	});
	const command = `npm run bench:pages${process.argv.slice(2).length ? ' -- ' + process.argv.slice(2).join(' ') : ''}`;
	const browser = await launchChromium();
	try {
		const results: BuildResult[] = [];
		for (const { label, entry } of builds) results.push(await measureBuild(browser, label, entry, values.lang));
		const section = renderSection(results, values.lang, command, browser.version());
		console.log(section);
		if (values['write-docs']) {
			writeDocsSection(section);
			console.error(`wrote ${DOCS_PATH}`);
		}
	} finally {
		await browser.close();
	}
}

await main();
