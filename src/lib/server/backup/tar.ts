/**
 * Just enough of the POSIX ustar format to write Mufakat's backup archives and read them back:
 * regular files and directories, names up to 255 bytes. `tar -xzf` opens what this writes.
 */
const BLOCK = 512;
const MAX_SIZE = 8 ** 11 - 1;

export type TarEntryHeader = { name: string; size: number; mode: number; mtime: Date; type: 'file' | 'directory' | 'other' };

export class TarFormatError extends Error {}

/** ustar keeps a name of up to 100 bytes, plus a prefix of up to 155 split off at a '/'. */
function splitName(name: string): { name: string; prefix: string } {
	if (Buffer.byteLength(name) <= 100) return { name, prefix: '' };
	for (let i = name.lastIndexOf('/'); i > 0; i = name.lastIndexOf('/', i - 1)) {
		const prefix = name.slice(0, i);
		const rest = name.slice(i + 1);
		if (Buffer.byteLength(prefix) <= 155 && Buffer.byteLength(rest) <= 100) return { name: rest, prefix };
	}
	throw new TarFormatError(`name too long for a tar archive: ${name}`);
}

const octal = (value: number, width: number) => value.toString(8).padStart(width - 1, '0') + '\0';

/** The 512-byte header of a regular file. */
export function tarHeader(entry: { name: string; size: number; mode?: number; mtime?: Date }): Buffer {
	if (!Number.isSafeInteger(entry.size) || entry.size < 0 || entry.size > MAX_SIZE) throw new TarFormatError(`file too large for a tar archive: ${entry.name}`);
	const header = Buffer.alloc(BLOCK);
	const { name, prefix } = splitName(entry.name);
	header.write(name, 0, 100, 'utf8');
	header.write(octal((entry.mode ?? 0o644) & 0o7777, 8), 100, 'ascii');
	header.write(octal(0, 8), 108, 'ascii');
	header.write(octal(0, 8), 116, 'ascii');
	header.write(octal(entry.size, 12), 124, 'ascii');
	header.write(octal(Math.floor((entry.mtime ?? new Date()).getTime() / 1000), 12), 136, 'ascii');
	header.write('0', 156, 'ascii');
	header.write('ustar\u000000', 257, 'ascii');
	header.write(prefix, 345, 155, 'utf8');
	header.write(`${octal(checksum(header), 7)} `, 148, 'ascii');
	return header;
}

/** Checksum of a header with its own checksum field counted as eight spaces. */
function checksum(header: Buffer): number {
	let sum = 0;
	for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 0x20 : header[i]!;
	return sum;
}

/** Zeros after a file's content up to the next 512-byte boundary. */
export function tarPadding(size: number): Buffer {
	return Buffer.alloc((BLOCK - (size % BLOCK)) % BLOCK);
}

/** Two zero blocks close an archive. */
export const TAR_END = Buffer.alloc(2 * BLOCK);

const text = (block: Buffer, start: number, length: number) => {
	const field = block.subarray(start, start + length);
	const end = field.indexOf(0);
	return field.subarray(0, end === -1 ? length : end).toString('utf8');
};

function number(block: Buffer, start: number, length: number, what: string): number {
	const raw = text(block, start, length).trim();
	if (!/^[0-7]+$/.test(raw)) throw new TarFormatError(`unreadable ${what} in a tar header`);
	return parseInt(raw, 8);
}

function parseHeader(block: Buffer): TarEntryHeader {
	if (number(block, 148, 8, 'checksum') !== checksum(block)) throw new TarFormatError('a tar header is damaged (checksum mismatch)');
	const name = text(block, 0, 100);
	const prefix = text(block, 257, 6) === 'ustar' ? text(block, 345, 155) : '';
	const flag = String.fromCharCode(block[156]!);
	return {
		name: prefix ? `${prefix}/${name}` : name,
		size: number(block, 124, 12, 'size'),
		mode: number(block, 100, 8, 'mode'),
		mtime: new Date(number(block, 136, 12, 'time') * 1000),
		type: flag === '0' || flag === '\0' ? 'file' : flag === '5' ? 'directory' : 'other'
	};
}

/** Reads exact byte counts from a stream of chunks, without holding more than one chunk extra. */
class ChunkReader {
	private chunks: Buffer[] = [];
	private buffered = 0;
	private ended = false;

	constructor(private readonly source: AsyncIterator<Buffer>) {}

	private async fill(wanted: number): Promise<void> {
		while (this.buffered < wanted && !this.ended) {
			const next = await this.source.next();
			if (next.done) this.ended = true;
			else {
				this.chunks.push(next.value);
				this.buffered += next.value.length;
			}
		}
	}

	private take(count: number): Buffer {
		const first = this.chunks[0]!;
		const piece = first.subarray(0, count);
		if (count >= first.length) this.chunks.shift();
		else this.chunks[0] = first.subarray(count);
		this.buffered -= piece.length;
		return piece;
	}

	/** Exactly `count` bytes, or null at a clean end of the stream. */
	async read(count: number): Promise<Buffer | null> {
		await this.fill(count);
		if (this.buffered === 0 && this.ended) return null;
		if (this.buffered < count) throw new TarFormatError('the archive ends in the middle of a file (truncated)');
		const parts: Buffer[] = [];
		for (let left = count; left > 0; ) {
			const piece = this.take(left);
			parts.push(piece);
			left -= piece.length;
		}
		return parts.length === 1 ? parts[0]! : Buffer.concat(parts);
	}

	/** Reads (and drops) whatever follows, so that the stream feeding this one can finish. */
	async drain(): Promise<void> {
		this.chunks = [];
		this.buffered = 0;
		while (!this.ended) if ((await this.source.next()).done) this.ended = true;
	}

	/** `count` bytes as they arrive; `progress.left` says how many are still unread. */
	async *stream(progress: { left: number }): AsyncGenerator<Buffer> {
		while (progress.left > 0) {
			if (this.buffered === 0) await this.fill(1);
			if (this.buffered === 0) throw new TarFormatError('the archive ends in the middle of a file (truncated)');
			const piece = this.take(Math.min(progress.left, this.chunks[0]!.length));
			progress.left -= piece.length;
			yield piece;
		}
	}
}

/**
 * Calls `onEntry` for each entry of an (uncompressed) tar stream, in order. What `onEntry` leaves
 * of `content` unread when it returns is skipped.
 */
export async function readTar(source: AsyncIterable<Buffer>, onEntry: (header: TarEntryHeader, content: AsyncGenerator<Buffer>) => Promise<void>): Promise<void> {
	const reader = new ChunkReader(source[Symbol.asyncIterator]());
	for (;;) {
		const block = await reader.read(BLOCK);
		// Writers pad the end with zero blocks up to a record size: read them, and stop.
		if (!block || block.every((b) => b === 0)) return reader.drain();
		const header = parseHeader(block);
		const progress = { left: header.size };
		await onEntry(header, reader.stream(progress));
		// Whatever onEntry left unread is skipped, so that the next header is found where it is.
		for (const skipping = reader.stream(progress); progress.left > 0; ) await skipping.next();
		await reader.read(tarPadding(header.size).length);
	}
}
