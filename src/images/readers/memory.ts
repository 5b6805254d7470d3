/**
 * A reader over files held in memory: an initrd's cpio entries (the modules of a UKI's initrd,
 * when its EROFS /usr cannot be read here) or a UKI's sections (its kernel and initrd as
 * files). Pure.
 */
import path from 'node:path';
import { mkdir, writeFile } from 'node:fs/promises';
import type { InitrdEntry } from '../../initramfs/cpio-read.js';
import { S_IFDIR, S_IFLNK, S_IFREG, type DirEntry, type FsReader } from './types.js';

const strip = (p: string) => path.posix.normalize(`/${p}`).replace(/^\/+|\/+$/g, '');

export class MemoryFs implements FsReader {
  readonly fstype = 'memory';
  private readonly entries = new Map<string, InitrdEntry>();

  /** @param entries by path, with or without a leading slash (cpio names have none). */
  constructor(entries: Iterable<InitrdEntry>) {
    for (const e of entries) this.entries.set(strip(e.name), e);
  }

  /** Plain files: path -> bytes. */
  static ofFiles(files: Record<string, Buffer>): MemoryFs {
    return new MemoryFs(Object.entries(files).map(([name, data]) => ({ name, type: 'file', mode: S_IFREG | 0o644, data })));
  }

  private isDir(p: string): boolean {
    if (p === '') return true;
    const entry = this.entries.get(p);
    if (entry) return entry.type === 'directory';
    // cpio archives may list files without their parent directories.
    return [...this.entries.keys()].some((k) => k.startsWith(`${p}/`));
  }

  list(dir: string): Promise<DirEntry[] | undefined> {
    const p = strip(dir);
    if (!this.isDir(p)) return Promise.resolve(undefined);
    const names = new Map<string, DirEntry>();
    const prefix = p ? `${p}/` : '';
    for (const [key, entry] of this.entries) {
      if (!key.startsWith(prefix) || key === p) continue;
      const [name, ...rest] = key.slice(prefix.length).split('/');
      if (!name || names.has(name)) continue;
      const direct = rest.length === 0;
      const type = direct ? entry.type : 'directory';
      const mode = type === 'directory' ? S_IFDIR | 0o755 : type === 'symlink' ? S_IFLNK | 0o777 : S_IFREG | (entry.mode & 0o7777);
      names.set(name, { name, mode, size: direct ? (entry.data?.length ?? 0) : 0 });
    }
    return Promise.resolve([...names.values()]);
  }

  isDirectory(dir: string): Promise<boolean> {
    return Promise.resolve(this.isDir(strip(dir)));
  }

  async dumpMany(files: Map<string, string>, destDir: string): Promise<void> {
    for (const [from, to] of files) {
      const data = this.entries.get(strip(from))?.data;
      if (!data) continue;
      const dest = path.join(destDir, to);
      await mkdir(path.dirname(dest), { recursive: true });
      await writeFile(dest, data);
    }
  }

  readText(file: string): Promise<string | undefined> {
    return Promise.resolve(this.entries.get(strip(file))?.data?.toString('utf8'));
  }
}
