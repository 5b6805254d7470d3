/**
 * Compressed downloads (.xz, .zst, .gz), recognised by their magic bytes rather than their
 * names, decompressed by Debian's own tools into a file next to them.
 */
import { open, rm } from 'node:fs/promises';
import { run } from '../core/process.js';

export type Compression = 'xz' | 'zstd' | 'gzip';

const MAGIC: readonly [Compression, readonly number[]][] = [
  ['xz', [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]],
  ['zstd', [0x28, 0xb5, 0x2f, 0xfd]],
  ['gzip', [0x1f, 0x8b]],
];

/** The compression of a file's first bytes, if any. Pure. */
export function compressionOf(head: Uint8Array): Compression | undefined {
  return MAGIC.find(([, magic]) => magic.every((byte, i) => head[i] === byte))?.[0];
}

export async function detectCompression(file: string): Promise<Compression | undefined> {
  const handle = await open(file, 'r');
  try {
    const head = Buffer.alloc(8);
    await handle.read(head, 0, head.length, 0);
    return compressionOf(head);
  } finally {
    await handle.close();
  }
}

const PROGRAM: Record<Compression, string> = { xz: 'xz', zstd: 'zstd', gzip: 'gzip' };

/** Decompress `file` into `out` (removed again if the tool fails: no half-written image). */
export async function decompressFile(file: string, compression: Compression, out: string): Promise<void> {
  try {
    await run(PROGRAM[compression], ['-d', '-c', file], { outputFile: out });
  } catch (error) {
    await rm(out, { force: true });
    throw error;
  }
}
