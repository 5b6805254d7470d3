/**
 * Reading a btrfs filesystem inside a disk image without root: `btrfs restore` reads an
 * unmounted filesystem from a file, but has no offset option, so the partition is carved out
 * into a sparse file once (carve.ts: only its allocated parts are read); then each request
 * restores just the paths it names (a --path-regex of exact paths and their parents) into a
 * scratch tree, which the reader answers from.
 */
import { copyFile, lstat, mkdir, readdir, readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { SimError } from '../../core/errors.js';
import { run } from '../../core/process.js';
import { carvePartition } from './carve.js';
import type { DirEntry, FsReader } from './types.js';

export const BTRFS_FS_TREE = 5;

/** Subvolumes directly below the top level: name -> tree id, from `btrfs inspect-internal dump-tree -t root`. Pure. */
export function parseRootRefs(dump: string): Map<string, number> {
  const refs = new Map<string, number>();
  let child: number | undefined;
  for (const line of dump.split('\n')) {
    // btrfs-progs names well-known trees: the top level is "FS_TREE" (id 5).
    const key = /key \((\d+|FS_TREE) ROOT_REF (\d+)\)/.exec(line);
    if (key) {
      child = key[1] === 'FS_TREE' || Number(key[1]) === BTRFS_FS_TREE ? Number(key[2]) : undefined;
      continue;
    }
    const ref = /root ref key dirid \d+ sequence \d+ name (.+)$/.exec(line);
    if (ref && child !== undefined) refs.set(ref[1]!.trim(), child);
    if (ref) child = undefined;
  }
  return refs;
}

/** The subvolume a mount-options string names (subvol=root), or undefined for the top level. Pure. */
export function subvolumeOf(options: string | undefined): string | undefined {
  for (const option of (options ?? '').split(',')) {
    const m = /^subvol=\/?(.*)$/.exec(option);
    if (m) return m[1] || undefined;
  }
  return undefined;
}

/** A --path-regex for btrfs restore matching exactly `paths` and every parent of them. Pure. */
export function restoreRegex(paths: readonly string[], withChildren: readonly string[] = []): string {
  const exact = new Set<string>(['/']);
  const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  for (const p of [...paths, ...withChildren]) {
    const parts = p.split('/').filter(Boolean);
    for (let i = 1; i <= parts.length; i++) exact.add(`/${parts.slice(0, i).join('/')}`);
  }
  const alternatives = [...exact].map(escape);
  for (const dir of withChildren) alternatives.push(`${escape(dir.replace(/\/+$/, ''))}/[^/]+`);
  return `^(${alternatives.join('|')})$`;
}

export class BtrfsFs implements FsReader {
  readonly fstype = 'btrfs';
  private carved: Promise<string> | undefined;
  private tree: number | undefined;

  /**
   * @param raw the disk image; @param offset, @param size where the filesystem lies in it;
   * @param scratch a directory this reader owns (the carved partition and restored files);
   * @param subvolume the subvolume that is the root (Fedora: "root"), or the top level.
   */
  constructor(private readonly raw: string, private readonly offset: number, private readonly size: number, private readonly scratch: string, private readonly subvolume?: string) {}

  private async image(): Promise<string> {
    this.carved ??= (async () => {
      await mkdir(this.scratch, { recursive: true });
      const file = path.join(this.scratch, 'btrfs.img');
      if (this.offset === 0) return this.raw; // a bare filesystem image
      await carvePartition(this.raw, this.offset, this.size, file);
      return file;
    })();
    return this.carved;
  }

  private refs: Promise<Map<string, number>> | undefined;

  /** The subvolumes directly below the top level, by name, with their tree ids. */
  private async rootRefs(): Promise<Map<string, number>> {
    this.refs ??= (async () => {
      const { stdout, exitCode, stderr } = await run('btrfs', ['inspect-internal', 'dump-tree', '-t', 'root', await this.image()], { allowFailure: true });
      if (exitCode !== 0) {
        throw new SimError('IMAGE_UNREADABLE', `The btrfs root filesystem's subvolumes could not be listed (${stderr.trim().split('\n').pop() ?? `exit status ${exitCode}`}).`, 'Check that the image is not damaged (btrfs check on a copy), then import it again.');
      }
      return parseRootRefs(stdout);
    })();
    return this.refs;
  }

  /** Names of the subvolumes directly below the top level (Fedora: root, home; 44: boot too). */
  async subvolumes(): Promise<string[]> {
    return [...(await this.rootRefs()).keys()];
  }

  private async treeId(): Promise<number> {
    if (this.tree !== undefined) return this.tree;
    if (!this.subvolume) return (this.tree = BTRFS_FS_TREE);
    const refs = await this.rootRefs();
    const id = refs.get(this.subvolume);
    if (id === undefined) {
      throw new SimError('IMAGE_UNSUPPORTED_FS', `The btrfs root filesystem has no subvolume '${this.subvolume}' (its subvolumes: ${[...refs.keys()].join(', ') || 'none'}).`, 'Check the rootflags=subvol= option of the image\'s boot entry; sim reads subvolumes directly below the top level.');
    }
    return (this.tree = id);
  }

  private get files(): string {
    return path.join(this.scratch, 'tree');
  }

  private async restore(paths: readonly string[], withChildren: readonly string[] = []): Promise<void> {
    const image = await this.image();
    const tree = await this.treeId();
    await mkdir(this.files, { recursive: true });
    const result = await run('btrfs', ['restore', '-S', '-o', '-r', String(tree), '--path-regex', restoreRegex(paths, withChildren), image, this.files], { allowFailure: true });
    if (result.exitCode !== 0) {
      const why = result.stderr.trim().split('\n').pop() ?? `exit status ${result.exitCode}`;
      throw new SimError('IMAGE_UNREADABLE', `The btrfs root filesystem could not be read (btrfs restore: ${why}).`, 'Check that the image is not damaged (btrfs check on a copy), then import it again.');
    }
  }

  private local(file: string): string {
    return path.join(this.files, ...file.split('/').filter(Boolean));
  }

  async list(dir: string): Promise<DirEntry[] | undefined> {
    await this.restore([], [dir]);
    const names = await readdir(this.local(dir)).catch(() => undefined);
    if (!names) return undefined;
    const entries: DirEntry[] = [];
    for (const name of names) {
      const info = await lstat(path.join(this.local(dir), name));
      entries.push({ name, mode: info.mode, size: info.size });
    }
    return entries;
  }

  async isDirectory(dir: string): Promise<boolean> {
    await this.restore([dir]);
    return (await lstat(this.local(dir)).catch(() => undefined))?.isDirectory() ?? false;
  }

  async dumpMany(files: Map<string, string>, destDir: string): Promise<void> {
    if (files.size === 0) return;
    await this.restore([...files.keys()]);
    for (const [from, to] of files) {
      const dest = path.join(destDir, to);
      await mkdir(path.dirname(dest), { recursive: true });
      await copyFile(this.local(from), dest).catch(() => undefined);
    }
  }

  async readText(file: string): Promise<string | undefined> {
    await this.restore([file]);
    return readFile(this.local(file), 'utf8').catch(() => undefined);
  }

  private readonly children = new Map<string, BtrfsFs>();

  /**
   * The same filesystem read at another subvolume, sharing the carved-out partition; one reader
   * per subvolume (locate looks for boot entries in each, then reads the root's modules).
   */
  withSubvolume(subvolume: string | undefined): BtrfsFs {
    const key = subvolume ?? '';
    let other = this.children.get(key);
    if (!other) {
      other = new BtrfsFs(this.raw, this.offset, this.size, `${this.scratch}-${subvolume ?? 'top'}`, subvolume);
      other.carved = this.image();
      other.refs = this.refs;
      this.children.set(key, other);
    }
    return other;
  }

  async close(): Promise<void> {
    await rm(this.scratch, { recursive: true, force: true });
  }
}
