/**
 * npm run minutes -- --workshop <id> --out <file.pdf>
 *
 * Writes the sealed berita acara of a workshop (its current version) for batch work and checks.
 * Seals it first if every signer has signed and it was not sealed yet, exactly as the
 * secretariat's button does. Uses DATABASE_URL or DATABASE_PATH like the server.
 */
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { closeDatabase, initDatabase } from '../src/lib/server/db/client';
import { currentMinutesVersion, listSigners, signingComplete } from '../src/lib/server/minutes';
import { serverBaseUrl } from '../src/lib/server/network';
import { sealWorkshopMinutes } from '../src/lib/server/sealing';
import { getWorkshop } from '../src/lib/server/workshops/workshops';

function fail(message: string): never {
	console.error(`minutes: ${message}`);
	process.exit(1);
}

const { values } = parseArgs({ options: { workshop: { type: 'string' }, out: { type: 'string' }, origin: { type: 'string' } } });
if (!values.workshop || !values.out) fail('usage: npm run minutes -- --workshop <id> --out <file.pdf>');
const id = Number(values.workshop);
const db = await initDatabase();
const workshop = Number.isInteger(id) ? await getWorkshop(db, id) : null;
if (!workshop) fail(`no workshop with id ${values.workshop}`);
const version = await currentMinutesVersion(db, workshop.id);
if (!version) fail(`workshop ${workshop.id} has no finalised minutes yet`);
const signers = await listSigners(db, version.id);
if (!signingComplete(signers)) {
	const pending = signers.filter((s) => s.status === 'pending').map((s) => s.name);
	fail(`workshop ${workshop.id} is not fully signed: ${pending.length} of ${signers.length} still to sign (${pending.slice(0, 5).join(', ')}${pending.length > 5 ? ', …' : ''})`);
}
const origin = values.origin ?? serverBaseUrl().url;
const { pdf, sha256 } = await sealWorkshopMinutes(db, workshop, origin);
writeFileSync(values.out, pdf);
console.log(`${values.out}: berita acara ${version.nomor} v${version.version}, ${pdf.length} bytes, sha256 ${sha256}`);
await closeDatabase(db);
