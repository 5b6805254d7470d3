/**
 * The developer's loop on the fixture image: sim rebuild-and-boot builds a meson module into the
 * project's prefix and the guest runs it; a source change shows up in the next boot; a broken
 * module fails with the compiler's message and never boots.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fixtureImageEnv, fixtureProject } from '../helpers/fixture-project.js';
import { parseEvents, sim, type SimEnv } from '../helpers/sim.js';

let env: SimEnv;
let project: string;

test('setup: the fixture image in a fresh store and a project with two modules', async () => {
  env = await fixtureImageEnv();
  project = await fixtureProject('sim-project-', { simmod: 'meson-module', broken: 'broken-module' });
});

test('rebuild-and-boot: the guest runs the freshly built module through the image init', async () => {
  const run = await sim(['rebuild-and-boot', 'simmod', '--', 'simmod-hello'], env, { cwd: project });
  assert.is(run.exitCode, 0, String(run.stderr));
  assert.is(run.stdout, 'simmod version 1.0');
});

test('a source change is in the next boot; the unchanged rebuild does not configure again', async () => {
  await writeFile(path.join(project, 'simmod/version.h'), '#define SIMMOD_VERSION "2.0-edited"\n');
  const run = await sim(['rebuild-and-boot', '--json', 'simmod', '--no-init', '--', 'simmod-hello'], env, { cwd: project });
  assert.is(run.exitCode, 0, String(run.stderr));
  const events = parseEvents(String(run.stdout));
  const output = events.filter((e) => e.type === 'output').map((e) => (e as { data: string }).data).join('');
  assert.is(output, 'simmod version 2.0-edited\n');
  assert.ok(events.some((e) => e.type === 'build-output'), 'build output is streamed as events');
  assert.not.ok(events.some((e) => e.type === 'progress' && /configur/.test(e.message)), 'no configure on a rebuild');
});

test('a broken module fails with the compiler message, exit 70, and does not boot', async () => {
  const run = await sim(['rebuild-and-boot', '--json', 'broken', '--', 'true'], env, { cwd: project });
  assert.is(run.exitCode, 70);
  const events = parseEvents(String(run.stdout));
  const error = events.find((e) => e.type === 'error') as { code: string; details?: string[] };
  assert.is(error.code, 'BUILD_FAILED');
  assert.match((error.details ?? []).join('\n'), /sim_undeclared_identifier/);
  assert.not.ok(events.some((e) => e.type === 'phase' && e.phase === 'qemu-started'));
});

test('hot reload: a running simulator with the prefix is updated in place, same QEMU process', async () => {
  await writeFile(path.join(project, 'sim.json'), JSON.stringify({ image: 'demo', modules: { simmod: { source: 'simmod', kind: 'app' } } }));
  const start = await sim(['boot', '--detach', '--image', 'demo', '--overlay', path.join(project, '.sim/prefix'), '--name', 'hot'], env);
  assert.is(start.exitCode, 0, String(start.stderr));
  const pid = () => sim(['ls', '--json'], env).then((r) => JSON.parse(String(r.stdout).split('\n')[0]!).pid as number);
  const before = await pid();

  await writeFile(path.join(project, 'simmod/version.h'), '#define SIMMOD_VERSION "3.0-hot"\n');
  const began = Date.now();
  const run = await sim(['rebuild-and-boot', 'simmod', '--', 'simmod-hello'], env, { cwd: project });
  const ms = Date.now() - began;
  assert.is(run.exitCode, 0, String(run.stderr));
  assert.is(run.stdout, 'simmod version 3.0-hot');
  assert.match(String(run.stderr), /hot updated in place/);
  assert.is(await pid(), before, 'no new QEMU process');
  console.log(`      hot reload (app): ${ms} ms from rebuild-and-boot to the new output`);
  assert.is((await sim(['stop', 'hot', '--timeout', '2'], env)).exitCode, 0);
});

test('sim build says when a foreground boot that runs a command serves the prefix through a cache (nothing tells it of builds); not when it reads through', async () => {
  const prefix = path.join(project, '.sim/prefix');
  for (const [i, cache] of (['loose', 'none'] as const).entries()) {
    const foreground = sim(['boot', '--json', '--image', 'demo', '--overlay', prefix, '--overlay-cache', cache, '--', 'sh', '-c', 'sleep 120'], env);
    try {
      let out = '';
      foreground.stdout.on('data', (chunk: Buffer) => (out += String(chunk)));
      for (let waited = 0; !out.includes('"guest-ready"'); waited += 100) {
        assert.ok(waited < 60_000, `the foreground boot is not ready: ${out}`);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      await writeFile(path.join(project, 'simmod/version.h'), `#define SIMMOD_VERSION "4.${i}-foreground"\n`);
      const build = await sim(['build', 'simmod'], env, { cwd: project });
      assert.is(build.exitCode, 0, String(build.stderr));
      const warning = new RegExp(`a foreground simulator \\('sim boot', pid ${foreground.pid}\\) serves this prefix with a command and is not told of builds`);
      if (cache === 'loose') assert.match(String(build.stderr), warning);
      else assert.not.match(String(build.stderr), /foreground simulator/);
    } finally {
      foreground.kill('SIGTERM');
      await foreground.catch(() => undefined);
    }
  }
});

test('a foreground boot at its console is told of builds: with the previous build run, cached and in the hot layer, the next start is the new one; rebuild-and-boot runs its command there', async () => {
  const prefix = path.join(project, '.sim/prefix');
  const version = (v: string) => writeFile(path.join(project, 'simmod/version.h'), `#define SIMMOD_VERSION "${v}"\n`);
  await version('5.0-console');
  assert.is((await sim(['build', 'simmod'], env, { cwd: project })).exitCode, 0);
  // No command: the serial console is this process's stdin and stdout (the image's shell on ttyS0).
  const foreground = sim(['boot', '--json', '--image', 'demo', '--overlay', prefix], env);
  let out = '';
  foreground.stdout.on('data', (chunk: Buffer) => (out += String(chunk)));
  const waitFor = async (pattern: RegExp, what: string, withinMs = 120_000) => {
    for (let waited = 0; !pattern.test(out); waited += 100) {
      if (waited >= withinMs) return undefined;
      assert.ok(!foreground.exitCode, `the boot ended: ${what}:\n${out.slice(-2000)}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    return pattern.exec(out)!;
  };
  // Typed at the shell (again after 15 s: the shell may not read the console yet); printf's
  // format keeps the echoed line from matching what it prints.
  const typed = async (n: number, command: string) => {
    for (let attempt = 0; attempt < 8; attempt++) {
      foreground.stdin.write(`printf 'r%s=%s\\n' ${n} "$(${command})"\n`);
      // The whole line: the console's output comes in pieces, and a piece may end mid-line.
      const answer = await waitFor(new RegExp(`r${n}=([^\r\n]*)[\r\n]`), `the console's answer ${n}`, 15_000);
      if (answer) return answer[1];
    }
    assert.unreachable(`no answer at the console to ${command}:\n${out.slice(-2000)}`);
  };
  try {
    assert.ok(await waitFor(/"guest-ready"/, 'ready'), `the foreground boot is not ready:\n${out.slice(-2000)}`);
    assert.is(await typed(1, 'simmod-hello'), 'simmod version 5.0-console');
    // Settled, as in a detached simulator: a file of the root's disk (sim build copies it again).
    const settled = await typed(2, 'stat -f -c %T /usr/bin/simmod-hello');
    assert.is(settled, 'ext2/ext3', 'the program is settled on the root filesystem');
    await version('5.1-console');
    const build = await sim(['build', 'simmod'], env, { cwd: project });
    assert.is(build.exitCode, 0, String(build.stderr));
    assert.match(String(build.stderr), new RegExp(`the foreground simulator \\('sim boot', pid ${foreground.pid}\\) updated in place`));
    assert.not.match(String(build.stderr), /not told of builds/);
    assert.is(await typed(3, 'simmod-hello'), 'simmod version 5.1-console', 'the next start is the new build');
    // rebuild-and-boot runs its command there, told of the build, and boots no second guest.
    await version('5.2-console');
    const rebuilt = await sim(['rebuild-and-boot', '--json', 'simmod', '--', 'simmod-hello'], env, { cwd: project });
    assert.is(rebuilt.exitCode, 0, String(rebuilt.stdout).slice(-2000));
    const events = parseEvents(String(rebuilt.stdout));
    assert.is(events.filter((e) => e.type === 'output').map((e) => (e as { data: string }).data).join(''), 'simmod version 5.2-console\n');
    assert.ok(events.some((e) => e.type === 'log' && e.message.includes(`pid ${foreground.pid}) serves this prefix at its console: the command runs there`)), 'it says where the command ran');
    assert.not.ok(events.some((e) => e.type === 'phase'), 'no guest booted');
    assert.is(await typed(4, 'simmod-hello'), 'simmod version 5.2-console', 'the console has the rebuild too');
  } finally {
    foreground.kill('SIGTERM');
    await foreground.catch(() => undefined);
  }
});

test('config errors name the field', async () => {
  await writeFile(path.join(project, 'sim.json'), JSON.stringify({ modules: { glib: { source: 'simmod', buildSystem: 'scons' } } }));
  const run = await sim(['build', 'glib'], env, { cwd: project });
  assert.is(run.exitCode, 64);
  assert.match(String(run.stderr), /modules\.glib\.buildSystem/);
});

test.run();
