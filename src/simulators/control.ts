/**
 * Using and stopping a running simulator (started by start.ts): requests to its daemon's
 * api.sock. None of the boot's code: a hot reload and `sim exec` load only this.
 */
import { SimError } from '../core/errors.js';
import { emit, type EventSink } from '../core/events.js';
import type { SimContext } from '../core/context.js';
import { request } from './api.js';
import { findSimulator, isAlive, removeSimulatorDir, simulatorDir, type SimulatorState } from './registry.js';
import { execInGuest } from './guest-run.js';

/** Run a command in a running simulator; output goes to `events`, the exit status is returned. `signal` ends it in the guest (INTERRUPTED). */
export async function execInSimulator(ctx: SimContext, name: string | undefined, argv: string[], options: { events?: EventSink; signal?: AbortSignal } = {}): Promise<number> {
  const sim = await findSimulator(ctx, name);
  if (!argv.length) throw new SimError('USAGE', 'sim exec needs a command.', 'Give it after --, e.g. sim exec -- uname -a');
  return execInRunning(ctx, sim, argv, options);
}

/** execInSimulator for a simulator whose state the caller has just read (a hot reload's: no second look in the registry). */
export function execInRunning(ctx: SimContext, sim: SimulatorState, argv: readonly string[], options: { events?: EventSink; signal?: AbortSignal } = {}): Promise<number> {
  return execInGuest(ctx, sim, argv, { signal: options.signal, onOutput: (stream, data) => emit(options.events, { type: 'output', stream, data }) });
}

/**
 * Reboot the guest in place (same QEMU process); resolves when it is ready again. With `resume`,
 * a simulator that started from a quick-boot snapshot resumes it in a new QEMU instead, with the
 * prefix as it is now (seconds instead of a cold boot); one without a snapshot reboots. A resumed
 * guest that cannot take the prefix over boots cold in place (`onCold` says why).
 */
export async function rebootSimulator(ctx: SimContext, name: string | undefined, options: { resume?: boolean; onResumed?: () => void; onCold?: (why: string) => void } = {}): Promise<number> {
  const sim = await findSimulator(ctx, name);
  let ms: number | undefined;
  await request(simulatorDir(ctx, sim.name), { op: 'reboot', ...(options.resume ? { resume: true } : {}) }, (reply) => {
    if (reply.type === 'ready') {
      ms = reply.ms;
      if (reply.resumed) options.onResumed?.();
      if (reply.cold !== undefined) options.onCold?.(reply.cold);
    }
    return ms !== undefined;
  });
  if (ms === undefined) throw new SimError('GUEST_CRASHED', `Simulator '${sim.name}' did not come back after the reboot.`, 'Look at its console (sim console), or stop and start it again.');
  return ms;
}

/** ACPI power-off, then quit, then kill; resolves once QEMU is gone and the state is removed. */
export async function stopSimulator(ctx: SimContext, name: string | undefined, options: { timeoutMs?: number } = {}): Promise<SimulatorState> {
  const sim = await findSimulator(ctx, name);
  await request(simulatorDir(ctx, sim.name), { op: 'stop', timeoutMs: options.timeoutMs }, (reply) => reply.type === 'stopped').catch(() => undefined);
  for (let i = 0; i < 100 && isAlive(sim.pid); i++) await new Promise((r) => setTimeout(r, 50));
  if (isAlive(sim.pid)) process.kill(sim.pid, 'SIGKILL');
  await removeSimulatorDir(ctx, sim.name);
  return sim;
}
