/**
 * A one-off sim command (rebuild-and-boot, stop, screenshot): its events rendered into the
 * output channel "sim", and an error notification with sim's hint when it fails.
 */
import type * as vscode from 'vscode';
import type { SimEvent } from './events';
import { createEventRenderer } from './events-render';
import { runSim, type SimOutcome, type SimProcess, type Spawner } from './sim-process';
import type { Vscode } from './vscode-api';

export interface SimCommandContext {
  api: Vscode;
  spawner: Spawner;
  output: vscode.OutputChannel;
  simPath: () => string;
}

export interface SimCommandOptions {
  cwd?: string;
  /** Sees every event as well (Run reports phases as progress). */
  onEvent?: (event: SimEvent) => void;
  /** Gets the process as soon as it runs, so that it can be killed. */
  onStart?: (process: SimProcess) => void;
}

/** How a command line is shown to the reader: words with spaces or quotes quoted. Pure. */
export function displayCommand(words: readonly string[]): string {
  return words.map((w) => (/^[\w@%+=:,./-]+$/.test(w) ? w : `'${w.replace(/'/g, `'\\''`)}'`)).join(' ');
}

/** The text of a failure's notification: sim's message and its hint. Pure. */
export function failureMessage(outcome: SimOutcome, what: string): string {
  if (outcome.error) return `sim: ${outcome.error.message} — ${outcome.error.hint}`;
  const lastWords = outcome.stderrTail.at(-1);
  return `sim: ${what} failed (exit code ${outcome.exitCode})${lastWords ? `: ${lastWords}` : ''}`;
}

export async function runSimCommand(context: SimCommandContext, args: readonly string[], options: SimCommandOptions = {}): Promise<SimOutcome> {
  const { output } = context;
  const simPath = context.simPath();
  const render = createEventRenderer();
  output.appendLine(`$ ${displayCommand([simPath, ...args])}`);
  const process = runSim(context.spawner, simPath, args, { cwd: options.cwd }, {
    onEvent: (event) => {
      options.onEvent?.(event);
      const text = render(event);
      if (text !== null) output.appendLine(text);
    },
    onText: (line) => output.appendLine(line),
  });
  options.onStart?.(process);
  const outcome = await process.done;
  if (outcome.killed) output.appendLine('(stopped)');
  else if (outcome.exitCode !== 0) {
    void context.api.window.showErrorMessage(failureMessage(outcome, args[0] ?? 'sim'), 'Show Output').then((choice) => {
      if (choice === 'Show Output') output.show(true);
    });
  }
  return outcome;
}
