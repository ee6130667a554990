import { publicBaseUrl } from '../network';
import { qrSvg } from '../qr';

/**
 * A single-use link for another device (the invitee's phone, the account owner's laptop) and its
 * QR code, on the address other devices can reach; `loopbackOnly` when none can.
 */
export async function shareableLink(requestUrl: URL, path: string) {
	const { url, loopbackOnly } = publicBaseUrl(requestUrl);
	const link = `${url}${path}`;
	return { link, qr: await qrSvg(link), loopbackOnly };
}
