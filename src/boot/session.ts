/**
 * Session directories: one private directory per boot for the copy-on-write disk, the initrd
 * and the sockets. Removed when the boot ends; one whose launcher died is swept by the next run.
 */
import { randomBytes } from 'node:crypto';
import { chmod, mkdir, readdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { SimError } from '../core/errors.js';
import type { SimContext } from '../core/context.js';
import { isAlive } from '../core/pids.js';
import { run } from '../core/process.js';

/** Remove session directories whose launcher is gone. */
export async function sweepStaleSessions(ctx: SimContext): Promise<string[]> {
  const dir = ctx.dirs.sessions;
  const removed: string[] = [];
  for (const entry of await readdir(dir).catch(() => [] as string[])) {
    const pid = Number(/^(\d+)-/.exec(entry)?.[1]);
    if (pid && !isAlive(pid)) {
      await rm(path.join(dir, entry), { recursive: true, force: true });
      removed.push(entry);
    }
  }
  return removed;
}

export async function createSessionDir(ctx: SimContext): Promise<string> {
  const root = ctx.dirs.sessions;
  await mkdir(root, { recursive: true, mode: 0o700 });
  await chmod(ctx.dirs.runtime, 0o700).catch(() => undefined);
  const dir = path.join(root, `${process.pid}-${randomBytes(4).toString('hex')}`);
  if (Buffer.byteLength(path.join(dir, 'con.sock')) > 107) {
    throw new SimError('USAGE', `The runtime directory ${root} is too deep for unix sockets.`, 'Point SIM_RUNTIME_DIR at a shorter path.');
  }
  await mkdir(dir, { mode: 0o700 });
  return dir;
}

/** A copy-on-write qcow2 over the base: its cost does not grow with the base's size. */
export async function createSessionDisk(base: string, dest: string): Promise<void> {
  await run('qemu-img', ['create', '-q', '-f', 'qcow2', '-F', 'qcow2', '-b', base, dest]);
}
