/**
 * Keeps `sim ls --watch --json` running for the status bar, and starts it again when it exits
 * (sim upgraded, killed, not installed yet) after a back-off that grows while it keeps failing.
 */
import type { SimEvent } from './events';
import { reduceSimulators } from './simulator-list';
import { runSim, type Spawner } from './sim-process';
import type { SimulatorState } from './simulator-state';

export interface Timers {
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
  now(): number;
}

export const realTimers: Timers = {
  setTimeout: (callback, ms) => setTimeout(callback, ms),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
  now: () => Date.now(),
};

/** 1 s, 2 s, 4 s … 30 s: the wait before the nth restart in a row (n from 0). */
export function restartDelay(failuresInARow: number): number {
  return Math.min(30_000, 1000 * 2 ** Math.min(failuresInARow, 5));
}

/** A stream that lived this long was working: the next restart starts from the shortest wait. */
const HEALTHY_MS = 10_000;

export interface SimulatorWatchOptions {
  spawner: Spawner;
  simPath: () => string;
  cwd?: string;
  state: SimulatorState;
  timers?: Timers;
  /** Where to say why the watch ended (the output channel). */
  log?: (line: string) => void;
}

export function startSimulatorWatch(options: SimulatorWatchOptions): { dispose(): void } {
  const timers = options.timers ?? realTimers;
  let failures = 0;
  let disposed = false;
  let timer: unknown;
  let kill: (() => void) | undefined;

  const start = () => {
    if (disposed) return;
    const started = timers.now();
    let list = options.state.simulators;
    options.state.setWatch('connecting');
    const child = runSim(options.spawner, options.simPath(), ['ls', '--watch', '--json'], { cwd: options.cwd }, {
      onEvent: (event: SimEvent) => {
        // Said once per run of failures: a missing sim would otherwise fill the channel.
        if (event.type === 'error' && failures === 0) options.log?.(`sim ls --watch: ${event.message} (${event.hint})`);
        const next = reduceSimulators(list, event);
        if (next !== list || event.type === 'simulators') {
          list = next;
          options.state.setWatch('watching');
          options.state.setSimulators(list);
        }
      },
    });
    kill = () => child.kill();
    void child.done.then((outcome) => {
      kill = undefined;
      if (disposed) return;
      failures = timers.now() - started >= HEALTHY_MS ? 0 : failures + 1;
      const delay = restartDelay(Math.max(0, failures - 1));
      if (failures <= 1) options.log?.(`sim ls --watch ended (exit code ${outcome.exitCode}); starting it again in ${delay / 1000} s${failures ? ', and later while it fails' : ''}`);
      options.state.setWatch('failed');
      timer = timers.setTimeout(start, delay);
    });
  };
  start();
  return {
    dispose: () => {
      disposed = true;
      if (timer !== undefined) timers.clearTimeout(timer);
      kill?.();
    },
  };
}
