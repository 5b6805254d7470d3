/**
 * What the guest says, in output channels: its journal (`sim logs NAME -f --json`, "sim: guest")
 * and its serial console (`sim console NAME --follow --json`, "sim: console") of the simulator
 * that Run last started, until it stops or another one is run.
 */
import type * as vscode from 'vscode';
import type { SimEvent } from './events';
import { renderEvent, renderJournalEntry } from './events-render';
import { runSim, type SimProcess, type Spawner } from './sim-process';

/** One followed stream: sim's arguments for a simulator, and how its events read. */
export interface GuestStream {
  label: string;
  args: (name: string) => string[];
  render: (event: SimEvent) => string | null;
}

export const JOURNAL: GuestStream = {
  label: "the guest's journal",
  args: (name) => ['logs', name, '-f', '--json'],
  render: (event) => (event.type === 'journal' ? renderJournalEntry(event.entry) : event.type === 'error' ? renderEvent(event) : null),
};

export const CONSOLE: GuestStream = {
  label: "the guest's console",
  args: (name) => ['console', name, '--follow', '--json'],
  render: (event) => (event.type === 'console' ? event.line : event.type === 'error' ? renderEvent(event) : null),
};

export class GuestLog {
  private following: { name: string; process: SimProcess } | undefined;

  constructor(
    private readonly spawner: Spawner,
    private readonly simPath: () => string,
    private readonly channel: vscode.OutputChannel,
    private readonly stream: GuestStream = JOURNAL,
  ) {}

  get name(): string | undefined {
    return this.following?.name;
  }

  follow(name: string): void {
    if (this.following?.name === name) return;
    this.stop();
    this.channel.appendLine(`--- ${name}: ${this.stream.label} ---`);
    const process = runSim(this.spawner, this.simPath(), this.stream.args(name), {}, {
      onEvent: (event) => {
        const text = this.stream.render(event);
        if (text !== null) this.channel.appendLine(text);
      },
      onText: (line) => this.channel.appendLine(line),
    });
    const following = { name, process };
    this.following = following;
    void process.done.then((outcome) => {
      if (this.following !== following) return;
      this.following = undefined;
      this.channel.appendLine(`--- ${name}: ${this.stream.label} ended (exit code ${outcome.exitCode}) ---`);
    });
  }

  stop(): void {
    this.following?.process.kill();
    this.following = undefined;
  }
}
