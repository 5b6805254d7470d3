/**
 * Wiring: the extension's parts built from the vscode API and a spawner (both handed in so that
 * tests can give fakes), its commands registered, its children killed on deactivate.
 */
import type * as vscode from 'vscode';
import * as path from 'node:path';
import { existsSync } from 'node:fs';
import { CONSOLE, GuestLog, JOURNAL } from './guest-log';
import { findProjectFile } from './project';
import { Runner } from './run';
import { ScreenPanel } from './screen-panel';
import { readSettings } from './settings';
import type { Spawner } from './sim-process';
import { stopSimulator, takeScreenshot } from './simulator-actions';
import { pickSimulator, targetSimulator } from './simulator-picker';
import { SimulatorState } from './simulator-state';
import { startSimulatorWatch, type Timers } from './simulator-watch';
import { createStatusBar } from './status-bar';
import type { Vscode } from './vscode-api';
import { WebConsole } from './web-console';

/** The context key that shows the editor's Run button: the workspace has a sim.json. */
export const HAS_PROJECT_KEY = 'sim.hasProject';

export interface ExtensionDependencies {
  vscode: Vscode;
  spawner: Spawner;
  timers?: Timers;
  exists?: (file: string) => boolean;
}

export interface Extension {
  activate(context: vscode.ExtensionContext): void;
  deactivate(): void;
  /** The simulators and the pick, for tests to look at. */
  readonly state: SimulatorState;
}

export function createExtension(dependencies: ExtensionDependencies): Extension {
  const api = dependencies.vscode;
  const exists = dependencies.exists ?? existsSync;
  const state = new SimulatorState();
  const disposables: { dispose(): void }[] = [];

  const activate = (context: vscode.ExtensionContext) => {
    const simPath = () => readSettings(api).simPath;
    const output = api.window.createOutputChannel('sim');
    const guestChannel = api.window.createOutputChannel('sim: guest');
    const consoleChannel = api.window.createOutputChannel('sim: console');
    const findProject = () => findProjectFile(api, exists);
    const updateProjectKey = () => void api.commands.executeCommand('setContext', HAS_PROJECT_KEY, findProject() !== undefined);
    const commandContext = { api, spawner: dependencies.spawner, output, simPath };

    const webConsole = new WebConsole(dependencies.spawner, simPath, (line) => output.appendLine(line));
    const screen = new ScreenPanel(api, webConsole);
    const guestLog = new GuestLog(dependencies.spawner, simPath, guestChannel, JOURNAL);
    const consoleLog = new GuestLog(dependencies.spawner, simPath, consoleChannel, CONSOLE);
    const run = new Runner({
      ...commandContext,
      state,
      findProject,
      openScreenOnRun: () => readSettings(api).openScreenOnRun,
      showScreen: (name) => screen.show(name),
      followGuest: (name) => {
        guestLog.follow(name);
        consoleLog.follow(name);
      },
    });
    const actionContext = {
      ...commandContext,
      state,
      workspaceFolder: () => {
        const project = findProject();
        return project ? path.dirname(project) : api.workspace.workspaceFolders?.[0]?.uri.fsPath;
      },
    };
    const showScreen = async () => {
      const name = await targetSimulator(api, state, 'show');
      if (!name) return;
      try {
        await screen.show(name);
      } catch (cause) {
        void api.window.showErrorMessage(`sim: cannot show the screen: ${cause instanceof Error ? cause.message : String(cause)}`);
      }
    };

    // `sim init` run after the window opened makes the Run button appear.
    const projectWatcher = api.workspace.createFileSystemWatcher('**/sim.json');
    disposables.push(
      output,
      guestChannel,
      consoleChannel,
      createStatusBar(api, state),
      startSimulatorWatch({ spawner: dependencies.spawner, simPath, state, timers: dependencies.timers, log: (line) => output.appendLine(line) }),
      { dispose: () => run.dispose() },
      { dispose: () => guestLog.stop() },
      { dispose: () => consoleLog.stop() },
      { dispose: () => webConsole.dispose() },
      { dispose: () => screen.dispose() },
      api.commands.registerCommand('sim.runInSimulator', () => run.run()),
      api.commands.registerCommand('sim.stopSimulator', () => stopSimulator(actionContext)),
      api.commands.registerCommand('sim.screenshot', () => takeScreenshot(actionContext)),
      api.commands.registerCommand('sim.showScreen', showScreen),
      api.commands.registerCommand('sim.pickSimulator', () => pickSimulator(api, state)),
      api.workspace.onDidChangeWorkspaceFolders(updateProjectKey),
      projectWatcher,
      projectWatcher.onDidCreate(updateProjectKey),
      projectWatcher.onDidDelete(updateProjectKey),
    );
    // VS Code disposes its subscriptions even when deactivate is not called; closing twice is a no-op.
    context.subscriptions.push({ dispose: deactivate });
    updateProjectKey();
  };

  const deactivate = () => {
    // In reverse order: the commands go first, the output channels last, after the sim children
    // (ls --watch, web, logs, a run) that write to them — a child left running would outlive the window.
    for (const disposable of disposables.splice(0).reverse()) {
      try {
        disposable.dispose();
      } catch {
        // One part failing to close must not keep the others open.
      }
    }
  };

  return { activate, deactivate, state };
}
