/**
 * The everyday loop's build (issue #18): `sim build` of a module of GLib's size (Debian's GLib,
 * the demo's source, copied once into the bench cache and built there once), from the launch
 * of the CLI to its exit. A no-op build, and a build after a one-line edit of gio/gio-tool.c
 * (sim's constant: the total minus ninja's time, which is the compiler's); each side by side
 * with the way before the install was skipped and the sync recorded what it saw (the same
 * build with the sync record deleted first: a fresh stage, a full `meson install`, every file
 * compared byte for byte).
 */
import { access, appendFile, cp, mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { resolveContext } from '../../src/core/context.js';
import { DEMO_MESON_OPTIONS, DEMO_MODULE, fetchSource, GLIB_SOURCE, readSourceState } from '../../src/demo/demo.js';
import { loadRecipe } from '../../src/images/recipe.js';
import { DEFAULT_IMAGE } from '../../src/index.js';
import { SYNC_RECORD_FILE } from '../../src/builders/sync-record.js';
import { progressTime, SIM_BIN, timeCommand } from '../lib/proc.js';
import type { Results } from '../lib/results.js';
import type { Workspace } from '../lib/workspace.js';

const SECTION = 'sim build (GLib)';
export const NOOP = 'no-op sim build glib';
export const NOOP_BEFORE = 'no-op sim build glib, as before (full install, every file compared)';
export const EDIT_CONSTANT = 'one-line edit: sim build glib minus ninja';
export const EDIT_CONSTANT_BEFORE = 'one-line edit: sim build glib minus ninja, as before';

interface Timed {
  ms: number;
  ninjaMs: number;
}

/** One `sim build --json` from launch to exit, and the time between its 'building' and 'installing' events. */
async function timeBuild(config: string, env: NodeJS.ProcessEnv): Promise<Timed> {
  const run = await timeCommand(process.execPath, [SIM_BIN, 'build', '--json', '--config', config, DEMO_MODULE], env);
  if (run.code !== 0) throw new Error(`sim build failed (${run.code}):\n${run.stdout.slice(-2000)}`);
  const at = (message: string) => progressTime(run.stdout, message);
  const installing = at('installing');
  const nothing = at('nothing to install');
  return { ms: run.ms, ninjaMs: (Number.isFinite(installing) ? installing : nothing) - at('building') };
}

export async function buildSection(ws: Workspace, results: Results, runs: number, log: (line: string) => void): Promise<void> {
  const user = resolveContext(ws.userEnv);
  const dir = path.join(ws.benchCache, 'glib-build');
  const source = path.join(dir, 'src');
  if (!(await access(source).then(() => true, () => false))) {
    log('GLib source: the demo\'s (apt-get source, once), copied into the bench cache');
    await mkdir(user.dirs.demo, { recursive: true });
    const state = (await readSourceState(user.dirs.demo)) ?? (await fetchSource(user.dirs.demo, (await loadRecipe(DEFAULT_IMAGE)).recipe, GLIB_SOURCE, undefined, ws.userEnv));
    await mkdir(dir, { recursive: true });
    await cp(path.join(user.dirs.demo, state.dir), `${source}.tmp`, { recursive: true });
    await rm(source, { recursive: true, force: true });
    await cp(`${source}.tmp`, source, { recursive: true });
    await rm(`${source}.tmp`, { recursive: true, force: true });
  }
  // The edits below accumulate in the copy: each section starts from the demo's file again.
  const state = await readSourceState(user.dirs.demo);
  if (state) await cp(path.join(user.dirs.demo, state.dir, 'gio', 'gio-tool.c'), path.join(source, 'gio', 'gio-tool.c'));
  const config = path.join(dir, 'sim.json');
  await writeFile(config, `${JSON.stringify({ image: DEFAULT_IMAGE, prefix: 'prefix', modules: { [DEMO_MODULE]: { source: 'src', buildSystem: 'meson', options: DEMO_MESON_OPTIONS } } }, null, 2)}\n`);
  log('GLib: the first build (about a minute on 2 cores, once per bench cache)');
  await timeBuild(config, ws.env);
  await timeBuild(config, ws.env);

  const record = path.join(dir, '.sim', 'build', DEMO_MODULE, SYNC_RECORD_FILE);
  const edited = path.join(source, 'gio', 'gio-tool.c');
  let edits = 0;
  // A global the compiler keeps: each edit changes gio's bytes, so the install and the sync have work.
  const edit = () => appendFile(edited, `\nconst char *sim_bench_edit_${process.pid}_${++edits} = "${edits}";\n`);
  for (let i = 0; i < runs; i++) {
    results.add(SECTION, NOOP, 'ms', [(await timeBuild(config, ws.env)).ms], { vs: NOOP_BEFORE });
    await rm(record, { force: true });
    results.add(SECTION, NOOP_BEFORE, 'ms', [(await timeBuild(config, ws.env)).ms]);

    await edit();
    const now = await timeBuild(config, ws.env);
    results.add(SECTION, 'one-line edit: sim build glib', 'ms', [now.ms]);
    results.add(SECTION, 'one-line edit: of which ninja (the compiler)', 'ms', [now.ninjaMs]);
    results.add(SECTION, EDIT_CONSTANT, 'ms', [now.ms - now.ninjaMs], { vs: EDIT_CONSTANT_BEFORE });
    await edit();
    await rm(record, { force: true });
    const before = await timeBuild(config, ws.env);
    results.add(SECTION, EDIT_CONSTANT_BEFORE, 'ms', [before.ms - before.ninjaMs]);
  }
}
