/**
 * Session directories: one private directory per boot for the copy-on-write disk, the initrd
 * and the sockets. Removed when the boot ends; one whose launcher died is swept by the next run.
 */
import { randomBytes } from 'node:crypto';
import { chmod, mkdir, readdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { SimError } from '../core/errors.js';
import { runtimeDir } from '../core/paths.js';
import { isAlive } from '../core/pids.js';
import { run } from '../core/process.js';

export function sessionsDir(env: NodeJS.ProcessEnv = process.env): string {
  return path.join(runtimeDir(env), 'sessions');
}


/** Remove session directories whose launcher is gone. */
export async function sweepStaleSessions(env: NodeJS.ProcessEnv = process.env): Promise<string[]> {
  const dir = sessionsDir(env);
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

export async function createSessionDir(env: NodeJS.ProcessEnv = process.env): Promise<string> {
  const root = sessionsDir(env);
  await mkdir(root, { recursive: true, mode: 0o700 });
  await chmod(runtimeDir(env), 0o700).catch(() => undefined);
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
