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

/** What a boot records of itself, beside the prefix: whether it is told of builds, and what runs (for rebuild-and-boot's result). */
export interface ServingDetails {
  /** It takes refreshes (and commands) on its api.sock. */
  told: boolean;
  accel?: string;
  image?: string;
}

/** Records that the boot of `sessionDir` serves `prefix`. */
export async function recordServing(sessionDir: string, prefix: string, details: ServingDetails): Promise<void> {
  await writeJsonAtomic(path.join(sessionDir, RECORD), { prefix: path.resolve(prefix), ...details });
}

interface ServingRecord extends ServingDetails {
  prefix: string;
}

/** What a record says; undefined for none, or one that does not read as a record. */
async function readRecord(file: string): Promise<ServingRecord | undefined> {
  const text = await readFile(file, 'utf8').catch(() => undefined);
  try {
    const record: unknown = text === undefined ? undefined : JSON.parse(text);
    if (typeof record !== 'object' || !record || !('prefix' in record) || typeof record.prefix !== 'string') return undefined;
    const fields = record as Record<string, unknown>;
    const named = (key: 'accel' | 'image') => (typeof fields[key] === 'string' ? { [key]: fields[key] } : {});
    return { prefix: record.prefix, told: fields.told === true, ...named('accel'), ...named('image') };
  } catch {
    return undefined;
  }
}

/** A running foreground boot that serves a prefix: its launcher's pid, its session directory, and what it recorded. */
export interface ForegroundBoot extends ServingDetails {
  pid: number;
  dir: string;
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
    if (record?.prefix !== want) continue;
    const { prefix: _prefix, ...details } = record;
    boots.push({ pid, dir, ...details });
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
