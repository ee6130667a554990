import { createHash } from 'node:crypto';

/** SHA-256 as lower-case hex: content hashes of matrix versions, minutes and sealed files. */
export function sha256Hex(data: string | Uint8Array): string {
	return createHash('sha256').update(data).digest('hex');
}
