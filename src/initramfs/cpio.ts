/**
 * newc archives for the kernel's initramfs loader, written with cpio-stream. Reproducible:
 * entries are sorted, timestamps fixed and inode numbers assigned in order.
 */

export type CpioEntry =
  | { type: 'directory'; name: string; mode?: number }
  | { type: 'file'; name: string; mode?: number; data: Buffer }
  | { type: 'symlink'; name: string; target: string }
  | { type: 'character-device'; name: string; mode?: number; major: number; minor: number };

/** A fixed timestamp (1 s after the epoch: cpio-stream treats 0 as "now"). */
const MTIME = 1;

function header(entry: CpioEntry) {
  const base = { name: entry.name, uid: 0, gid: 0, mtime: MTIME, dev: 0, devmajor: 0, devminor: 0 };
  switch (entry.type) {
    case 'directory':
      return { ...base, type: entry.type, mode: entry.mode ?? 0o755, nlink: 2 };
    case 'file':
      return { ...base, type: entry.type, mode: entry.mode ?? 0o644 };
    case 'symlink':
      return { ...base, type: entry.type, mode: 0o777, linkname: entry.target };
    case 'character-device':
      return { ...base, type: entry.type, mode: entry.mode ?? 0o600, rdevmajor: entry.major, rdevminor: entry.minor };
  }
}

/** Sort parents before children and names bytewise, so equal inputs give equal bytes. Pure. */
export function sortEntries(entries: readonly CpioEntry[]): CpioEntry[] {
  return [...entries].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** Pack entries into a newc archive. The result's length is a multiple of 4 (safe to append to). */
export async function packNewc(entries: readonly CpioEntry[]): Promise<Buffer> {
  // Loaded here, not with the module: cpio-stream and its streams are ~25 CommonJS files that
  // every command reaching the boot code would load (20 ms), though a boot packs an archive only
  // when its initramfs is not cached.
  const { default: cpio } = await import('cpio-stream');
  const pack = cpio.pack({ format: 'newc' });
  const chunks: Buffer[] = [];
  pack.on('data', (chunk: Buffer) => chunks.push(chunk));
  const done = new Promise<void>((resolve, reject) => {
    pack.on('end', resolve);
    pack.on('error', reject);
  });
  for (const entry of sortEntries(entries)) {
    const data = entry.type === 'file' ? entry.data : undefined;
    // cpio-stream sets symlink bodies from linkname itself.
    await new Promise<void>((resolve, reject) => {
      pack.entry(header(entry), data ?? Buffer.alloc(0), (error?: Error) => (error ? reject(error) : resolve()));
    });
  }
  pack.finalize();
  await done;
  return padTo4(Buffer.concat(chunks));
}

/** The kernel requires each appended newc archive to start on a 4-byte boundary. */
export function padTo4(buffer: Buffer): Buffer {
  const pad = (4 - (buffer.length % 4)) % 4;
  return pad ? Buffer.concat([buffer, Buffer.alloc(pad)]) : buffer;
}

/** Concatenate archives into one initrd (the kernel unpacks each in turn). */
export function concatArchives(archives: readonly Buffer[]): Buffer {
  return Buffer.concat(archives.map(padTo4));
}
