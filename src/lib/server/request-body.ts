import { error, type RequestEvent } from '@sveltejs/kit';
import { translate } from '$lib/i18n/translate';
import { log } from './log';
import { MAX_VERIFY_BYTES } from './sealing';

const KB = 1024;
const MB = 1024 * KB;

/** What a request body to this path may weigh; `upload` names the form field a too-large answer points at. */
export type BodyLimit = { bytes: number; upload?: string };

/** Evidence photos and imports; the only places a big body is expected. */
const UPLOADS: { pattern: RegExp; limit: BodyLimit }[] = [
	{ pattern: /^\/w\/[^/]+\/reports\//, limit: { bytes: 64 * MB, upload: 'evidence' } },
	{ pattern: /^\/r\/[^/]+\/\d+\/?$/, limit: { bytes: 64 * MB, upload: 'evidence' } },
	{ pattern: /^\/forums\/\d+\/commitments\/\d+\/?$/, limit: { bytes: 64 * MB, upload: 'evidence' } },
	{ pattern: /^\/forums\/\d+\/commitments\/import\/?$/, limit: { bytes: 64 * MB, upload: 'file' } },
	{ pattern: /^\/workshops\/\d+\/minutes\/?$/, limit: { bytes: 64 * MB, upload: 'certificate' } },
	{ pattern: /^\/admin\/(forums|backup)(\/|$)/, limit: { bytes: 64 * MB } },
	{ pattern: /^\/verify\/?$/, limit: { bytes: MAX_VERIFY_BYTES + 1 * MB, upload: 'pdf' } }
];
/** Signed-in staff forms (agenda, attendance corrections, matrix notes) are text, but longer than a join form. */
const STAFF = /^\/(forums|workshops|admin|account|api)(\/|$)/;
const STAFF_LIMIT: BodyLimit = { bytes: 1 * MB };
/** Join, sign, language, login, set-up, invitation, reset: a few short fields. */
const PUBLIC_LIMIT: BodyLimit = { bytes: 64 * KB };

export function bodyLimitFor(path: string): BodyLimit {
	return UPLOADS.find((u) => u.pattern.test(path))?.limit ?? (STAFF.test(path) ? STAFF_LIMIT : PUBLIC_LIMIT);
}

export function tooLargeMessage(event: RequestEvent, limit: BodyLimit): string {
	const mb = Math.floor(limit.bytes / MB);
	return limit.upload && mb >= 1
		? translate(event.locals.locale, 'error.fileTooLarge', { mb })
		: translate(event.locals.locale, 'error.bodyTooLarge');
}

class BodyTooLarge extends Error {}

async function readCapped(body: ReadableStream<Uint8Array>, cap: number): Promise<Uint8Array<ArrayBuffer>> {
	const reader = body.getReader();
	const chunks: Uint8Array[] = [];
	let size = 0;
	for (;;) {
		const { done, value } = await reader.read();
		if (done) break;
		size += value.byteLength;
		if (size > cap) {
			await reader.cancel();
			throw new BodyTooLarge();
		}
		chunks.push(value);
	}
	const whole = new Uint8Array(size);
	let offset = 0;
	for (const chunk of chunks) {
		whole.set(chunk, offset);
		offset += chunk.byteLength;
	}
	return whole;
}

/**
 * Makes `request.formData()` of this request, wherever an action or endpoint calls it, stop at the
 * route's limit while the body streams in (a chunked body declares no length), and turn a body that
 * is not a form (JSON to /lang, a cut multipart to /verify) into a 400 in the user's language
 * instead of a 500 with a stack trace.
 */
export function guardFormData(event: RequestEvent, limit: BodyLimit): void {
	const request = event.request;
	Object.defineProperty(request, 'formData', {
		configurable: true,
		value: async (): Promise<FormData> => {
			const type = request.headers.get('content-type') ?? '';
			try {
				if (!request.body) return await new Response(new Uint8Array(), { headers: { 'content-type': type } }).formData();
				const bytes = await readCapped(request.body, limit.bytes);
				return await new Response(bytes, { headers: { 'content-type': type } }).formData();
			} catch (e) {
				// adapter-node's own BODY_SIZE_LIMIT error carries status 413 too.
				if (e instanceof BodyTooLarge || (e as { status?: unknown } | null)?.status === 413) {
					log('info', 'request.tooLarge', { path: event.url.pathname, limit: limit.bytes });
					error(413, tooLargeMessage(event, limit));
				}
				log('info', 'request.malformed', { path: event.url.pathname, contentType: type.slice(0, 80), reason: e instanceof Error ? e.message : String(e) });
				error(400, translate(event.locals.locale, 'error.malformedForm'));
			}
		}
	});
}

/** devalue's format for plain objects of strings, which is all a refusal carries. */
function devalueOf(value: string | Record<string, unknown>, out: unknown[] = []): string {
	const add = (v: unknown): number => {
		const index = out.length;
		out.push(null);
		if (v !== null && typeof v === 'object') out[index] = Object.fromEntries(Object.entries(v).map(([k, inner]) => [k, add(inner)]));
		else out[index] = v;
		return index;
	};
	add(value);
	return JSON.stringify(out);
}

/**
 * The answer to a body declared larger than the route allows, before any of it is read. A form sent
 * with `use:enhance` gets a failed ActionResult: the page stays, with everything typed still in its
 * fields and the message beside the file input. A plain post gets the error page in the user's language.
 */
export function tooLargeResponse(event: RequestEvent, limit: BodyLimit): Response {
	const message = tooLargeMessage(event, limit);
	log('info', 'request.tooLarge', { path: event.url.pathname, declared: event.request.headers.get('content-length'), limit: limit.bytes });
	if (event.request.headers.get('x-sveltekit-action') === 'true') {
		const data = { message, errors: { [limit.upload ?? 'form']: message } };
		return new Response(JSON.stringify({ type: 'failure', status: 413, data: devalueOf(data) }), {
			headers: { 'content-type': 'application/json', 'cache-control': 'no-store' }
		});
	}
	error(413, message);
}
