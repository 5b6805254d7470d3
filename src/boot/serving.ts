/**
 * Which foreground boots serve a prefix through a caching share. A detached simulator is told of
 * every build (src/loop/hot-reload.ts); a foreground boot has no channel for that, so its guest
 * may go on reading files from before a build (cache=loose keeps lookups and pages). `sim build`
 * and `sim rebuild-and-boot` say so. The record lives in the boot's session directory, which is
 * named by its launcher's pid and swept once that is gone (session.ts).
 */
import { readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { SimContext } from '../core/context.js';
import { isAlive } from '../core/pids.js';

const RECORD = 'serving.json';

/** Records that the boot of `sessionDir` serves `prefix` with a caching share. */
export async function recordServing(sessionDir: string, prefix: string): Promise<void> {
  await writeFile(path.join(sessionDir, RECORD), `${JSON.stringify({ prefix: path.resolve(prefix) })}\n`);
}

/** The pids of the running foreground boots that serve `prefix` through a caching share. */
export async function foregroundBootsServing(ctx: SimContext, prefix: string): Promise<number[]> {
  const want = path.resolve(prefix);
  const pids: number[] = [];
  for (const entry of await readdir(ctx.dirs.sessions).catch(() => [] as string[])) {
    const pid = Number(/^(\d+)-/.exec(entry)?.[1]);
    if (!pid || !isAlive(pid)) continue;
    const text = await readFile(path.join(ctx.dirs.sessions, entry, RECORD), 'utf8').catch(() => undefined);
    const record = text === undefined ? undefined : (JSON.parse(text) as { prefix?: unknown });
    if (record?.prefix === want && !pids.includes(pid)) pids.push(pid);
  }
  return pids.sort((a, b) => a - b);
}

/** The warning for a build into a prefix those boots serve. Pure. */
export function staleForegroundWarning(pids: readonly number[]): string {
  const which = pids.length === 1 ? `a foreground simulator ('sim boot', pid ${pids[0]}) serves` : `foreground simulators ('sim boot', pids ${pids.join(', ')}) serve`;
  return `${which} this prefix and ${pids.length === 1 ? 'is' : 'are'} not told of builds: ${pids.length === 1 ? 'its guest' : 'their guests'} may go on reading files from before this one. Restart ${pids.length === 1 ? 'it' : 'them'}, or boot with --detach (told of every build) or --overlay-cache none.`;
}
