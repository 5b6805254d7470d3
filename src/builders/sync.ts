/**
 * Copy a staged install (DESTDIR) into the live prefix, touching only what changed: equal
 * files keep their inode and mtime; changed files are written to a temporary sibling and
 * renamed over, so a guest reading the prefix over 9p never sees a half-written library.
 * A file whose staged copy and prefix copy both still have the size and mtime (and the prefix
 * copy the inode) the last sync recorded is equal without reading it (sync-record.ts).
 */
import { chmod, copyFile, lstat, mkdir, open, readdir, readlink, rename, rm, rmdir, stat, symlink, unlink } from 'node:fs/promises';
import type { BigIntStats, Stats } from 'node:fs';
import path from 'node:path';
import { tempSibling } from '../core/atomic.js';
import { fileStamp, sameStamp, type FileStamp } from './sync-record.js';

type Kind = 'dir' | 'file' | 'symlink';
interface Entry {
  rel: string;
  kind: Kind;
}

/** Every entry under root, parents before children, sorted for a stable order. */
export async function walk(root: string, rel = ''): Promise<Entry[]> {
  const out: Entry[] = [];
  const dirents = await readdir(path.join(root, rel), { withFileTypes: true });
  dirents.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const d of dirents) {
    const child = rel ? `${rel}/${d.name}` : d.name;
    if (d.isDirectory()) out.push({ rel: child, kind: 'dir' }, ...(await walk(root, child)));
    else if (d.isSymbolicLink()) out.push({ rel: child, kind: 'symlink' });
    else if (d.isFile()) out.push({ rel: child, kind: 'file' });
  }
  return out;
}

const CHUNK = 1 << 20;

async function sameBytes(a: string, b: string): Promise<boolean> {
  const [fa, fb] = await Promise.all([open(a), open(b)]);
  try {
    const ba = Buffer.alloc(CHUNK);
    const bb = Buffer.alloc(CHUNK);
    for (;;) {
      const [ra, rb] = await Promise.all([fa.read(ba, 0, CHUNK), fb.read(bb, 0, CHUNK)]);
      if (ra.bytesRead !== rb.bytesRead) return false;
      if (ra.bytesRead === 0) return true;
      if (!ba.subarray(0, ra.bytesRead).equals(bb.subarray(0, rb.bytesRead))) return false;
    }
  } finally {
    await Promise.all([fa.close(), fb.close()]);
  }
}

const lstatOrUndefined = (p: string) => lstat(p).catch(() => undefined);

/** Put `temp` at `dst`; a directory in the way is removed first (rename cannot replace one). */
async function replaceWith(temp: string, dst: string, existing: Stats | BigIntStats | undefined): Promise<void> {
  if (existing?.isDirectory()) await rm(dst, { recursive: true, force: true });
  await rename(temp, dst);
}

const statBig = (p: string) => stat(p, { bigint: true });
const lstatBigOrUndefined = (p: string) => lstat(p, { bigint: true }).catch(() => undefined);

async function syncFile(src: string, dst: string, known: FileStamp | undefined, stamps: Map<string, FileStamp>, rel: string): Promise<boolean> {
  const [s, d] = await Promise.all([statBig(src), lstatBigOrUndefined(dst)]);
  const mode = Number(s.mode) & 0o7777;
  if (d?.isFile() && d.size === s.size && (Number(d.mode) & 0o7777) === mode) {
    const stamp = fileStamp(s, d);
    if ((known && sameStamp(known, stamp)) || (await sameBytes(src, dst))) {
      stamps.set(rel, stamp);
      return false;
    }
  }
  const temp = tempSibling(dst);
  try {
    await copyFile(src, temp);
    await chmod(temp, mode);
    await replaceWith(temp, dst, d);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
  stamps.set(rel, fileStamp(s, await lstat(dst, { bigint: true })));
  return true;
}

async function syncSymlink(src: string, dst: string): Promise<boolean> {
  const [target, d] = await Promise.all([readlink(src), lstatOrUndefined(dst)]);
  if (d?.isSymbolicLink() && (await readlink(dst)) === target) return false;
  const temp = tempSibling(dst);
  await symlink(target, temp);
  await replaceWith(temp, dst, d).catch(async (error) => {
    await rm(temp, { force: true });
    throw error;
  });
  return true;
}

async function syncDir(dst: string): Promise<void> {
  // Follows symlinks: a prefix may deliberately hold e.g. lib -> usr/lib.
  const d = await stat(dst).catch(() => undefined);
  if (d?.isDirectory()) return;
  if (d || (await lstatOrUndefined(dst))) await rm(dst, { force: true });
  await mkdir(dst, { recursive: true });
}

/** Remove a file, then any parent directories it leaves empty (up to, not including, the prefix). */
async function removeAndPrune(prefix: string, rel: string, keepDirs: Set<string>): Promise<boolean> {
  const d = await lstatOrUndefined(path.join(prefix, rel));
  if (!d || d.isDirectory()) return false;
  await unlink(path.join(prefix, rel));
  for (let dir = path.posix.dirname(rel); dir !== '.' && !keepDirs.has(dir); dir = path.posix.dirname(dir)) {
    if (!(await rmdir(path.join(prefix, dir)).then(() => true, () => false))) break;
  }
  return true;
}

export interface SyncResult {
  /** Files (and symlinks) now installed by the module, relative to the prefix. */
  files: string[];
  /** Written or removed, relative to the prefix. */
  changed: string[];
  removed: string[];
  /** Each regular file's stamp after this sync, for the next one's `known`. */
  stamps: Map<string, FileStamp>;
}

export interface SyncOptions {
  previous: readonly string[];
  ownedByOthers: ReadonlySet<string>;
  /** Stamps the last sync of this stage recorded: a file still matching its stamp is not read. */
  known?: ReadonlyMap<string, FileStamp>;
}

export async function syncTree(stage: string, prefix: string, opts: SyncOptions): Promise<SyncResult> {
  await mkdir(prefix, { recursive: true });
  const entries = await walk(stage);
  const files: string[] = [];
  const changed: string[] = [];
  const stamps = new Map<string, FileStamp>();
  const dirs = new Set<string>();
  for (const { rel, kind } of entries) {
    const src = path.join(stage, rel);
    const dst = path.join(prefix, rel);
    if (kind === 'dir') {
      dirs.add(rel);
      await syncDir(dst);
      continue;
    }
    files.push(rel);
    if (await (kind === 'file' ? syncFile(src, dst, opts.known?.get(rel), stamps, rel) : syncSymlink(src, dst))) changed.push(rel);
  }
  const now = new Set(files);
  const removed: string[] = [];
  for (const rel of opts.previous) {
    if (now.has(rel) || opts.ownedByOthers.has(rel)) continue;
    if (await removeAndPrune(prefix, rel, dirs)) removed.push(rel);
  }
  return { files, changed: [...changed, ...removed], removed, stamps };
}
