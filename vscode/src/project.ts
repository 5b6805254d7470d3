/** Which sim.json Run uses: the one at the root of the workspace folder being worked in. */
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import type { Vscode } from './vscode-api';

export const PROJECT_FILE = 'sim.json';

/**
 * The sim.json of the folder holding the active file, else of the first folder that has one.
 * Pure but for `exists`.
 */
export function chooseProjectFile(folders: readonly string[], activeFile: string | undefined, exists: (file: string) => boolean): string | undefined {
  const withProject = folders.filter((folder) => exists(path.join(folder, PROJECT_FILE)));
  const active = activeFile ? withProject.find((folder) => activeFile.startsWith(folder + path.sep)) : undefined;
  const folder = active ?? withProject[0];
  return folder === undefined ? undefined : path.join(folder, PROJECT_FILE);
}

export function findProjectFile(api: Vscode, exists: (file: string) => boolean = existsSync): string | undefined {
  const folders = (api.workspace.workspaceFolders ?? []).filter((f) => f.uri.scheme === 'file').map((f) => f.uri.fsPath);
  const active = api.window.activeTextEditor?.document.uri;
  return chooseProjectFile(folders, active?.scheme === 'file' ? active.fsPath : undefined, exists);
}
