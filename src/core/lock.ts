/**
 * Cross-process locks for cache writers and builds. proper-lockfile uses an atomic mkdir plus an
 * mtime heartbeat, so a lock left by a killed process goes stale and is taken over instead of
 * blocking every later run. Stale means 15 s without a heartbeat — a long wait after an IDE's
 * Stop (SIGKILL) in the middle of a build — so each holder also names itself in a file beside
 * the lock (pid, the process's start time, the boot): a waiter that finds that process gone
 * takes the lock over as soon as its heartbeat is 2 s old.
 */
import { mkdir, readFile, readlink, rm } from 'node:fs/promises';
import path from 'node:path';
import lockfile from 'proper-lockfile';
import { writeFileAtomic } from './atomic.js';

const STALE_MS = 15_000;
/** The shortest staleness proper-lockfile allows: for a lock whose holder is known to be gone. */
const DEAD_OWNER_STALE_MS = 2_000;
const RETRIES = 1_000;

/**
 * "PID START BOOT PIDNS": the process's start time in clock ticks since boot (/proc/PID/stat,
 * field 22), the boot, and the pid namespace the pid means something in. Pure.
 */
export function ownerStamp(pid: number, stat: string, bootId: string, pidNamespace: string): string | undefined {
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const start = fields[19];
  return start && /^\d+$/.test(start) ? `${pid} ${start} ${bootId.trim()} ${pidNamespace}` : undefined;
}

const readOr = (file: string) => readFile(file, 'utf8').catch(() => undefined);
const BOOT_ID = '/proc/sys/kernel/random/boot_id';

const ourPidNamespace = () => readlink('/proc/self/ns/pid').catch(() => undefined);

async function stampOf(pid: number): Promise<string | undefined> {
  const [stat, bootId, namespace] = await Promise.all([readOr(`/proc/${pid}/stat`), readOr(BOOT_ID), ourPidNamespace()]);
  return stat && bootId && namespace ? ownerStamp(pid, stat, bootId, namespace) : undefined;
}

/**
 * Whether the holder the lock's owner file names is gone; false when it cannot be told: no
 * file, or a holder in another pid namespace (a container sharing the cache), whose pid this
 * process cannot look up.
 */
export async function ownerGone(ownerFile: string): Promise<boolean> {
  const recorded = (await readOr(ownerFile))?.trim().split(' ');
  const pid = Number(recorded?.[0]);
  if (recorded?.length !== 4 || !Number.isInteger(pid) || pid <= 0) return false;
  const [bootId, namespace] = await Promise.all([readOr(BOOT_ID), ourPidNamespace()]);
  if (!bootId || recorded[3] !== namespace) return false;
  // Another process with that pid (reused, or after a reboot) has another start time or boot.
  return (await stampOf(pid)) !== recorded.join(' ');
}

async function acquire(lockPath: string): Promise<() => Promise<void>> {
  const options = { lockfilePath: lockPath, stale: STALE_MS, update: 5_000, realpath: false, retries: 0 };
  for (let attempt = 0; ; attempt++) {
    try {
      if (await ownerGone(`${lockPath}.owner`)) {
        // Taken over with the short staleness, then let go and taken as usual: a lock held with a
        // 2 s staleness would count as compromised after any 2 s pause of this process.
        const release = await lockfile.lock(path.dirname(lockPath), { ...options, stale: DEAD_OWNER_STALE_MS });
        await release();
      }
      return await lockfile.lock(path.dirname(lockPath), options);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ELOCKED' || attempt >= RETRIES) throw error;
      await new Promise((resolve) => setTimeout(resolve, Math.min(500, 50 * 1.5 ** attempt)));
    }
  }
}

/** Best effort: without it, a lock left behind waits out the usual staleness. */
async function writeOwner(owner: string): Promise<void> {
  const stamp = await stampOf(process.pid);
  if (stamp) await writeFileAtomic(owner, `${stamp}\n`).catch(() => undefined);
}

export async function withLock<T>(lockPath: string, fn: () => Promise<T>): Promise<T> {
  await mkdir(path.dirname(lockPath), { recursive: true });
  const release = await acquire(lockPath);
  const owner = `${lockPath}.owner`;
  try {
    await writeOwner(owner);
    return await fn();
  } finally {
    await rm(owner, { force: true }).catch(() => undefined);
    await release().catch(() => undefined);
  }
}
