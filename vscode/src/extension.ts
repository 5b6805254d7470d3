/** The extension's entry point: the real vscode module and child processes. */
import * as vscode from 'vscode';
import { createExtension } from './activate';
import { nodeSpawner } from './sim-process';

const extension = createExtension({ vscode, spawner: nodeSpawner });

export function activate(context: vscode.ExtensionContext): void {
  extension.activate(context);
}

export function deactivate(): void {
  extension.deactivate();
}
