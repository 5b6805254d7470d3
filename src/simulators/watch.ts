/**
 * `sim ls --watch`: the running simulators, and each change as it happens (one appears, becomes
 * ready, stops). The registry is a directory of state files written by other processes, so this
 * polls it; what changed between two looks is worked out by a pure function.
 */
import type { SimContext } from '../core/context.js';
import { pause } from '../core/pause.js';
import { listSimulators, type SimulatorState } from './registry.js';

export type SimulatorChangeKind = 'appeared' | 'ready' | 'stopped';
export interface SimulatorChange {
  change: SimulatorChangeKind;
  name: string;
}

/**
 * What changed from one list to the next, in an order a reader can replay: stops first (a name
 * may be reused at once), then appearances, then readiness. One that appeared already running
 * between two looks is reported as appeared, then ready. Pure.
 */
export function simulatorChanges(before: readonly SimulatorState[], after: readonly SimulatorState[]): SimulatorChange[] {
  const old = new Map(before.map((s) => [s.name, s]));
  const now = new Map(after.map((s) => [s.name, s]));
  const changes: SimulatorChange[] = [];
  for (const [name, was] of old) {
    const is = now.get(name);
    // The same name with another QEMU is a new simulator: the old one stopped.
    if (!is || is.pid !== was.pid) changes.push({ change: 'stopped', name });
  }
  for (const [name, is] of now) {
    const was = old.get(name);
    const fresh = !was || was.pid !== is.pid;
    if (fresh) changes.push({ change: 'appeared', name });
    if (is.status === 'running' && (fresh || was.status !== 'running')) changes.push({ change: 'ready', name });
  }
  return changes;
}

export interface WatchUpdate {
  simulators: SimulatorState[];
  /** Empty for the first update (the list as it is when watching starts). */
  changes: SimulatorChange[];
}

export const WATCH_INTERVAL_MS = 500;

/** The list now, then an update each time it changes; ends when `signal` aborts. */
export async function* watchSimulators(ctx: SimContext, options: { signal?: AbortSignal; intervalMs?: number } = {}): AsyncGenerator<WatchUpdate> {
  const interval = options.intervalMs ?? WATCH_INTERVAL_MS;
  let last = await listSimulators(ctx);
  yield { simulators: last, changes: [] };
  while (await pause(interval, options.signal)) {
    const next = await listSimulators(ctx);
    const changes = simulatorChanges(last, next);
    last = next;
    if (changes.length) yield { simulators: next, changes };
  }
}
