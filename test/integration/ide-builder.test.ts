/**
 * GNOME Builder's Run and Stop, as Builder does them: `sim init` in a meson project, the
 * .buildconfig read with GLib's own key-file parser and the run-command split with GLib's
 * g_shell_parse_argv (python3-gi), the command started with that argv, then SIGKILLed as
 * Builder's Stop does. Foreground: no QEMU and no session disk outlive it. Detached: the
 * simulator keeps running after its follower is killed.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { execa, type ResultPromise } from 'execa';
import { cp, mkdtemp, readdir, readFile, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { fixtureImageEnv } from '../helpers/fixture-project.js';
import { sim, type SimEnv } from '../helpers/sim.js';
import { until } from '../helpers/wait.js';

const FIXTURE = fileURLToPath(new URL('../../fixtures/meson-module/', import.meta.url));
// Debian's python3, where python3-gi lives (a python3 earlier on PATH may be another one).
const PYTHON = '/usr/bin/python3';
const GLIB_READ = `
import json, sys
from gi.repository import GLib
kf = GLib.KeyFile()
kf.load_from_file(sys.argv[1], GLib.KeyFileFlags.KEEP_COMMENTS)
ok, argv = GLib.shell_parse_argv(kf.get_string("sim", "run-command"))
default = "default" in kf.get_keys("sim")[0] and kf.get_boolean("sim", "default")
print(json.dumps({"groups": kf.get_groups()[0], "name": kf.get_string("sim", "name"), "runtime": kf.get_string("sim", "runtime"), "default": default, "argv": argv}))
`;

interface GlibView { groups: string[]; name: string; runtime: string; default: boolean; argv: string[] }

let env: SimEnv;
let project: string;
let glib = true;

async function readWithGlib(): Promise<GlibView> {
  const result = await execa(PYTHON, ['-c', GLIB_READ, path.join(project, '.buildconfig')]);
  return JSON.parse(result.stdout) as GlibView;
}

/** QEMU processes of this test's runtime directory, from /proc. */
async function qemusOfThisTest(): Promise<number[]> {
  const pids: number[] = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const cmdline = await readFile(`/proc/${entry}/cmdline`, 'utf8').catch(() => '');
    if (cmdline.includes('qemu-system') && cmdline.includes(env.SIM_RUNTIME_DIR)) pids.push(Number(entry));
  }
  return pids;
}

/** Start the run-command as Builder does: GLib's argv, in the project, output to a pipe. */
function startRun(argv: string[]): { child: ResultPromise; output: () => string } {
  let output = '';
  const child = execa(argv[0]!, argv.slice(1), { cwd: project, env, reject: false, buffer: false, stdin: 'ignore' });
  child.stdout?.on('data', (c: Buffer) => (output += c.toString()));
  child.stderr?.on('data', (c: Buffer) => (output += c.toString()));
  return { child, output: () => output };
}

/** Session files that a killed launcher left: anything but its empty directory and its sockets. */
async function sessionLeftovers(): Promise<string[]> {
  const root = path.join(env.SIM_RUNTIME_DIR, 'sessions');
  const left: string[] = [];
  for (const dir of await readdir(root).catch(() => [] as string[])) {
    for (const file of await readdir(path.join(root, dir))) {
      // The foreground boot's record of its prefix (src/boot/serving.ts): a few bytes, swept with the directory.
      if (file === 'serving.json') continue;
      if (!(await stat(path.join(root, dir, file))).isSocket()) left.push(`${dir}/${file}`);
    }
  }
  return left;
}

test('setup: the fixture image as demo, a meson project; GLib for Python (required in CI)', async () => {
  env = await fixtureImageEnv();
  project = await mkdtemp(path.join(os.tmpdir(), 'sim-builder-'));
  await cp(FIXTURE, project, { recursive: true });
  glib = (await execa(PYTHON, ['-c', 'from gi.repository import GLib'], { reject: false })).exitCode === 0;
  if (!glib && process.env.CI === 'true') assert.unreachable('python3-gi is missing (scripts/setup-host.sh test installs it); in CI that is a failure');
  if (!glib) console.log('  skipped: python3-gi is not installed (apt-get install python3-gi)');
});

