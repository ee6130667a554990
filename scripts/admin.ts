/**
 * npm run admin -- create-admin --email <email> --name <name> [--password <password>]
 * npm run admin -- reset-password --email <email>
 *
 * For servers without a browser at hand. create-admin makes an instance administrator (the
 * password is read from stdin when --password is absent: typed twice, hidden, on a terminal; the
 * first line otherwise) and checks it like the web form. reset-password prints a single-use link
 * that sets a new password. Uses DATABASE_URL or DATABASE_PATH like the server; `--lang en` for English output.
 */
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { eq } from 'drizzle-orm';
import { createAdmin } from '../src/lib/server/accounts/setup';
import { issueResetLink } from '../src/lib/server/accounts/resets';
import { closeDatabase, initDatabase } from '../src/lib/server/db/client';
import { users } from '../src/lib/server/db/schema';
import { publicBaseUrl } from '../src/lib/server/network';
import { InputError } from '../src/lib/server/validation';
import { translate, type Locale } from '../src/lib/i18n/translate';

const { values, positionals } = parseArgs({
	allowPositionals: true,
	options: {
		email: { type: 'string' },
		name: { type: 'string' },
		password: { type: 'string' },
		lang: { type: 'string', default: 'id' }
	}
});
const locale: Locale = values.lang === 'en' ? 'en' : 'id';
const say = (key: Parameters<typeof translate>[1], params?: Record<string, string | number>) => translate(locale, key, params);

function usage(): never {
	console.error(say('cli.usage'));
	process.exit(2);
}

/** Each field's message in the operator's language, as the web form would show them. */
function reportInput(e: unknown): never {
	if (e instanceof InputError) {
		for (const [field, msg] of Object.entries(e.errors)) console.error(`${field}: ${say(msg.key, msg.params)}`);
		process.exit(1);
	}
	throw e;
}

/** A hidden line from the terminal: raw mode, no echo. */
function askHidden(prompt: string): Promise<string> {
	return new Promise((resolve, reject) => {
		const stdin = process.stdin;
		process.stdout.write(prompt);
		stdin.setRawMode(true);
		stdin.resume();
		stdin.setEncoding('utf8');
		let typed = '';
		const done = (error?: Error) => {
			stdin.setRawMode(false);
			stdin.pause();
			stdin.off('data', onData);
			process.stdout.write('\n');
			if (error) reject(error);
			else resolve(typed);
		};
		const onData = (chunk: string) => {
			for (const ch of chunk) {
				if (ch === '\r' || ch === '\n') return done();
				if (ch === '\u0003') return done(new Error('cancelled'));
				if (ch === '\u007f' || ch === '\b') typed = typed.slice(0, -1);
				else typed += ch;
			}
		};
		stdin.on('data', onData);
	});
}

/** The first line of a piped stdin (`echo … | npm run admin -- create-admin …`). */
function firstLine(): Promise<string> {
	return new Promise((resolve) => {
		const rl = createInterface({ input: process.stdin });
		let answered = false;
		rl.once('line', (line) => {
			answered = true;
			rl.close();
			resolve(line);
		});
		rl.once('close', () => {
			if (!answered) resolve('');
		});
	});
}

async function passwordFromStdin(): Promise<{ password: string; passwordConfirm: string }> {
	if (!process.stdin.isTTY) {
		const password = await firstLine();
		return { password, passwordConfirm: password };
	}
	const password = await askHidden(say('cli.passwordPrompt'));
	const passwordConfirm = await askHidden(say('cli.passwordAgain'));
	return { password, passwordConfirm };
}

/** The address other devices reach, as for links made in the web pages. */
function baseUrl(): string {
	return publicBaseUrl(new URL(`http://localhost:${process.env.PORT ?? 3000}`)).url;
}

const [command] = positionals;
const db = await initDatabase();

if (command === 'create-admin') {
	if (!values.email || !values.name) usage();
	const typed = values.password !== undefined ? { password: values.password, passwordConfirm: values.password } : await passwordFromStdin();
	const admin = await createAdmin(db, { name: values.name, email: values.email, ...typed }).catch(reportInput);
	console.log(say('cli.adminCreated', { email: admin.email, url: baseUrl() }));
} else if (command === 'reset-password') {
	if (!values.email) usage();
	const email = values.email.trim().toLowerCase();
	const user = (await db.select().from(users).where(eq(users.email, email)))[0];
	if (!user) {
		console.error(say('cli.noAccount', { email }));
		process.exit(1);
	}
	let issued: Awaited<ReturnType<typeof issueResetLink>>;
	try {
		issued = await issueResetLink(db, user.id, null);
	} catch (e) {
		reportInput(e);
	}
	if (!issued) {
		console.error(say('cli.noAccount', { email }));
		process.exit(1);
	}
	console.log(say('cli.resetLink', { email, date: issued.link.expiresAt.toISOString() }));
	console.log(`${baseUrl()}/reset/${issued.token}`);
} else {
	usage();
}
await closeDatabase(db);
