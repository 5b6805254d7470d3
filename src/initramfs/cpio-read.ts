/**
 * Reading an image's own initrd: concatenated newc archives, each either plain (an early
 * microcode archive comes first on many distributions) or compressed (gzip, xz, zstd), as the
 * kernel unpacks them. Parsing is pure; decompression is the caller's (src/images/initrd.ts).
 */

export type InitrdEntryType = 'file' | 'directory' | 'symlink' | 'other';

export interface InitrdEntry {
  name: string;
  type: InitrdEntryType;
  mode: number;
  /** A symlink's target. */
  target?: string;
  /** A regular file's bytes. */
  data?: Buffer;
}

export type Compression = 'gzip' | 'xz' | 'zstd' | 'lzma' | 'bzip2' | 'lz4' | 'lzo';

/** What starts at an offset: a plain archive, a compressed one (named), or padding/garbage. */
export type Segment = { kind: 'newc'; offset: number } | { kind: 'compressed'; offset: number; compression: Compression } | { kind: 'unknown'; offset: number };

const MAGICS: [Compression, number[]][] = [
  ['gzip', [0x1f, 0x8b]],
  ['xz', [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]],
  ['zstd', [0x28, 0xb5, 0x2f, 0xfd]],
  ['lzma', [0x5d, 0x00, 0x00]],
  ['bzip2', [0x42, 0x5a, 0x68]],
  ['lz4', [0x02, 0x21, 0x4c, 0x18]],
  ['lzo', [0x89, 0x4c, 0x5a, 0x4f]],
];

/** What the bytes at `offset` are. Pure. */
export function segmentAt(buffer: Buffer, offset: number): Segment {
  const magic = buffer.subarray(offset, offset + 6).toString('latin1');
  if (magic === '070701' || magic === '070702') return { kind: 'newc', offset };
  for (const [compression, bytes] of MAGICS) {
    if (bytes.every((b, i) => buffer[offset + i] === b)) return { kind: 'compressed', offset, compression };
  }
  return { kind: 'unknown', offset };
}

const S_IFMT = 0o170000;
const TYPES: Record<number, InitrdEntryType> = { 0o100000: 'file', 0o040000: 'directory', 0o120000: 'symlink' };

/**
 * Parse one newc archive starting at `offset`, up to and including its TRAILER!!!, into
 * `entries` (later entries replace earlier ones of the same name, as the kernel does). Returns
 * the offset after the trailer and the zero padding that may follow. Pure.
 */
export function parseNewc(buffer: Buffer, offset: number, entries: Map<string, InitrdEntry>): number {
  let at = offset;
  for (;;) {
    if (at + 110 > buffer.length) throw new Error(`truncated cpio header at ${at}`);
    const header = buffer.subarray(at, at + 110).toString('latin1');
    if (!header.startsWith('07070')) throw new Error(`no cpio header at ${at}`);
    const field = (i: number) => parseInt(header.slice(6 + i * 8, 14 + i * 8), 16);
    const mode = field(1);
    const fileSize = field(6);
    const nameSize = field(11);
    const nameStart = at + 110;
    const name = buffer.subarray(nameStart, nameStart + nameSize - 1).toString('utf8').replace(/^\.?\/+/, '');
    const dataStart = align4(nameStart + nameSize);
    const data = buffer.subarray(dataStart, dataStart + fileSize);
    at = align4(dataStart + fileSize);
    if (name === 'TRAILER!!!') break;
    if (!name || name === '.') continue;
    const type = TYPES[mode & S_IFMT] ?? 'other';
    const entry: InitrdEntry = { name, type, mode: mode & 0o7777 };
    if (type === 'symlink') entry.target = data.toString('utf8');
    if (type === 'file') entry.data = Buffer.from(data);
    entries.delete(name);
    entries.set(name, entry);
  }
  while (at < buffer.length && buffer[at] === 0) at++;
  return at;
}

function align4(n: number): number {
  return (n + 3) & ~3;
}

/**
 * Everything an initrd holds, the archives unpacked in order. `decompress` turns a compressed
 * tail into its bytes (which may hold several archives in turn). An unknown segment ends the
 * reading: the kernel stops there too (or fails). Pure apart from `decompress`.
 */
export async function readInitrd(buffer: Buffer, decompress: (data: Buffer, compression: Compression) => Promise<Buffer>): Promise<{ entries: Map<string, InitrdEntry>; compression: Compression[]; trailing?: number }> {
  const entries = new Map<string, InitrdEntry>();
  const compression: Compression[] = [];
  let at = 0;
  let data = buffer;
  while (at < data.length) {
    const segment = segmentAt(data, at);
    if (segment.kind === 'newc') at = parseNewc(data, at, entries);
    else if (segment.kind === 'compressed') {
      compression.push(segment.compression);
      // A compressed stream runs to the end of the file: unpack it and go on in its bytes.
      data = await decompress(data.subarray(at), segment.compression);
      at = 0;
    } else return { entries, compression, trailing: data.length - at };
  }
  return { entries, compression };
}
