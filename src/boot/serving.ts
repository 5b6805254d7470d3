/**
 * Which foreground boots serve a prefix. A detached simulator is told of every build
 * (src/loop/hot-reload.ts), and so is a foreground boot at its console: its guest serves the
 * host (servesHost, plan.ts) and its launcher answers on api.sock in the session directory. A
 * foreground boot that runs a command has no channel for that (sim.out and sim.err carry the
 * command's output), so with a caching share its guest may go on reading files from before a
 * build: `sim build` and `sim rebuild-and-boot` say so. The record lives in the boot's session
 * directory, which is named by its launcher's pid and swept once that is gone (session.ts).
 */
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { writeJsonAtomic } from '../core/atomic.js';
import type { SimContext } from '../core/context.js';
import { isAlive } from '../core/pids.js';

const RECORD = 'serving.json';

/** Records that the boot of `sessionDir` serves `prefix`; `told`: it takes refreshes on its api.sock. */
export async function recordServing(sessionDir: string, prefix: string, options: { told: boolean }): Promise<void> {
  await writeJsonAtomic(path.join(sessionDir, RECORD), { prefix: path.resolve(prefix), told: options.told });
}

interface ServingRecord {
  prefix: string;
  told: boolean;
}

/** What a record says; undefined for none, or one that does not read as a record. */
async function readRecord(file: string): Promise<ServingRecord | undefined> {
  const text = await readFile(file, 'utf8').catch(() => undefined);
  try {
    const record: unknown = text === undefined ? undefined : JSON.parse(text);
    if (typeof record !== 'object' || !record || !('prefix' in record) || typeof record.prefix !== 'string') return undefined;
    return { prefix: record.prefix, told: 'told' in record && record.told === true };
  } catch {
    return undefined;
  }
}

/** A running foreground boot that serves a prefix: its launcher's pid, its session directory, whether it is told of builds. */
export interface ForegroundBoot {
  pid: number;
  dir: string;
  told: boolean;
}

/** The running foreground boots that serve `prefix`, by pid. */
export async function foregroundBootsServing(ctx: SimContext, prefix: string): Promise<ForegroundBoot[]> {
  const want = path.resolve(prefix);
  const boots: ForegroundBoot[] = [];
  for (const entry of await readdir(ctx.dirs.sessions).catch(() => [] as string[])) {
    const pid = Number(/^(\d+)-/.exec(entry)?.[1]);
    if (!pid || !isAlive(pid)) continue;
    const dir = path.join(ctx.dirs.sessions, entry);
    const record = await readRecord(path.join(dir, RECORD));
    if (record?.prefix === want) boots.push({ pid, dir, told: record.told });
  }
  return boots.sort((a, b) => a.pid - b.pid || a.dir.localeCompare(b.dir));
}

/** How a foreground boot is named in messages. Pure. */
export const foregroundBootName = (boot: Pick<ForegroundBoot, 'pid'>) => `the foreground simulator ('sim boot', pid ${boot.pid})`;

/** The warning for a build into a prefix that foreground boots running a command serve. Pure. */
export function staleForegroundWarning(pids: readonly number[]): string {
  const which = pids.length === 1 ? `a foreground simulator ('sim boot', pid ${pids[0]}) serves` : `foreground simulators ('sim boot', pids ${pids.join(', ')}) serve`;
  return `${which} this prefix with a command and ${pids.length === 1 ? 'is' : 'are'} not told of builds: ${pids.length === 1 ? 'its guest' : 'their guests'} may go on reading files from before this one. Restart ${pids.length === 1 ? 'it' : 'them'}, or boot at the console or with --detach (told of every build), or with --overlay-cache none.`;
}
