/**
 * sim.runInSimulator: rebuild the project and boot it detached (or hot-reload the simulator
 * already running it), then show its screen and follow its journal.
 */
import * as path from 'node:path';
import { formatDuration } from './events-render';
import { runSimCommand, type SimCommandContext } from './sim-command';
import type { SimOutcome, SimProcess } from './sim-process';
import type { SimulatorState } from './simulator-state';

/** sim's arguments for a run. Pure. */
export function runArgs(projectFile: string, simulator: string | undefined): string[] {
  return ['rebuild-and-boot', '--config', projectFile, '--detach', ...(simulator ? ['--name', simulator] : []), '--json'];
}

export interface RunContext extends SimCommandContext {
  state: SimulatorState;
  findProject: () => string | undefined;
  openScreenOnRun: () => boolean;
  showScreen: (simulator: string) => Promise<void>;
  followGuest: (simulator: string) => void;
}

export class Runner {
  private running: SimProcess | undefined;

  constructor(private readonly context: RunContext) {}

  /** Resolves with sim's outcome, or undefined when nothing was run. */
  async run(): Promise<SimOutcome | undefined> {
    const { api, output, state } = this.context;
    if (this.running) {
      output.show(true);
      void api.window.showInformationMessage('sim: a run is already in progress (see the output channel "sim").');
      return undefined;
    }
    const project = this.context.findProject();
    if (!project) {
      void api.window.showErrorMessage('sim: no sim.json in this workspace — run `sim init` in the project to create one.');
      return undefined;
    }
    output.show(true);
    const outcome = await api.window.withProgress({ location: api.ProgressLocation.Window, title: 'sim' }, (progress) =>
      runSimCommand(this.context, runArgs(project, state.picked), {
        cwd: path.dirname(project),
        onStart: (process) => (this.running = process),
        onEvent: (event) => {
          if (event.type === 'progress' && !event.done) progress.report({ message: event.message });
          if (event.type === 'phase') progress.report({ message: `${event.phase} (${formatDuration(event.ms)})` });
        },
      }).finally(() => (this.running = undefined)),
    );
    if (outcome.exitCode === 0) await this.afterSuccess(outcome);
    return outcome;
  }

  dispose(): void {
    this.running?.kill();
  }

  private async afterSuccess(outcome: SimOutcome): Promise<void> {
    const { state, api } = this.context;
    const name = typeof outcome.result?.data?.name === 'string' ? outcome.result.data.name : state.picked;
    if (!name) return;
    state.pick(name);
    this.context.followGuest(name);
    if (!this.context.openScreenOnRun()) return;
    try {
      await this.context.showScreen(name);
    } catch (cause) {
      const message = cause instanceof Error ? cause.message : String(cause);
      void api.window.showErrorMessage(`sim: cannot show the screen of ${name}: ${message}`);
    }
  }
}
