/**
 * The fault suite's bookkeeping and post-conditions. Each injected fault goes through
 * `survive()`: it counts as injected, then as survived only when the injection's own checks and
 * every post-condition held (the store verifies, no process or session of the private dirs is
 * left). A store that no longer verifies counts as lost. The process prints one summary line on
 * exit and fails unless every fault was survived.
 */
import { rmSync } from 'node:fs';
import { readdir, readFile, readlink } from 'node:fs/promises';
import path from 'node:path';
import * as assert from 'uvu/assert';
import type { Result } from 'execa';
import { listImages } from '../../src/index.js';
import { buildFixtureImage, fixtureSkipReason } from './fixture-image.js';
import { freshEnv, sim, type SimEnv } from './sim.js';

const tally = { injected: 0, survived: 0, lost: 0 };

const roots: string[] = [];

process.on('exit', () => {
  console.log(`faults: ${tally.injected} injected, ${tally.survived} survived, ${tally.lost} lost`);
  if (tally.survived !== tally.injected || tally.lost) {
    process.exitCode = 1;
    console.log(`left for a look: ${roots.join(' ')}`);
    return;
  }
  for (const root of roots) {
    try {
      rmSync(root, { recursive: true, force: true });
    } catch {
      // e.g. a tmpfs mount point that is still busy: /tmp's own cleaning will see to it
    }
  }
});

/** A fault env: a private cache and runtime dir under one root that processes are matched by. */
export interface FaultEnv extends SimEnv {
  root: string;
}

export async function faultEnv(seed?: SimEnv): Promise<FaultEnv> {
  const env = await freshEnv(seed);
  roots.push(path.dirname(env.SIM_CACHE_DIR));
  return { ...env, root: path.dirname(env.SIM_CACHE_DIR) };
}

let shared: Promise<FaultEnv> | undefined;

/**
 * One env per test process with the fixture disk stored as 'demo', shared by the files whose
 * faults do not need a store of their own (saves an import and an accelerator probe each).
 * Sharing also makes every later fault's post-conditions re-check what earlier ones left.
 */
export function demoEnv(): Promise<FaultEnv> {
  shared ??= (async () => {
    const skip = await fixtureSkipReason();
    if (skip) throw new Error(skip);
    const fixture = await buildFixtureImage();
    const env = await faultEnv();
    const add = await sim(['image', 'add', fixture.disk, '--name', 'demo'], env);
    assert.is(add.exitCode, 0, String(add.stderr));
    return env;
  })();
  return shared;
}

class StoreLost extends Error {}

/**
 * Inject one fault (`inject` does it and checks its immediate outcome), then check that
 * everything survived in `env`.
 */
export async function survive(name: string, env: FaultEnv, inject: () => Promise<void>): Promise<void> {
  tally.injected++;
  const started = Date.now();
  try {
    await inject();
    await checkStore(env);
    await checkNoLeftovers(env);
  } catch (error) {
    if (error instanceof StoreLost) tally.lost++;
    if (error instanceof Error) error.message = `fault '${name}': ${error.message}`;
    throw error;
  }
  tally.survived++;
  process.stderr.write(`  survived: ${name} (${((Date.now() - started) / 1000).toFixed(1)} s)\n`);
}

/** Every stored image verifies in full; the store holds no half-made or stray entries. */
export async function checkStore(env: FaultEnv): Promise<void> {
  const images = path.join(env.SIM_CACHE_DIR, 'images');
  for (const meta of await listImages(env)) {
    const result = await sim(['image', 'verify', meta.id], env);
    if (result.exitCode !== 0) throw new StoreLost(`image ${meta.id.slice(0, 12)} no longer verifies: ${String(result.stderr)}`);
  }
  const stray = (await readdir(images).catch(() => [] as string[])).filter((e) => !/^[0-9a-f]{64}(\.lock)?$/.test(e) && e !== '.names.lock');
  assert.equal(stray, [], `stray entries in the image store: ${stray.join(', ')}`);
  const ids = (await listImages(env)).map((m) => m.id);
  const entries = (await readdir(images).catch(() => [] as string[])).filter((e) => /^[0-9a-f]{64}$/.test(e));
  assert.equal(entries.filter((e) => !ids.includes(e)), [], 'every entry in the store has valid metadata');
  const work = (await readdir(path.join(env.SIM_CACHE_DIR, 'build')).catch(() => [] as string[])).filter((e) => !e.endsWith('.lock'));
  assert.equal(work, [], 'no image build work directories are left');
  const temps = (await readdir(path.join(env.SIM_CACHE_DIR, 'initramfs')).catch(() => [] as string[])).filter((e) => e.includes('.tmp-'));
  assert.equal(temps, [], 'no temporary initramfs files are left');
}

