/**
 * Cross-process locks for cache writers. proper-lockfile uses an atomic mkdir plus an mtime
 * heartbeat, so a lock left by a killed process goes stale and is taken over instead of
 * blocking every later run.
 */
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import lockfile from 'proper-lockfile';

export async function withLock<T>(lockPath: string, fn: () => Promise<T>): Promise<T> {
  await mkdir(path.dirname(lockPath), { recursive: true });
  const release = await lockfile.lock(path.dirname(lockPath), {
    lockfilePath: lockPath,
    stale: 15_000,
    update: 5_000,
    retries: { retries: 1_000, minTimeout: 50, maxTimeout: 500, factor: 1.5 },
    realpath: false,
  });
  try {
    return await fn();
  } finally {
    await release().catch(() => undefined);
  }
}
