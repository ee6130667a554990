import QRCode from 'qrcode';

/** QR as inline SVG, made on this server: the hall may have no internet. */
export function qrSvg(text: string): Promise<string> {
	return QRCode.toString(text, { type: 'svg', margin: 1, errorCorrectionLevel: 'M', color: { dark: '#000000', light: '#ffffff' } });
}