test('sim init writes sim.json and a .buildconfig that GLib reads; the run-command splits back', async () => {
  if (!glib) return;
  const init = await sim(['init', '--image', 'demo', '--', 'sh', '-c', "simmod-hello; echo 'guest: running'; sleep 1000"], env, { cwd: project });
  assert.is(init.exitCode, 0, String(init.stderr));
  assert.match(String(init.stderr), /run-command=/);
  assert.equal(JSON.parse(await readFile(path.join(project, 'sim.json'), 'utf8')), { image: 'demo', modules: { simmod: { source: '.' } } });
  const view = await readWithGlib();
  assert.equal(view.groups, ['sim']);
  assert.is(view.name, 'Run in simulator (sim)');
  assert.is(view.runtime, 'host');
  assert.is(view.default, true);
  assert.equal(view.argv.slice(-7), ['--config', path.join(project, 'sim.json'), '--follow', '--', 'sh', '-c', "simmod-hello; echo 'guest: running'; sleep 1000"]);
});

test('Run, then Stop (SIGKILL of the run-command): no QEMU and no session disk are left', async () => {
  if (!glib) return;
  const { argv } = await readWithGlib();
  const run = startRun(argv);
  await until('the guest to run the module', () => /guest: running/.test(run.output()), 300_000);
  assert.match(run.output(), /simmod version/);
  assert.ok((await qemusOfThisTest()).length > 0, 'QEMU runs while the guest does');
  run.child.kill('SIGKILL');
  await run.child;
  await until('QEMU to die with sim', async () => ((await qemusOfThisTest()).length === 0 ? true : undefined), 10_000);
  assert.equal(await sessionLeftovers(), [], 'the session disk and initrd were unlinked once QEMU had them open');
  const dead = await readdir(path.join(env.SIM_RUNTIME_DIR, 'sessions'));

  // The next Run sweeps the killed launcher's directory.
  const again = startRun(argv);
  await until('the second run', () => /guest: running/.test(again.output()), 300_000);
  const now = await readdir(path.join(env.SIM_RUNTIME_DIR, 'sessions'));
  assert.ok(dead.every((d) => !now.includes(d)), `swept: ${dead.join(', ')}`);
  again.child.kill('SIGKILL');
  await again.child;
  await until('QEMU to die with sim', async () => ((await qemusOfThisTest()).length === 0 ? true : undefined), 10_000);
});

test('Stop as soon as QEMU runs (before the disk is unlinked): QEMU dies too; the next run sweeps the rest', async () => {
  if (!glib) return;
  const { argv } = await readWithGlib();
  const run = startRun(argv);
  await until('QEMU to start', async () => ((await qemusOfThisTest()).length > 0 ? true : undefined), 300_000);
  run.child.kill('SIGKILL');
  await run.child;
  await until('QEMU to die with sim', async () => ((await qemusOfThisTest()).length === 0 ? true : undefined), 10_000);
});

test('--detach: Run starts the simulator and follows its console; Stop leaves it running', async () => {
  if (!glib) return;
  const init = await sim(['init', '--force', '--detach', '--', 'simmod-hello'], env, { cwd: project });
  assert.is(init.exitCode, 0, String(init.stderr));
  const { argv, default: isDefault } = await readWithGlib();
  assert.ok(isDefault);
  assert.ok(argv.includes('--detach') && argv.includes('--follow'));
  const run = startRun(argv);
  await until('the module to run in the simulator, then the follower', () => /simmod version[\s\S]*following simmod's console/.test(run.output()), 300_000);
  assert.equal(await readdir(path.join(env.SIM_RUNTIME_DIR, 'sessions')), [], 'this run swept the killed foreground run');
  run.child.kill('SIGKILL');
  await run.child;
  const ls = await sim(['ls', '--json'], env);
  const listed = String(ls.stdout).split('\n').filter(Boolean).map((l) => JSON.parse(l) as { name: string; status: string });
  assert.ok(listed.some((s) => s.name === 'simmod' && s.status === 'running'), String(ls.stdout));
  assert.ok((await qemusOfThisTest()).length > 0, "the simulator's QEMU runs on");

  // Run again: the running simulator is hot-reloaded, the command runs there.
  const again = startRun(argv);
  await until('the hot-reloaded run', () => /simmod version[\s\S]*following simmod's console/.test(again.output()), 120_000);
  again.child.kill('SIGKILL');
  await again.child;
  assert.is((await sim(['stop', 'simmod'], env)).exitCode, 0);
  await until('QEMU to end with the simulator', async () => ((await qemusOfThisTest()).length === 0 ? true : undefined), 30_000);
});

test.run();
