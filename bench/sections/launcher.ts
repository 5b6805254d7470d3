/**
 * The launcher's own start-up: `sim --version`, `sim ls` and `sim ls --json` (what an IDE polls),
 * with no simulator and with one, against a bare `node -e 0`, interleaved run by run. The running
 * simulator is a stand-in (test/helpers/standin-simulator.ts): `sim ls` only reads the registry,
 * and a real guest would load the machine while the launcher is timed. And a command through
 * the parser, with its code cache and without. (Boot runs add invocation -> qemu-started and
 * peak memory.)
 */
import { mkdir, writeFile } from 'node:fs/promises';
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

/**
 * A command through the parser (yargs, the command's module, zod), with the parser's V8 code
 * cache (src/cli/compiled-parser.ts) and compiled from its source as before it (the cache
 * directory a file, so never written): both on an empty store, so the same work.
 */
export const PARSER_CACHED = 'sim snapshot ls --json (through the parser, its code cache)';
export const PARSER_COMPILED = 'sim snapshot ls --json (through the parser, compiled from source: no code cache)';

export async function launcherSection(ws: Workspace, results: Results, runs: number): Promise<void> {
  // A runtime dir of its own: the one of the workspace may hold the boot sections' simulators.
  const empty = { ...ws.env, SIM_RUNTIME_DIR: path.join(ws.root, 'launcher-none') };
  const one = { ...ws.env, SIM_RUNTIME_DIR: path.join(ws.root, 'launcher-one') };
  const simulator = await standInSimulator(one.SIM_RUNTIME_DIR, 'bench');
  const cached = { ...empty, SIM_CACHE_DIR: path.join(ws.root, 'launcher-cache') };
  const compiled = { ...empty, SIM_CACHE_DIR: path.join(ws.root, 'launcher-no-code-cache') };
  await mkdir(compiled.SIM_CACHE_DIR, { recursive: true });
  await writeFile(path.join(compiled.SIM_CACHE_DIR, 'code-cache'), 'not a directory: the parser is compiled at each start\n');
  const parser = async (env: Record<string, string>) => {
    const run = await timeCommand(process.execPath, [SIM_BIN, 'snapshot', 'ls', '--json'], env);
    if (run.code !== 0) throw new Error('sim snapshot ls --json failed');
    return run.ms;
  };
  await parser(cached); // writes the code cache
  try {
    for (let i = 0; i < Math.max(5, runs); i++) {
      results.add(LAUNCHER, NODE_ALONE, 'ms', [(await timeCommand(process.execPath, ['-e', '0'], ws.env)).ms]);
      for (const row of LAUNCHER_ROWS) {
        const run = await timeCommand(process.execPath, [SIM_BIN, ...row.args], row.running ? one : empty);
        if (run.code !== 0) throw new Error(`${row.name} failed`);
        if (row.running && !run.stdout.includes('bench')) throw new Error(`${row.name} did not list the running simulator`);
        results.add(LAUNCHER, row.name, 'ms', [run.ms], { vs: NODE_ALONE });
      }
      // Which goes first alternates.
      for (const which of i % 2 === 0 ? ['cached', 'compiled'] : ['compiled', 'cached']) {
        if (which === 'cached') results.add(LAUNCHER, PARSER_CACHED, 'ms', [await parser(cached)], { vs: PARSER_COMPILED });
        else results.add(LAUNCHER, PARSER_COMPILED, 'ms', [await parser(compiled)]);
      }
    }
  } finally {
    simulator.stop();
  }
}
