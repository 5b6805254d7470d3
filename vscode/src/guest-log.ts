/**
 * The guest's journal in the output channel "sim: guest": `sim logs NAME -f --json` of the
 * simulator that Run last started, until it stops or another one is run.
 */
import type * as vscode from 'vscode';
import { renderEvent, renderJournalEntry } from './events-render';
import { runSim, type SimProcess, type Spawner } from './sim-process';

export class GuestLog {
  private following: { name: string; process: SimProcess } | undefined;

  constructor(
    private readonly spawner: Spawner,
    private readonly simPath: () => string,
    private readonly channel: vscode.OutputChannel,
  ) {}

  get name(): string | undefined {
    return this.following?.name;
  }

  follow(name: string): void {
    if (this.following?.name === name) return;
    this.stop();
    this.channel.appendLine(`--- ${name}: the guest's journal ---`);
    const process = runSim(this.spawner, this.simPath(), ['logs', name, '-f', '--json'], {}, {
      onEvent: (event) => {
        const text = event.type === 'journal' ? renderJournalEntry(event.entry) : event.type === 'error' ? renderEvent(event) : null;
        if (text !== null) this.channel.appendLine(text);
      },
      onText: (line) => this.channel.appendLine(line),
    });
    const following = { name, process };
    this.following = following;
    void process.done.then((outcome) => {
      if (this.following !== following) return;
      this.following = undefined;
      this.channel.appendLine(`--- ${name}: the journal ended (exit code ${outcome.exitCode}) ---`);
    });
  }

  stop(): void {
    this.following?.process.kill();
    this.following = undefined;
  }
}
