/**
 * What a process of a resumed guest may map that the prefix replaces: the prefix's ELF files
 * (programs and libraries, the files processes map). Worked out on the host, where walking the
 * prefix costs milliseconds (over 9p under emulation it costs seconds), and handed to the guest
 * with `attach`; guest/attach matches every process's mappings against it in one pass.
 */
import { open } from 'node:fs/promises';
import path from 'node:path';
import { walkPrefix } from '../boot/prefix-walk.js';

/** The soname-like key of a library file name (libfoo.so.1 for libfoo.so.1.2.3); undefined for other files. Pure. */
export function sonameKey(name: string): string | undefined {
  const m = /^(lib.*?\.so(?:\.\d+)?)(?:\.|$)/.exec(name);
  return m?.[1];
}

/**
 * The keys a mapping is matched by: `path /usr/bin/foo` (merge mode: a file at its own path wins)
 * and `soname libfoo.so.1` (a library in a libdir wins through the linker in both modes); and
 * `lib DIR SONAME` for each library in a libdir, which tells the guest whether its linker cache
 * already finds it there (guest/attach, ld_unchanged). Pure.
 */
export function mappedKeys(elfFiles: readonly string[], libdirs: readonly string[], mode: 'merge' | 'path'): string[] {
  const keys = new Set<string>();
  for (const rel of elfFiles) {
    if (mode === 'merge') keys.add(`path /${rel}`);
    const soname = sonameKey(path.posix.basename(rel));
    if (soname && libdirs.includes(path.posix.dirname(rel))) {
      keys.add(`soname ${soname}`);
      keys.add(`lib /${path.posix.dirname(rel)} ${soname}`);
    }
  }
  return [...keys].sort();
}

async function isElf(file: string): Promise<boolean> {
  const handle = await open(file, 'r').catch(() => undefined);
  if (!handle) return false;
  try {
    const { buffer, bytesRead } = await handle.read(Buffer.alloc(4), 0, 4, 0);
    return bytesRead === 4 && buffer.readUInt32BE(0) === 0x7f454c46;
  } finally {
    await handle.close();
  }
}

/** The prefix's ELF files, prefix-relative. */
export async function prefixElfFiles(prefix: string): Promise<string[]> {
  const found: string[] = [];
  await walkPrefix(prefix, async (rel, entry) => {
    if (entry.isFile() && (await isElf(path.join(prefix, rel)))) found.push(rel);
  });
  return found.sort();
}
