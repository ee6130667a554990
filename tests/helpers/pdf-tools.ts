import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** Runs a command-line checker (pdfsig, qpdf, pdftotext, mutool, openssl) and keeps all it said. */
export function runTool(command: string, args: string[]): { status: number | null; out: string } {
	const result = spawnSync(command, args, { encoding: 'utf8' });
	if (result.error) throw result.error;
	return { status: result.status, out: result.stdout + result.stderr };
}

/** Writes bytes into a test's temporary folder for the command-line tools; returns the path. */
export function writeTemp(dir: string, name: string, bytes: Uint8Array): string {
	const path = join(dir, name);
	writeFileSync(path, bytes);
	return path;
}

/** Text as a reader compares it: NFC, every run of whitespace (no-break spaces and page breaks too) one space. */
export const flatText = (text: string) => text.normalize('NFC').replace(/\s+/g, ' ').trim();
