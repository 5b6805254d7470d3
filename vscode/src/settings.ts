/** The extension's settings (contributed in package.json), read fresh at each use. */
import type { Vscode } from './vscode-api';

export interface Settings {
  /** The sim executable: a name on PATH or a path. */
  simPath: string;
  openScreenOnRun: boolean;
}

export function readSettings(api: Vscode): Settings {
  const config = api.workspace.getConfiguration('sim');
  const simPath = config.get<string>('path', 'sim').trim();
  return { simPath: simPath || 'sim', openScreenOnRun: config.get<boolean>('openScreenOnRun', true) };
}
