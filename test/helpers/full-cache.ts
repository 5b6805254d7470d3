/**
 * A cache on a small filesystem, to fill up. Without root: each cache is a tmpfs mounted inside
 * an unprivileged user + mount namespace (`unshare --user --map-root-user --mount`) by a holder
 * process that then sleeps. sim itself runs outside the namespace, as the same user, and reaches
 * the tmpfs through the holder's root directory, /proc/PID/root/DIR (the namespace's owner may
 * enter it).
 */
import { mkdir, statfs, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { execa, type ResultPromise } from 'execa';
import { faultEnv, type FaultEnv } from './faults.js';

const holders: ResultPromise[] = [];

/** Unmount every tmpfs (their holders keep the test process alive): a test file's `after`. */
export function releaseFullEnvs(): void {
  for (const holder of holders.splice(0)) holder.kill('SIGKILL');
}

/** A fault env whose cache is a tmpfs of `size` (e.g. "24m"); the runtime dir stays on disk. */
export async function fullEnv(size: string): Promise<FaultEnv> {
  const env = await faultEnv();
  const mountPoint = path.join(env.root, 'tmpfs');
  await mkdir(mountPoint);
  const holder = execa('unshare', ['--user', '--map-root-user', '--mount', 'sh', '-c',
    'mount -t tmpfs -o "size=$1,mode=0700" tmpfs "$2" && echo mounted && exec sleep 100000', 'sh', size, mountPoint], { reject: false });
  holders.push(holder);
  let stderr = '';
  holder.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  await new Promise<void>((resolve, reject) => {
    holder.stdout.once('data', () => resolve());
    holder.once('exit', () => reject(new Error(`could not mount a tmpfs in a user namespace: ${stderr}`)));
  });
  return { ...env, SIM_CACHE_DIR: path.join(`/proc/${holder.pid}/root`, mountPoint, 'cache') };
}

/** Fill the filesystem of `dir` up to `leave` bytes. */
export async function fill(dir: string, leave: number): Promise<string> {
  const info = await statfs(dir);
  const filler = path.join(dir, 'filler');
  await writeFile(filler, Buffer.alloc(Math.max(0, info.bavail * info.bsize - leave)));
  return filler;
}
