/**
 * Starting detached simulators: `sim boot --detach` prepares the boot, hands it to a daemon
 * process and returns once the guest is ready. Using and stopping one is control.ts's.
 */
import { access, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { prepareBoot, type BootOptions, type PreparedBoot } from '../boot/boot.js';
import { DEFAULT_TIMEOUT_MS } from '../boot/timeout.js';
import { quickBootFallback, saveThenResume } from '../snapshots/boot-steps.js';
import { snapshotFiles } from '../snapshots/plan.js';
import { SimError } from '../core/errors.js';
import type { SimEvent } from '../core/events.js';
import type { SimContext } from '../core/context.js';
import { packageRoot } from '../core/paths.js';
import { spawnDetached } from '../core/process.js';
import { apiSocket, request } from './api.js';
import type { DaemonSpec } from './daemon.js';
import { claimName, findSimulator, isAlive, removeSimulatorDir, type SimulatorState } from './registry.js';
import { stopSimulator } from './control.js';

/** The daemon's entry, compiled (also when this module runs from src/ under tsx, as in tests). */
const DAEMON_MAIN = path.join(packageRoot, 'dist', 'simulators', 'daemon-main.js');

export interface StartOptions extends Omit<BootOptions, 'command' | 'interactive'> {
  name?: string;
  /** The sim.json whose prefix is the overlay (found from the overlay when not given). */
  project?: string;
}

async function waitForFile(file: string, ms: number, alive: () => boolean): Promise<void> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline && alive()) {
    if (await access(file).then(() => true, () => false)) return;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new SimError('QEMU_FAILED', 'The simulator process did not start.', 'Look at daemon.log in the simulator directory, or run with --verbose.');
}

/** Start a detached simulator; resolves with its state once the guest is ready. */
export async function startSimulator(ctx: SimContext, options: StartOptions): Promise<SimulatorState> {
  const events = options.events;
  const name = options.name ?? options.image;
  let dir: string | undefined;
  let prepared: PreparedBoot | undefined;
  try {
    prepared = await prepareBoot(ctx, { ...options, detached: true, interactive: false }, async () => (dir = await claimName(ctx, name)));
    // The first quick boot of this machine saves a snapshot here, before the daemon resumes it.
    prepared = await saveThenResume(ctx, prepared, { events, timeoutMs: options.timeoutMs ?? DEFAULT_TIMEOUT_MS, signal: options.signal });
    const { plan, image, quick } = prepared;
    const state: SimulatorState = {
      name,
      status: 'starting',
      pid: 0,
      launcherPid: 0,
      image: image.names[0] ?? image.id,
      imageId: image.id,
      // A quick boot without a prefix shares an empty directory (the snapshot's guest expects a share): not the user's overlay.
      overlay: options.overlay === undefined ? null : plan.overlay?.path ?? null,
      accel: plan.accel,
      startedAt: new Date().toISOString(),
      // What the boot's contributions report about themselves (the display's sockets, ...).
      ...plan.contributed.details,
    };
    // project.js loads zod: only when there is a prefix to look up.
    const project = options.project ?? (state.overlay ? await (await import('../config/project.js')).projectServing(state.overlay) : undefined);
    if (project) state.project = project;
    const spec: DaemonSpec = {
      plan,
      state,
      timeoutMs: options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
      env: pickSimEnv(ctx.env),
      ...(quick.kind === 'resume' ? { resumeState: snapshotFiles(quick.snapshot.dir).state } : {}),
    };
    await writeFile(path.join(dir!, 'daemon.json'), JSON.stringify(spec));
    const daemonPid = await spawnDetached(process.execPath, [DAEMON_MAIN, dir!], { logFile: path.join(dir!, 'daemon.log'), env: ctx.env });
    await waitForFile(apiSocket(dir!), 10_000, () => isAlive(daemonPid));

    const tail: string[] = [];
    let outcome: SimEvent | undefined;
    const onAbort = () => void stopSimulator(ctx, name, { timeoutMs: 5_000 }).catch(() => undefined);
    options.signal?.addEventListener('abort', onAbort, { once: true });
    try {
      await request(dir!, { op: 'events' }, (reply) => {
        if (reply.type !== 'event') return false;
        const event = reply.event;
        if (event.type === 'console') {
          tail.push(event.line);
          if (tail.length > 40) tail.shift();
        }
        events?.(event);
        if ((event.type === 'phase' && event.phase === 'guest-ready') || event.type === 'error') {
          outcome = event;
          return true;
        }
        return false;
      });
    } finally {
      options.signal?.removeEventListener('abort', onAbort);
    }
    if (options.signal?.aborted) throw new SimError('INTERRUPTED', 'The simulator start was interrupted.', 'It has been stopped.');
    if (outcome?.type === 'error' && (outcome.code === 'QUICK_BOOT_FAILED' || outcome.code === 'QUICK_BOOT_DECLINED')) {
      throw new SimError(outcome.code, outcome.message, outcome.hint);
    }
    if (!outcome || outcome.type === 'error') {
      const code = outcome?.type === 'error' ? outcome.code : 'GUEST_CRASHED';
      throw new SimError(code === 'GUEST_TIMEOUT' ? 'GUEST_TIMEOUT' : 'GUEST_CRASHED', outcome?.type === 'error' ? outcome.message : 'The simulator stopped before it became ready.', outcome?.type === 'error' ? outcome.hint : 'See the console lines.', { details: tail });
    }
    return await findSimulator(ctx, name);
  } catch (error) {
    if (error instanceof SimError && error.code === 'SIMULATOR_EXISTS') throw error;
    if (dir) await stopSimulator(ctx, name, { timeoutMs: 1_000 }).catch(() => removeSimulatorDir(ctx, name).catch(() => undefined));
    const reason = prepared && (await quickBootFallback(ctx, prepared, error, events));
    if (reason) return startSimulator(ctx, { ...options, cold: true, coldReason: reason });
    throw error;
  }
}

/** Only sim's own settings travel to the daemon; it inherits the rest of the environment. */
function pickSimEnv(env: NodeJS.ProcessEnv): Record<string, string> {
  return Object.fromEntries(Object.entries(env).filter((e): e is [string, string] => e[0].startsWith('SIM_') || e[0] === 'PATH'));
}

