// Prints the closing line CI reads: "N passed, N failed[, N skipped]". A test file that failed to
// load counts as a failure, and a run with no test at all is a failure too.
import { readFileSync } from 'node:fs';

// Several reports (one per database engine) add up; a missing report counts as a failed run.
let passed = 0;
let failed = 0;
let skipped = 0;
for (const file of process.argv.slice(2)) {
	let report;
	try {
		report = JSON.parse(readFileSync(file, 'utf8'));
	} catch {
		console.log(`${file}: no report`);
		failed++;
		continue;
	}
	const brokenFiles = (report.testResults ?? []).filter((s) => s.status === 'failed' && (s.assertionResults ?? []).length === 0).length;
	passed += report.numPassedTests ?? 0;
	failed += (report.numFailedTests ?? 0) + brokenFiles;
	skipped += (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0);
}
console.log(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
process.exit(failed > 0 || passed === 0 ? 1 : 0);
