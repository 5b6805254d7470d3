/**
 * The launcher's own start-up: `sim --version`, `sim ls` and `sim ls --json` (what an IDE polls),
 * with no simulator and with one, against a bare `node -e 0`, interleaved run by run. The running
 * simulator is a stand-in (test/helpers/standin-simulator.ts): `sim ls` only reads the registry,
 * and a real guest would load the machine while the launcher is timed. (Boot runs add
 * invocation -> qemu-started and peak memory.)
 */
import path from 'node:path';
import { standInSimulator } from '../../test/helpers/standin-simulator.js';
import { timeCommand, SIM_BIN } from '../lib/proc.js';
import type { Results } from '../lib/results.js';
import type { Workspace } from '../lib/workspace.js';
import { LAUNCHER } from './boot.js';

export const NODE_ALONE = 'node -e 0 (Node start-up alone)';

/** The rows, each with the command line it times and whether a simulator runs meanwhile. */
export const LAUNCHER_ROWS = [
  { name: 'sim --version', args: ['--version'], running: false },
  { name: 'sim ls (none running)', args: ['ls'], running: false },
  { name: 'sim ls --json (none running)', args: ['ls', '--json'], running: false },
  { name: 'sim ls (one running)', args: ['ls'], running: true },
  { name: 'sim ls --json (one running)', args: ['ls', '--json'], running: true },
] as const;

export async function launcherSection(ws: Workspace, results: Results, runs: number): Promise<void> {
  // A runtime dir of its own: the one of the workspace may hold the boot sections' simulators.
  const empty = { ...ws.env, SIM_RUNTIME_DIR: path.join(ws.root, 'launcher-none') };
  const one = { ...ws.env, SIM_RUNTIME_DIR: path.join(ws.root, 'launcher-one') };
  const simulator = await standInSimulator(one.SIM_RUNTIME_DIR, 'bench');
  try {
    for (let i = 0; i < Math.max(5, runs); i++) {
      results.add(LAUNCHER, NODE_ALONE, 'ms', [(await timeCommand(process.execPath, ['-e', '0'], ws.env)).ms]);
      for (const row of LAUNCHER_ROWS) {
        const run = await timeCommand(process.execPath, [SIM_BIN, ...row.args], row.running ? one : empty);
        if (run.code !== 0) throw new Error(`${row.name} failed`);
        if (row.running && !run.stdout.includes('bench')) throw new Error(`${row.name} did not list the running simulator`);
        results.add(LAUNCHER, row.name, 'ms', [run.ms], { vs: NODE_ALONE });
      }
    }
  } finally {
    simulator.stop();
  }
}
