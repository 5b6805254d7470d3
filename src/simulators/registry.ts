/**
 * Named, long-running simulators: one private directory each under the runtime dir, holding
 * QEMU's sockets, the session disk and state.json. An entry whose QEMU is gone is stale and is
 * removed when seen, never reported as running.
 */
import { chmod, mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { writeJsonAtomic } from '../core/atomic.js';
import { SimError } from '../core/errors.js';
import type { SimContext } from '../core/context.js';
import { isAlive } from '../core/pids.js';
import { SIMULATOR_NAME } from './name.js';
import type { SimulatorState } from './state-schema.js';
import { checkedState } from './state-check.js';

export { isAlive, type SimulatorState };

export function checkName(name: string): string {
  if (!SIMULATOR_NAME.test(name)) throw new SimError('USAGE', `'${name}' is not a valid simulator name.`, 'Use up to 40 letters, digits, dots, dashes and underscores.');
  return name;
}

export function simulatorDir(ctx: SimContext, name: string): string {
  return path.join(ctx.dirs.simulators, checkName(name));
}


/** Is `pid` still the QEMU we started (and not a recycled pid)? */
async function isOurQemu(state: SimulatorState, dir: string): Promise<boolean> {
  if (!isAlive(state.pid)) return false;
  const cmdline = await readFile(`/proc/${state.pid}/cmdline`, 'utf8').catch(() => undefined);
  return cmdline === undefined || cmdline.includes(dir);
}

export async function writeState(ctx: SimContext, state: SimulatorState): Promise<void> {
  await writeJsonAtomic(path.join(simulatorDir(ctx, state.name), 'state.json'), state);
}

async function readState(dir: string): Promise<SimulatorState | undefined> {
  const text = await readFile(path.join(dir, 'state.json'), 'utf8').catch(() => undefined);
  if (!text) return undefined;
  return checkedState(JSON.parse(text));
}

/** Create a simulator's directory, refusing a name that is taken by a live one. */
export async function claimName(ctx: SimContext, name: string): Promise<string> {
  const root = ctx.dirs.simulators;
  await mkdir(root, { recursive: true, mode: 0o700 });
  await chmod(ctx.dirs.runtime, 0o700).catch(() => undefined);
  await listSimulators(ctx); // sweeps stale entries, freeing their names
  const dir = simulatorDir(ctx, name);
  try {
    await mkdir(dir, { mode: 0o700 });
  } catch {
    throw new SimError('SIMULATOR_EXISTS', `A simulator named '${name}' is already running.`, `Stop it with 'sim stop ${name}', or pick another name with --name.`);
  }
  // Until state.json exists (a first quick boot saves its snapshot first: tens of seconds), this
  // says who is setting the directory up, so that a `sim ls` meanwhile leaves it alone.
  await writeFile(path.join(dir, CLAIM_FILE), `${process.pid}\n`);
  return dir;
}

/**
 * Live simulators. Entries whose QEMU is gone, or whose start was abandoned (launcher dead before
 * the guest became ready), are removed.
 */
export async function listSimulators(ctx: SimContext): Promise<SimulatorState[]> {
  const root = ctx.dirs.simulators;
  const live: SimulatorState[] = [];
  for (const entry of (await readdir(root).catch(() => [] as string[])).sort()) {
    const dir = path.join(root, entry);
    const state = await readState(dir);
    if (state && (await isOurQemu(state, dir))) {
      if (state.status === 'running' || isAlive(state.launcherPid)) {
        live.push(state);
        continue;
      }
      process.kill(state.pid, 'SIGKILL'); // an interrupted start: nobody can use it
    } else if (!state && ((await claimedByLiveLauncher(dir)) || (await recentlyCreated(dir)))) {
      continue; // being set up right now
    }
    await rm(dir, { recursive: true, force: true });
  }
  return live;
}

/** The file claimName() leaves in a simulator's directory: the pid of the process setting it up. */
const CLAIM_FILE = 'launcher.pid';

async function claimedByLiveLauncher(dir: string): Promise<boolean> {
  const pid = Number((await readFile(path.join(dir, CLAIM_FILE), 'utf8').catch(() => '')).trim());
  return Number.isInteger(pid) && pid > 0 && isAlive(pid);
}

async function recentlyCreated(dir: string): Promise<boolean> {
  const { stat } = await import('node:fs/promises');
  const info = await stat(dir).catch(() => undefined);
  return Boolean(info && Date.now() - info.mtimeMs < 10_000);
}

/** The simulator named, or the only one running when no name is given. */
export async function findSimulator(ctx: SimContext, name: string | undefined): Promise<SimulatorState> {
  const live = await listSimulators(ctx);
  if (name) {
    const found = live.find((s) => s.name === name);
    if (found) return found;
    throw new SimError('SIMULATOR_NOT_FOUND', `No simulator named '${name}' is running.`, live.length ? `Running: ${live.map((s) => s.name).join(', ')}.` : "Start one with 'sim boot --detach --name NAME'.");
  }
  if (live.length === 1) return live[0]!;
  if (!live.length) throw new SimError('SIMULATOR_NOT_FOUND', 'No simulator is running.', "Start one with 'sim boot --detach'.");
  throw new SimError('USAGE', `${live.length} simulators are running; say which one.`, `Running: ${live.map((s) => s.name).join(', ')}.`);
}

export async function removeSimulatorDir(ctx: SimContext, name: string): Promise<void> {
  await rm(simulatorDir(ctx, name), { recursive: true, force: true });
}