/** No process runs with the env's directories in its argv or as its cwd; no session or simulator dirs. */
export async function checkNoLeftovers(env: FaultEnv): Promise<void> {
  let pids: string[] = [];
  // Processes killed by a parent-death signal take a moment to be reaped.
  for (let i = 0; i < 50; i++) {
    pids = await processesUsing(env.root);
    if (!pids.length) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.equal(pids, [], `processes left behind: ${pids.join('; ')}`);
  assert.equal(await readdir(path.join(env.SIM_RUNTIME_DIR, 'sessions')).catch(() => []), [], 'no session directories are left');
  assert.equal(await readdir(path.join(env.SIM_RUNTIME_DIR, 'sims')).catch(() => []), [], 'no simulator directories are left');
}

/** "pid argv" of every process whose argv or cwd mentions `dir`. */
export async function processesUsing(dir: string): Promise<string[]> {
  const found: string[] = [];
  for (const pid of await readdir('/proc')) {
    if (!/^\d+$/.test(pid) || Number(pid) === process.pid) continue;
    const cmdline = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
    const cwd = await readlink(`/proc/${pid}/cwd`).catch(() => '');
    // A zombie has an empty cmdline: it is gone apart from its exit status.
    if (!cmdline) continue;
    if (cmdline.includes(dir) || cwd === dir || cwd.startsWith(`${dir}/`)) found.push(`${pid} ${cmdline.replaceAll('\0', ' ').slice(0, 160)}`);
  }
  return found;
}

/**
 * The run failed with `exitCode` and said so as one sentence ("error: ...") followed by a hint
 * line, with no stack trace and no "unexpectedly".
 */
export function assertClearError(result: Result, exitCode: number, pattern?: RegExp): void {
  const stderr = String(result.stderr);
  assert.is(result.exitCode, exitCode, `exit code (stderr: ${stderr})`);
  const match = /^error: (.+)\n {2}(\S.*)$/m.exec(stderr);
  assert.ok(match, `an "error:" line and a hint line in: ${stderr}`);
  const [, message, hint] = match;
  assert.match(message!, /^[A-Z'].*\.$/, 'one sentence, ending with a full stop');
  assert.ok(hint!.length > 10, `a hint: ${hint}`);
  assert.not.match(stderr, /\n\s+at .+\(.*:\d+:\d+\)/, 'no stack trace');
  assert.not.match(stderr, /unexpectedly/, 'not an internal error');
  if (pattern) assert.match(message!, pattern);
}

/** Resolve with the first --json event of `child` matching `predicate` (rejects if it ends first). */
export function waitForEvent(child: { stdout: NodeJS.ReadableStream | null }, predicate: (event: Record<string, any>) => boolean): Promise<Record<string, any>> {
  return new Promise((resolve, reject) => {
    let buffer = '';
    const seen: string[] = [];
    const onData = (chunk: Buffer) => {
      buffer += chunk.toString();
      let newline: number;
      while ((newline = buffer.indexOf('\n')) >= 0) {
        const line = buffer.slice(0, newline);
        buffer = buffer.slice(newline + 1);
        seen.push(line);
        if (seen.length > 3) seen.shift();
        let event: Record<string, any>;
        try {
          event = JSON.parse(line);
        } catch {
          continue;
        }
        if (predicate(event)) {
          child.stdout!.off('data', onData);
          resolve(event);
          return;
        }
      }
    };
    child.stdout!.on('data', onData);
    child.stdout!.once('end', () => reject(new Error(`the run ended before the awaited event; its last lines: ${seen.join('\n')}`)));
  });
}

export const phase = (name: string) => (event: Record<string, any>) => event.type === 'phase' && event.phase === name;

export async function waitUntil(what: string, check: () => Promise<boolean> | boolean, ms = 60_000, every = 20): Promise<void> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, every));
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** A follow-up boot works (and, being a boot, sweeps what a killed launcher left). */
export async function bootWorks(env: FaultEnv, image: string): Promise<void> {
  const run = await sim(['boot', '--image', image, '--no-init', '--', 'echo', 'alive'], env);
  assert.is(run.exitCode, 0, `a boot afterwards works: ${String(run.stderr)}`);
  assert.is(String(run.stdout), 'alive');
}
