/**
 * The everyday loop's last step (issue #18, item 4): edit an app's source, then `sim
 * rebuild-and-boot app -- app` while a simulator runs on the prefix (Debian, the default image),
 * from the launch of the command to its exit with the new output; beside the same with no
 * simulator running (a boot, from the quick-boot snapshot). The app is the meson fixture module
 * (a program and its library) declared `kind: app`; each edit changes the program's message.
 */
import { cp, mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { progressTime, simOk } from '../lib/proc.js';
import type { Results } from '../lib/results.js';
import type { Workspace } from '../lib/workspace.js';

const SECTION = 'edit -> visible (an app)';
export const HOT = 'rebuild-and-boot into the running simulator, to the new output';
export const COLD = 'rebuild-and-boot with no simulator running (quick boot), to the new output';
const FIXTURE = fileURLToPath(new URL('../../fixtures/meson-module/', import.meta.url));

export async function reloadSection(ws: Workspace, results: Results, runs: number, log: (line: string) => void): Promise<void> {
  const project = path.join(ws.root, 'reload');
  await mkdir(project, { recursive: true });
  await cp(FIXTURE, path.join(project, 'app'), { recursive: true });
  await writeFile(path.join(project, 'sim.json'), JSON.stringify({ image: ws.debian.ref, modules: { app: { source: 'app', kind: 'app' } } }));
  const env = { ...ws.env, SIM_ACCEL: 'tcg' };
  const sim = (args: string[]) => simOk(args, env);
  const source = path.join(project, 'app', 'hello.c');
  const original = await readFile(source, 'utf8');
  let edits = 0;
  const edit = async () => {
    const message = `edit ${++edits}`;
    await writeFile(source, original.replace('simmod version %s', `${message} %s`));
    return message;
  };
  /**
   * rebuild-and-boot with the new message expected in its output; the time, and its parts: up
   * to ninja's start (Node's start-up, sim's modules, the command line, the project), ninja, and
   * from the prefix's sync to the exit (the sync, the guest's refresh and round trip, the
   * program's run, Node's exit).
   */
  const rebuildAndBoot = async () => {
    const message = await edit();
    const run = await sim(['rebuild-and-boot', '--json', '--config', project, 'app', '--', 'simmod-hello']);
    if (!run.stdout.includes(message)) throw new Error(`rebuild-and-boot did not show '${message}':\n${run.stdout.slice(-1500)}`);
    const building = progressTime(run.stdout, 'building');
    return { ms: run.ms, startMs: building - run.startedAt, ninjaMs: progressTime(run.stdout, 'installing') - building, afterMs: run.endedAt - progressTime(run.stdout, 'updating ') };
  };

  log('edit -> visible: the first build and a simulator on its prefix (a snapshot saved on the first boot)');
  await sim(['build', '--config', project, 'app']);
  await sim(['boot', '--detach', '--image', ws.debian.ref, '--overlay', path.join(project, '.sim', 'prefix'), '--name', 'bench-reload']);
  try {
    await rebuildAndBoot(); // The first reload after the boot reads the guest's tools from its disk.
    for (let i = 0; i < runs; i++) {
      const hot = await rebuildAndBoot();
      results.add(SECTION, HOT, 'ms', [hot.ms], { vs: COLD });
      results.add(SECTION, `${HOT}: of which up to ninja's start (Node's start-up, sim's modules, the command line, the project)`, 'ms', [hot.startMs]);
      results.add(SECTION, `${HOT}: of which ninja (the compiler)`, 'ms', [hot.ninjaMs]);
      results.add(SECTION, `${HOT}: of which the prefix's sync to the exit (the guest's refresh and round trip, the program's run, Node's exit)`, 'ms', [hot.afterMs]);
    }
  } finally {
    await sim(['stop', 'bench-reload']);
  }
  for (let i = 0; i < runs; i++) results.add(SECTION, COLD, 'ms', [(await rebuildAndBoot()).ms]);
}
