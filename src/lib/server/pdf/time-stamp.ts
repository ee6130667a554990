/**
 * An RFC 3161 time-stamp client: asks the authority named by MUFAKAT_TSA_URL to certify when the
 * seal's signature value existed, so the time on a sealed berita acara does not rest on the
 * server's own clock alone (PAdES B-T).
 */
import { randomBytes } from 'node:crypto';
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import { checkTimeStampToken, digestOf, OID, readTimeStampToken } from './cms';

export class TimeStampError extends Error {}

const TIMEOUT_MS = 15_000;
const MAX_RESPONSE_BYTES = 256 * 1024;

/** The configured time-stamping authority, or null when the seal's time is the server's clock. */
export function timeStampAuthorityUrl(): string | null {
	const url = process.env.MUFAKAT_TSA_URL?.trim();
	return url ? url : null;
}

/** A copy in an ArrayBuffer of its own (a Buffer may be a view into a shared pool). */
const arrayBufferOf = (bytes: Uint8Array): ArrayBuffer => new Uint8Array(bytes).buffer as ArrayBuffer;

/**
 * Requests a time-stamp token over `signatureValue` (SHA-256 imprint, a fresh nonce, the
 * authority's certificate included) and checks the answer before it is used: granted, the same
 * imprint and nonce, and a token whose own signature verifies. Throws a TimeStampError otherwise.
 */
export async function requestTimeStampToken(url: string, signatureValue: Uint8Array): Promise<Uint8Array> {
	const nonce = randomBytes(8);
	nonce[0] = (nonce[0]! & 0x7f) | 0x01; // a positive, minimally encoded INTEGER: echoed back byte for byte
	const request = new pkijs.TimeStampReq({
		version: 1,
		messageImprint: new pkijs.MessageImprint({
			hashAlgorithm: new pkijs.AlgorithmIdentifier({ algorithmId: OID.sha256, algorithmParams: new asn1js.Null() }),
			hashedMessage: new asn1js.OctetString({ valueHex: arrayBufferOf(digestOf('sha256', [signatureValue])) })
		}),
		nonce: new asn1js.Integer({ valueHex: arrayBufferOf(nonce) }),
		certReq: true
	});
	let body: Uint8Array;
	try {
		const response = await fetch(url, {
			method: 'POST',
			headers: { 'content-type': 'application/timestamp-query', accept: 'application/timestamp-reply' },
			body: new Uint8Array(request.toSchema().toBER()),
			signal: AbortSignal.timeout(TIMEOUT_MS)
		});
		if (!response.ok) throw new TimeStampError(`the time-stamping authority answered HTTP ${response.status}`);
		body = new Uint8Array(await response.arrayBuffer());
	} catch (error) {
		if (error instanceof TimeStampError) throw error;
		throw new TimeStampError(`the time-stamping authority cannot be reached: ${(error as Error).message}`);
	}
	if (body.length > MAX_RESPONSE_BYTES) throw new TimeStampError('the time-stamp response is too large');

	let reply: pkijs.TimeStampResp;
	try {
		reply = pkijs.TimeStampResp.fromBER(arrayBufferOf(body));
	} catch (error) {
		throw new TimeStampError(`the time-stamp response is not RFC 3161: ${(error as Error).message}`);
	}
	// 0 granted, 1 granted with modifications; anything else is a refusal.
	if (reply.status.status > 1 || !reply.timeStampToken)
		throw new TimeStampError(`the time-stamping authority refused the request (status ${reply.status.status})`);
	const token = new Uint8Array(reply.timeStampToken.toSchema().toBER());
	const { tstInfo } = readTimeStampToken(token);
	const answeredNonce = tstInfo.nonce ? Buffer.from(tstInfo.nonce.valueBlock.valueHexView) : null;
	if (!answeredNonce || !answeredNonce.equals(nonce)) throw new TimeStampError('the time-stamp answers another request (nonce differs)');
	const check = checkTimeStampToken(token, signatureValue);
	if (!check.valid) throw new TimeStampError(`the time-stamp token does not verify: ${check.problems.join('; ')}`);
	return token;
}
