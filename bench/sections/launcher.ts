/** The launcher's own start-up: `sim --version` against a bare `node -e 0`. (Boot runs add invocation -> qemu-started and peak memory.) */
import { timeCommand, SIM_BIN } from '../lib/proc.js';
import type { Results } from '../lib/results.js';
import type { Workspace } from '../lib/workspace.js';
import { LAUNCHER } from './boot.js';

export async function launcherSection(ws: Workspace, results: Results, runs: number): Promise<void> {
  for (let i = 0; i < Math.max(5, runs); i++) {
    const version = await timeCommand(process.execPath, [SIM_BIN, '--version'], ws.env);
    if (version.code !== 0) throw new Error('sim --version failed');
    results.add(LAUNCHER, 'sim --version', 'ms', [version.ms], { vs: 'node -e 0 (Node start-up alone)' });
    results.add(LAUNCHER, 'node -e 0 (Node start-up alone)', 'ms', [(await timeCommand(process.execPath, ['-e', '0'], ws.env)).ms]);
  }
}
