/** Running the built CLI (dist/) as a user would, with a private cache and runtime dir. */
import type { ImageMeta } from '../../src/images/meta.js';
import { rmSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, readdir } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa, type Options } from 'execa';
import type { SimEvent } from '../../src/core/events.js';
import { simEventSchema } from '../../src/core/event-schema.js';

export const SIM_BIN = fileURLToPath(new URL('../../bin/sim.js', import.meta.url));

export interface SimEnv {
  SIM_CACHE_DIR: string;
  SIM_RUNTIME_DIR: string;
  [key: string]: string;
}

const roots: string[] = [];
/**
 * Each fresh cache holds imported images and snapshots (hundreds of MiB): removed when the test
 * process exits (synchronously: an exit handler cannot wait), unless SIM_TEST_KEEP=1.
 */
function removeAtExit(root: string): void {
  if (process.env.SIM_TEST_KEEP === '1') return;
  if (!roots.length) process.once('exit', () => roots.forEach((r) => rmSync(r, { recursive: true, force: true })));
  roots.push(root);
}

/**
 * A fresh cache and runtime dir. `seed` shares an earlier env's KVM verdict, so that the probe
 * (a deadline-bound test boot) runs once per test file, not once per cache.
 */
export async function freshEnv(seed?: SimEnv): Promise<SimEnv> {
  const root = await mkdtemp(path.join(os.tmpdir(), 'sim-test-'));
  removeAtExit(root);
  const env = { SIM_CACHE_DIR: path.join(root, 'cache'), SIM_RUNTIME_DIR: path.join(root, 'run') };
  if (seed) {
    await mkdir(env.SIM_CACHE_DIR, { recursive: true });
    await copyFile(path.join(seed.SIM_CACHE_DIR, 'accel.json'), path.join(env.SIM_CACHE_DIR, 'accel.json')).catch(() => undefined);
  }
  return env;
}

/** Generic in the options so that the result's types follow them (strings unless `buffer: false`). */
export function sim<const O extends Options = Record<never, never>>(args: string[], env: Record<string, string>, options: O = {} as O) {
  return execa(process.execPath, [SIM_BIN, ...args], { env, reject: false, timeout: 600_000, ...options });
}

/**
 * How many processes in simulator `name`'s guest have a command line (its words joined by
 * spaces) that matches `pattern`, an extended regular expression anchored with ^ (the counting
 * shell's own command line holds the pattern, after other words).
 */
export async function guestProcessCount(env: Record<string, string>, name: string, pattern: string): Promise<number> {
  const script = 'for f in /proc/[0-9]*/cmdline; do /run/sim/busybox tr "\\0" " " < "$f"; echo; done 2> /dev/null | /run/sim/busybox grep -c -E "$1"';
  const run = await sim(['exec', name, '--', '/run/sim/busybox', 'sh', '-c', script, 'sim', pattern], env);
  const count = Number(String(run.stdout).trim());
  if (!String(run.stdout).trim() || Number.isNaN(count)) throw new Error(`counting processes in ${name} failed (${run.exitCode}): ${String(run.stderr)}`);
  return count;
}

/** Parse an NDJSON stream, validating every line against the exported schema. */
export function parseEvents(stdout: string): SimEvent[] {
  return stdout
    .split('\n')
    .filter(Boolean)
    .map((line) => simEventSchema.parse(JSON.parse(line)));
}

export async function sessionsLeft(env: SimEnv): Promise<string[]> {
  return readdir(path.join(env.SIM_RUNTIME_DIR, 'sessions')).catch(() => []);
}

/** The images `sim image ls --json` shows (what a user sees), as stored metadata. */
export async function storedImages(env: Record<string, string>): Promise<ImageMeta[]> {
  const ls = await sim(['image', 'ls', '--json'], env);
  if (ls.exitCode !== 0) throw new Error(`sim image ls --json failed: ${String(ls.stderr)}`);
  return String(ls.stdout).split('\n').filter(Boolean).map((l) => JSON.parse(l) as ImageMeta & { type: string }).filter((l) => l.type === 'image');
}
