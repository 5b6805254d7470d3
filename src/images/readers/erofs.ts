/**
 * Reading an EROFS filesystem (GNOME OS's /usr) inside a disk image without root: erofs-utils'
 * `fsck.erofs --extract` reads an unmounted image from a file, but takes no offset and no path,
 * so the partition is carved out into a scratch file and extracted whole, once, on first use.
 * erofs-utils 1.5 (Debian 12) knows lz4 only: a zstd or lzma image fails here with
 * IMAGE_UNSUPPORTED_FS, and the caller takes what it needs from elsewhere (the UKI's initrd).
 */
import { copyFile, lstat, mkdir, readdir, readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { SimError } from '../../core/errors.js';
import { run } from '../../core/process.js';
import { carvePartition } from './carve.js';
import { S_IFDIR, type DirEntry, type FsReader } from './types.js';

/** The last line of fsck.erofs' complaint, which names the unsupported algorithm. Pure. */
export function erofsFailure(stderr: string, exitCode: number | undefined): string {
  const lines = stderr.split('\n').map((l) => l.replace(/^<[EWI]>\s*erofs:\s*/, '').trim()).filter(Boolean);
  return lines.find((l) => /compress|algorithm|unsupported|feature/i.test(l)) ?? lines.pop() ?? `exit status ${exitCode}`;
}

export class ErofsFs implements FsReader {
  readonly fstype = 'erofs';
  private extracted: Promise<string> | undefined;

  /**
   * @param raw the disk image; @param offset, @param size where the filesystem lies in it;
   * @param scratch a directory this reader owns; @param mountedAt where the filesystem is
   * mounted in the image (`/usr` for a usr partition): paths are asked for as the booted
   * system sees them.
   */
  constructor(private readonly raw: string, private readonly offset: number, private readonly size: number, private readonly scratch: string, private readonly mountedAt = '/') {}

  private async tree(): Promise<string> {
    this.extracted ??= (async () => {
      await mkdir(this.scratch, { recursive: true });
      let image = this.raw;
      if (this.offset !== 0) {
        image = path.join(this.scratch, 'erofs.img');
        await carvePartition(this.raw, this.offset, this.size, image);
      }
      const tree = path.join(this.scratch, 'tree');
      const result = await run('fsck.erofs', [`--extract=${tree}`, '--no-preserve', image], { allowFailure: true });
      if (image !== this.raw) await rm(image, { force: true });
      if (result.exitCode !== 0) {
        throw new SimError('IMAGE_UNSUPPORTED_FS', `The EROFS filesystem at ${this.mountedAt} could not be read with this host's erofs-utils (fsck.erofs: ${erofsFailure(result.stderr, result.exitCode)}).`, 'Install a newer erofs-utils (1.7 or later reads zstd and lzma), then import the image again.');
      }
      return tree;
    })();
    return this.extracted;
  }

  /** Where a path of the booted system is in the extracted tree, or undefined when it is outside this filesystem. */
  private async local(file: string): Promise<string | undefined> {
    const clean = path.posix.normalize(`/${file}`).replace(/\/+$/, '') || '/';
    const base = this.mountedAt.replace(/\/+$/, '');
    if (base && clean !== base && !clean.startsWith(`${base}/`)) return undefined;
    return path.join(await this.tree(), ...clean.slice(base.length).split('/').filter(Boolean));
  }

  async list(dir: string): Promise<DirEntry[] | undefined> {
    const clean = dir.replace(/\/+$/, '') || '/';
    // Above the mount point: only the directories leading to it.
    const mount = this.mountedAt.replace(/\/+$/, '');
    if (mount && (clean === '/' || mount.startsWith(`${clean}/`))) {
      const next = mount.slice(clean === '/' ? 1 : clean.length + 1).split('/')[0]!;
      return [{ name: next, mode: S_IFDIR | 0o755, size: 0 }];
    }
    const local = await this.local(clean);
    const names = local ? await readdir(local).catch(() => undefined) : undefined;
    if (!names || !local) return undefined;
    const entries: DirEntry[] = [];
    for (const name of names) {
      const info = await lstat(path.join(local, name));
      entries.push({ name, mode: info.mode, size: info.size });
    }
    return entries;
  }

  async isDirectory(dir: string): Promise<boolean> {
    const local = await this.local(dir);
    return local ? ((await lstat(local).catch(() => undefined))?.isDirectory() ?? false) : false;
  }

  async dumpMany(files: Map<string, string>, destDir: string): Promise<void> {
    for (const [from, to] of files) {
      const local = await this.local(from);
      if (!local) continue;
      const dest = path.join(destDir, to);
      await mkdir(path.dirname(dest), { recursive: true });
      await copyFile(local, dest).catch(() => undefined);
    }
  }

  async readText(file: string): Promise<string | undefined> {
    const local = await this.local(file);
    return local ? readFile(local, 'utf8').catch(() => undefined) : undefined;
  }

  async close(): Promise<void> {
    await rm(this.scratch, { recursive: true, force: true });
  }
}
