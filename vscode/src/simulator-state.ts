/**
 * The simulators the extension knows of and the one the user picked: the status bar shows it,
 * Run passes it as --name, Stop, Screenshot and Screen act on it.
 */
import type { Simulator } from './events';

export type WatchStatus = 'connecting' | 'watching' | 'failed';

export class SimulatorState {
  simulators: readonly Simulator[] = [];
  picked: string | undefined;
  watch: WatchStatus = 'connecting';
  private readonly listeners = new Set<() => void>();

  setSimulators(simulators: readonly Simulator[]): void {
    this.simulators = simulators;
    this.changed();
  }

  setWatch(watch: WatchStatus): void {
    if (this.watch === watch) return;
    this.watch = watch;
    this.changed();
  }

  pick(name: string | undefined): void {
    this.picked = name;
    this.changed();
  }

  find(name: string | undefined): Simulator | undefined {
    return name === undefined ? undefined : this.simulators.find((s) => s.name === name);
  }

  /** The simulator to act on without asking: the picked one, else the only one running. */
  implicitTarget(): string | undefined {
    if (this.picked) return this.picked;
    return this.simulators.length === 1 ? this.simulators[0]?.name : undefined;
  }

  onChange(listener: () => void): { dispose(): void } {
    this.listeners.add(listener);
    return { dispose: () => this.listeners.delete(listener) };
  }

  private changed(): void {
    for (const listener of this.listeners) listener();
  }
}
