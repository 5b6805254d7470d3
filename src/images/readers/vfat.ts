/**
 * Reading a FAT filesystem (an EFI system partition) inside a disk image with mtools, which
 * take a byte offset (`file@@offset`): no root, no loop devices.
 */
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { run } from '../../core/process.js';
import { S_IFDIR, S_IFREG, type DirEntry, type FsReader } from './types.js';

/** mtools refuses some valid but unusual geometries unless told not to check. */
const ENV = { MTOOLS_SKIP_CHECK: '1' };

/** `mdir -b` lines (::/a/b/ for directories, ::/a/b for files) as entries of `dir`. Pure. */
export function parseMdirBare(output: string, dir: string): DirEntry[] {
  const prefix = `::${dir.replace(/\/+$/, '')}/`;
  return output
    .split('\n')
    .filter((line) => line.startsWith(prefix) && line.length > prefix.length)
    .map((line) => {
      const rest = line.slice(prefix.length);
      const isDir = rest.endsWith('/');
      return { name: rest.replace(/\/$/, ''), mode: (isDir ? S_IFDIR : S_IFREG) | 0o644, size: 0 };
    })
    .filter((e) => e.name && !e.name.includes('/') && e.name !== '.' && e.name !== '..');
}

export class VfatFs implements FsReader {
  readonly fstype = 'vfat';
  constructor(private readonly raw: string, private readonly offset: number) {}

  private get image(): string {
    return `${this.raw}@@${this.offset}`;
  }

  async list(dir: string): Promise<DirEntry[] | undefined> {
    if (!(await this.isDirectory(dir))) return undefined;
    const { stdout } = await run('mdir', ['-i', this.image, '-b', '-a', `::${dir}`], { env: ENV, allowFailure: true });
    return parseMdirBare(stdout, dir);
  }

  async isDirectory(dir: string): Promise<boolean> {
    const clean = dir.replace(/\/+$/, '');
    if (!clean) return true;
    const parent = path.posix.dirname(clean);
    const { stdout } = await run('mdir', ['-i', this.image, '-b', '-a', `::${parent}`], { env: ENV, allowFailure: true });
    const name = path.posix.basename(clean).toLowerCase();
    return parseMdirBare(stdout, parent).some((e) => e.name.toLowerCase() === name && (e.mode & S_IFDIR) !== 0);
  }

  async dumpMany(files: Map<string, string>, destDir: string): Promise<void> {
    for (const [from, to] of files) {
      const dest = path.join(destDir, to);
      await mkdir(path.dirname(dest), { recursive: true });
      await run('mcopy', ['-n', '-i', this.image, `::${from}`, dest], { env: ENV, allowFailure: true });
    }
  }

  async readText(file: string): Promise<string | undefined> {
    const result = await run('mtype', ['-i', this.image, `::${file}`], { env: ENV, allowFailure: true });
    return result.exitCode === 0 ? result.stdout : undefined;
  }
}
