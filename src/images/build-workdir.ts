/**
 * The scratch directory of an image build: under the cache (not /tmp, which may be a small
 * tmpfs), checked for space first, and removed afterwards only when nothing is mounted in it.
 */
import { mkdir, mkdtemp, readdir, readFile, rm, statfs } from 'node:fs/promises';
import path from 'node:path';
import { SimError } from '../core/errors.js';
import type { SimContext } from '../core/context.js';
import { run } from '../core/process.js';
import { realRoot, type RootRunner } from './userns.js';

/** Tree (~0.7 GB) + raw disk (as much again, sparse) + the stored qcow2, with some slack. */
export const BUILD_SPACE_BYTES = 3 * 1024 ** 3;

/**
 * A fresh work directory for the recipe `key`. Call it holding the recipe's build lock: then any
 * older work directory of the same recipe belongs to a build that was killed, and goes.
 */
export async function createWorkDir(ctx: SimContext, key: string, asRoot: RootRunner = realRoot): Promise<string> {
  const parent = ctx.dirs.builds;
  await mkdir(parent, { recursive: true });
  const prefix = `work-${key.slice(0, 16)}-`;
  for (const entry of await readdir(parent)) {
    if (entry.startsWith(prefix)) await removeWorkDir(path.join(parent, entry), asRoot).catch(() => undefined);
  }
  const info = await statfs(parent);
  const free = info.bavail * info.bsize;
  if (free < BUILD_SPACE_BYTES) {
    throw new SimError(
      'IMAGE_BUILD_FAILED',
      `Building an image needs about ${gib(BUILD_SPACE_BYTES)} free in ${parent}, but only ${gib(free)} is free.`,
      'Free some space there, or point SIM_CACHE_DIR at a larger filesystem.',
    );
  }
  return mkdtemp(path.join(parent, prefix));
}

/** Mount points at or below `dir`, from /proc/self/mountinfo (field 5; octal escapes). */
export async function mountsBelow(dir: string): Promise<string[]> {
  const text = await readFile('/proc/self/mountinfo', 'utf8').catch(() => '');
  const prefix = path.resolve(dir);
  return text
    .split('\n')
    .map((line) => line.split(' ')[4])
    .filter((p): p is string => Boolean(p))
    .map((p) => p.replace(/\\([0-7]{3})/g, (_m, oct: string) => String.fromCharCode(parseInt(oct, 8))))
    .filter((p) => p === prefix || p.startsWith(prefix + path.sep));
}

/**
 * Remove the work directory. A recursive delete across a bind mount of /dev or /proc would
 * destroy the host's, so refuse when anything is mounted inside and say so. A tree built in a
 * user namespace belongs to the user's subordinate ids: only root in that namespace may delete it.
 */
export async function removeWorkDir(dir: string, asRoot: RootRunner = realRoot): Promise<void> {
  const mounts = await mountsBelow(dir);
  if (mounts.length) {
    throw new SimError('IMAGE_BUILD_FAILED', `The build directory ${dir} still has mounts inside (${mounts.join(', ')}), so sim left it in place.`, `Unmount them (umount -R ${dir}/tree), then remove the directory.`);
  }
  if (asRoot.namespaced) await run(...asRoot.wrap('rm', ['-rf', '--one-file-system', dir]));
  else await rm(dir, { recursive: true, force: true });
}

function gib(bytes: number): string {
  return `${(bytes / 1024 ** 3).toFixed(1)} GiB`;
}
