/**
 * The everyday loop's last step (issue #18, item 4): edit an app's source, then `sim
 * rebuild-and-boot app -- app` while a simulator runs on the prefix (Debian, the default image),
 * from the launch of the command to its new output (and to its exit); beside the same with no
 * simulator running (a boot, from the quick-boot snapshot). The app is the meson fixture module
 * (a program and its library) declared `kind: app`; each edit changes the program's message.
 * And the same edits with `rebuild-and-boot --watch` running: from the save to the new output.
 */
import { spawn } from 'node:child_process';
import { cp, mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { progressTime, SIM_BIN, simOk } from '../lib/proc.js';
import type { Results } from '../lib/results.js';
import type { Workspace } from '../lib/workspace.js';

const SECTION = 'edit -> visible (an app)';
export const HOT = 'rebuild-and-boot into the running simulator, to the new output';
export const WATCH = 'rebuild-and-boot --watch running: a save to the new output';
/** The same runs to the command's exit (its end in the guest, the last events, Node's exit). */
export const HOT_EXIT = 'rebuild-and-boot into the running simulator, to its exit';
export const COLD = 'rebuild-and-boot with no simulator running (quick boot), to the new output';
const FIXTURE = fileURLToPath(new URL('../../fixtures/meson-module/', import.meta.url));

export async function reloadSection(ws: Workspace, results: Results, runs: number, log: (line: string) => void): Promise<void> {
  const project = path.join(ws.root, 'reload');
  await mkdir(project, { recursive: true });
  await cp(FIXTURE, path.join(project, 'app'), { recursive: true });
  await writeFile(path.join(project, 'sim.json'), JSON.stringify({ image: ws.debian.ref, modules: { app: { source: 'app', kind: 'app' } } }));
  const env = { ...ws.env, SIM_ACCEL: 'tcg' };
  const sim = (args: string[], until?: string) => simOk(args, env, until);
  const source = path.join(project, 'app', 'hello.c');
  const original = await readFile(source, 'utf8');
  let edits = 0;
  const edit = async () => {
    const message = `edit ${++edits}`;
    await writeFile(source, original.replace('simmod version %s', `${message} %s`));
    return message;
  };
  /**
   * rebuild-and-boot with the new message expected in its output; the time to that output (what
   * the developer waits for, as the --watch row measures it), to the command's exit, and the
   * parts: up to ninja's start (Node's start-up, sim's modules, the command line, the project),
   * ninja, and from the prefix's sync to the new output (the sync, the guest's refresh and round
   * trip, the program's start).
   */
  const rebuildAndBoot = async () => {
    const message = await edit();
    const run = await sim(['rebuild-and-boot', '--json', '--config', project, 'app', '--', 'simmod-hello'], `${message} `);
    if (run.untilMs === undefined) throw new Error(`rebuild-and-boot did not show '${message}':\n${run.stdout.slice(-1500)}`);
    const building = progressTime(run.stdout, 'building');
    return { ms: run.untilMs, exitMs: run.ms, startMs: building - run.startedAt, ninjaMs: progressTime(run.stdout, 'installing') - building, afterMs: run.startedAt + run.untilMs - progressTime(run.stdout, 'updating ') };
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
      results.add(SECTION, `${HOT}: of which the prefix's sync to the new output (the guest's refresh and round trip, the program's start)`, 'ms', [hot.afterMs]);
      results.add(SECTION, `${HOT_EXIT}`, 'ms', [hot.exitMs]);
    }
    const watch = watchRun(['rebuild-and-boot', '--watch', '--json', '--config', project, 'app', '--', 'simmod-hello'], env);
    try {
      await watch.next(edits === 0 ? 'simmod version' : `edit ${edits} `);
      for (let i = 0; i < runs; i++) {
        const saved = Date.now();
        const message = await edit();
        const shown = await watch.next(`${message} `);
        const building = watch.progress('building');
        results.add(SECTION, WATCH, 'ms', [shown - saved], { vs: HOT });
        results.add(SECTION, `${WATCH}: of which ninja (the compiler)`, 'ms', [watch.progress('installing') - building]);
      }
    } finally {
      await watch.stop();
    }
  } finally {
    await sim(['stop', 'bench-reload']);
  }
  for (let i = 0; i < runs; i++) results.add(SECTION, COLD, 'ms', [(await rebuildAndBoot()).ms]);
}

/**
 * A `sim ... --json` that stays (rebuild-and-boot --watch): `next(text)` resolves with the time
 * (ms since the epoch) output holding `text` arrived; `progress(message)`, when the last progress
 * event with that message was written (its own time).
 */
function watchRun(args: string[], env: NodeJS.ProcessEnv) {
  const child = spawn(process.execPath, [SIM_BIN, ...args], { env, stdio: ['ignore', 'pipe', 'inherit'] });
  const progress = new Map<string, number>();
  let waiting: { text: string; resolve: (ms: number) => void } | undefined;
  let pending = '';
  let output = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    const now = Date.now();
    pending += chunk;
    const lines = pending.split('\n');
    pending = lines.pop() ?? '';
    for (const line of lines) {
      const event = JSON.parse(line) as { type: string; data?: string; message?: string; time: string };
      if (event.type === 'progress' && event.message) progress.set(event.message, Date.parse(event.time));
      if (event.type !== 'output') continue;
      output += event.data ?? '';
      if (waiting && output.includes(waiting.text)) {
        output = '';
        waiting.resolve(now);
        waiting = undefined;
      }
    }
  });
  const exited = new Promise<void>((resolve) => child.once('close', () => resolve()));
  return {
    next: (text: string) =>
      Promise.race([
        new Promise<number>((resolve) => {
          if (output.includes(text)) {
            output = '';
            resolve(Date.now());
          } else waiting = { text, resolve };
        }),
        exited.then(() => Promise.reject(new Error(`sim ${args.join(' ')} ended before '${text}'`))),
        new Promise<number>((_, reject) => setTimeout(() => reject(new Error(`no '${text}' from sim ${args.join(' ')} in 120 s`)), 120_000).unref()),
      ]),
    progress: (message: string) => progress.get(message) ?? Number.NaN,
    stop: async () => {
      child.kill('SIGINT');
      await exited;
    },
  };
}
