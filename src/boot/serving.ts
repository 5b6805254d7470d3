/**
 * Which foreground boots serve a prefix through a caching share. A detached simulator is told of
 * every build (src/loop/hot-reload.ts); a foreground boot has no channel for that, so its guest
 * may go on reading files from before a build (cache=loose keeps lookups and pages). `sim build`
 * and `sim rebuild-and-boot` say so. The record lives in the boot's session directory, which is
 * named by its launcher's pid and swept once that is gone (session.ts).
 */
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { writeJsonAtomic } from '../core/atomic.js';
import type { SimContext } from '../core/context.js';
import { isAlive } from '../core/pids.js';

const RECORD = 'serving.json';

/** Records that the boot of `sessionDir` serves `prefix` with a caching share. */
export async function recordServing(sessionDir: string, prefix: string): Promise<void> {
  await writeJsonAtomic(path.join(sessionDir, RECORD), { prefix: path.resolve(prefix) });
}

/** The prefix a record names; undefined for none, or one that does not read as a record. */
async function recordedPrefix(file: string): Promise<string | undefined> {
  const text = await readFile(file, 'utf8').catch(() => undefined);
  try {
    const record: unknown = text === undefined ? undefined : JSON.parse(text);
    return typeof record === 'object' && record && 'prefix' in record && typeof record.prefix === 'string' ? record.prefix : undefined;
  } catch {
    return undefined;
  }
}

/** The pids of the running foreground boots that serve `prefix` through a caching share. */
export async function foregroundBootsServing(ctx: SimContext, prefix: string): Promise<number[]> {
  const want = path.resolve(prefix);
  const pids: number[] = [];
  for (const entry of await readdir(ctx.dirs.sessions).catch(() => [] as string[])) {
    const pid = Number(/^(\d+)-/.exec(entry)?.[1]);
    if (!pid || !isAlive(pid)) continue;
    if ((await recordedPrefix(path.join(ctx.dirs.sessions, entry, RECORD))) === want && !pids.includes(pid)) pids.push(pid);
  }
  return pids.sort((a, b) => a - b);
}

/** The warning for a build into a prefix those boots serve. Pure. */
export function staleForegroundWarning(pids: readonly number[]): string {
  const which = pids.length === 1 ? `a foreground simulator ('sim boot', pid ${pids[0]}) serves` : `foreground simulators ('sim boot', pids ${pids.join(', ')}) serve`;
  return `${which} this prefix and ${pids.length === 1 ? 'is' : 'are'} not told of builds: ${pids.length === 1 ? 'its guest' : 'their guests'} may go on reading files from before this one. Restart ${pids.length === 1 ? 'it' : 'them'}, or boot with --detach (told of every build) or --overlay-cache none.`;
}
