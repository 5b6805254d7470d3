/** Atomic cache writes: write a temporary sibling, then rename over the target. */
import { mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { mkdir, readdir, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { isAlive } from './pids.js';

export function tempSibling(target: string): string {
  // Web Crypto's global, not node:crypto: importing that costs `sim ls`, which reaches this file, ~3 ms.
  const random = Buffer.from(crypto.getRandomValues(new Uint8Array(4))).toString('hex');
  return path.join(path.dirname(target), `.${path.basename(target)}.tmp-${process.pid}-${random}`);
}

/**
 * Remove the temporary siblings in `dir` whose writer is dead (a killed run cannot clean up after
 * itself). Returns their names.
 */
export async function sweepDeadTemps(dir: string): Promise<string[]> {
  const removed: string[] = [];
  for (const entry of await readdir(dir).catch(() => [] as string[])) {
    const pid = Number(/^\..+\.tmp-(\d+)-[0-9a-f]{8}$/.exec(entry)?.[1]);
    if (!pid || pid === process.pid || isAlive(pid)) continue;
    await rm(path.join(dir, entry), { recursive: true, force: true });
    removed.push(entry);
  }
  return removed;
}

export async function writeFileAtomic(target: string, data: string | Uint8Array, mode = 0o644): Promise<void> {
  await mkdir(path.dirname(target), { recursive: true });
  const temp = tempSibling(target);
  try {
    await writeFile(temp, data, { mode });
    await rename(temp, target);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
}

/** writeFileAtomic for where nothing may be awaited (a process's 'exit' handler). */
export function writeFileAtomicSync(target: string, data: string | Uint8Array, mode = 0o644): void {
  mkdirSync(path.dirname(target), { recursive: true });
  const temp = tempSibling(target);
  try {
    writeFileSync(temp, data, { mode });
    renameSync(temp, target);
  } catch (error) {
    rmSync(temp, { force: true });
    throw error;
  }
}

export async function writeJsonAtomic(target: string, value: unknown): Promise<void> {
  await writeFileAtomic(target, `${JSON.stringify(value, null, 2)}\n`);
}
