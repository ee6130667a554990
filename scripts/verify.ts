/**
 * npm run verify -- <file.pdf> [more.pdf …]
 *
 * What the public verify page says about a berita acara, for batch checks: the verdict on our seal,
 * then every signature in the file (signer, bytes covered, valid or not, ours or not, time-stamp)
 * and whether anything was appended after the last one. Uses DATABASE_URL or DATABASE_PATH like the server, whose
 * seal certificates and sealed files it checks against. Exits 0 when every file is genuine, 2 when
 * one is not, 1 on a usage error.
 */
import { readFileSync } from 'node:fs';
import { initDatabase } from '../src/lib/server/db/client';
import { verifyMinutesPdf } from '../src/lib/server/sealing';

const files = process.argv.slice(2).filter((a) => a !== '--');
if (files.length === 0) {
	console.error('verify: usage: npm run verify -- <file.pdf> [more.pdf …]');
	process.exit(1);
}

const db = await initDatabase();
let allGenuine = true;
for (const path of files) {
	let bytes: Uint8Array;
	try {
		bytes = new Uint8Array(readFileSync(path));
	} catch (error) {
		console.error(`verify: cannot read ${path}: ${(error as Error).message}`);
		process.exit(1);
	}
	const result = await verifyMinutesPdf(db, bytes);
	allGenuine &&= result.verdict === 'genuine';
	const match = result.match ? ` (berita acara ${result.match.nomor} v${result.match.version}${result.match.current ? '' : ', superseded'})` : '';
	console.log(`${path}: ${result.verdict}${match}, sha256 ${result.fileSha256}`);
	for (const s of result.signatures?.signatures ?? []) {
		const who = [s.signerCommonName, s.signerOrganization].filter(Boolean).join(', ') || 'unreadable signer';
		const time = s.timeStamp
			? `time-stamped ${s.timeStamp.time.toISOString()} by ${s.timeStamp.authority}${s.timeStamp.valid ? '' : ' (time-stamp NOT valid)'}`
			: s.claimedTime
				? `claimed time ${s.claimedTime.toISOString()} (signer's clock)`
				: 'no time';
		console.log(`  #${s.index} ${s.ours ? 'our seal' : 'other signer'}: ${who}; ${s.subFilter ?? '?'}; bytes 0-${s.coveredEnd - 1} of ${bytes.length}; ${s.valid ? 'valid' : 'NOT valid'}; ${time}`);
		for (const problem of s.problems) console.log(`     ${problem}`);
	}
	const appended = result.signatures?.appendedAfterLast ?? 0;
	if (result.signatures?.signatures.length) console.log(appended > 0 ? `  ${appended} bytes appended after the last signature` : '  nothing appended after the last signature');
	else console.log('  no signature in the file');
}
process.exit(allGenuine ? 0 : 2);
