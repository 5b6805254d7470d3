/** sim.stopSimulator and sim.screenshot: sim commands on one running simulator. */
import { mkdir } from 'node:fs/promises';
import * as path from 'node:path';
import { runSimCommand, type SimCommandContext } from './sim-command';
import { targetSimulator } from './simulator-picker';
import type { SimulatorState } from './simulator-state';

export interface ActionContext extends SimCommandContext {
  state: SimulatorState;
  /** The folder that gets .sim/screenshots: the project's, else the first workspace folder. */
  workspaceFolder: () => string | undefined;
  now?: () => Date;
}

export async function stopSimulator(context: ActionContext): Promise<void> {
  const name = await targetSimulator(context.api, context.state, 'stop');
  if (!name) return;
  const outcome = await runSimCommand(context, ['stop', name, '--json']);
  if (outcome.exitCode === 0) void context.api.window.showInformationMessage(`sim: ${name} stopped.`);
}

/** "NAME-20261203-180312.png", the web console's naming, safe as a file name. Pure. */
export function screenshotFileName(simulator: string, at: Date): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  const stamp = `${at.getFullYear()}${pad(at.getMonth() + 1)}${pad(at.getDate())}-${pad(at.getHours())}${pad(at.getMinutes())}${pad(at.getSeconds())}`;
  return `${simulator.replace(/[^\w.-]/g, '_')}-${stamp}.png`;
}

/** Resolves with the PNG's path, or undefined when none was taken. */
export async function takeScreenshot(context: ActionContext): Promise<string | undefined> {
  const { api } = context;
  const folder = context.workspaceFolder();
  if (!folder) {
    void api.window.showErrorMessage('sim: open a folder first; screenshots go to its .sim/screenshots.');
    return undefined;
  }
  const name = await targetSimulator(api, context.state, 'take a screenshot of');
  if (!name) return undefined;
  const directory = path.join(folder, '.sim', 'screenshots');
  await mkdir(directory, { recursive: true });
  const file = path.join(directory, screenshotFileName(name, (context.now ?? (() => new Date()))()));
  const outcome = await runSimCommand(context, ['screenshot', name, '-o', file, '--json']);
  if (outcome.exitCode !== 0) return undefined;
  await api.commands.executeCommand('vscode.open', api.Uri.file(file));
  return file;
}
