/**
 * The guest caches the prefix (9p cache=loose: lookups and pages kept, so a prefix program's
 * second start reads nothing over 9p; programs and libraries copied into memory, the hot layer,
 * so that opening one costs no round trip), and never serves a file sim's sync replaced: a running
 * simulator on the fixture image runs a library and a program of a meson module in a loop
 * while `sim build` rebuilds them again and again (each time with their copies in the hot layer);
 * after each build the next start is the new build, and no run in the loop ever failed or
 * printed anything but a whole version.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fixtureImageEnv, fixtureProject } from '../helpers/fixture-project.js';
import { sim, type SimEnv } from '../helpers/sim.js';

const NAME = `cache-${process.pid}`;
const ROUNDS = 6;
let env: SimEnv;
let project: string;

const exec = async (script: string) => {
  const run = await sim(['exec', NAME, '--', 'sh', '-c', script], env);
  assert.is(run.exitCode, 0, String(run.stderr));
  return String(run.stdout);
};

test('setup: the fixture image, a meson module built once, a simulator on its prefix', async () => {
  env = await fixtureImageEnv();
  project = await fixtureProject('sim-cache-project-', { simmod: 'meson-module' });
  const built = await sim(['build', 'simmod'], env, { cwd: project });
  assert.is(built.exitCode, 0, String(built.stderr));
  const start = await sim(['boot', '--detach', '--image', 'demo', '--overlay', path.join(project, '.sim/prefix'), '--name', NAME], env);
  assert.is(start.exitCode, 0, String(start.stderr));
});

test('the share is mounted with a cache', async () => {
  assert.match(await exec('grep " /run/sim/overlay 9p " /proc/mounts'), /\bloose\b/);
});

test('rebuilt again and again while the guest runs it: each next start is the new build', async () => {
  // The guest starts the program (and with it the library) over and over, beside the builds.
  await exec('(while [ ! -e /tmp/stop ]; do simmod-hello >> /tmp/runs 2>&1 || echo "exit $?" >> /tmp/runs; sleep 0.1; done) > /dev/null 2>&1 &');
  try {
    for (let round = 2; round < 2 + ROUNDS; round++) {
      // The program and the library in the hot layer first (copies in memory, made once the
      // prefetch after the last refresh is done): the rebuild must not leave them serving.
      const hot = await exec('for i in $(seq 600); do [ -e /run/sim/prefetched ] && break; sleep 0.1; done; ls /run/sim/hot/usr/bin/simmod-hello /run/sim/hot/usr/lib/*/libsimmod.so.0.1.0 2>&1');
      assert.match(hot, /\/usr\/bin\/simmod-hello\n.*libsimmod\.so\.0\.1\.0$/, `round ${round}: the copies are made\n${hot}`);
      await writeFile(path.join(project, 'simmod/version.h'), `#define SIMMOD_VERSION "${round}.0"\n`);
      await writeFile(path.join(project, 'simmod/simmod.conf'), `key=${round}\n`);
      const built = await sim(['build', 'simmod'], env, { cwd: project });
      assert.is(built.exitCode, 0, String(built.stderr));
      assert.is(await exec('simmod-hello; cat /usr/share/simmod/simmod.conf'), `simmod version ${round}.0\nkey=${round}`, `round ${round}\n${String(built.stderr)}`);
    }
  } finally {
    await exec('touch /tmp/stop; sleep 1');
  }
  const runs = (await exec('cat /tmp/runs')).split('\n').filter(Boolean);
  assert.ok(runs.length >= ROUNDS, `the guest's loop ran (${runs.length} runs)`);
  const versions = runs.map((line) => {
    const m = /^simmod version (\d+)\.0$/.exec(line);
    assert.ok(m, `a run in the loop printed: ${line}`);
    return Number(m[1]);
  });
  for (let i = 1; i < versions.length; i++) assert.ok(versions[i]! >= versions[i - 1]!, `runs never go back to an older build: ${versions.join(' ')}`);
});

test('a process that holds the previous build while the refresh runs: the next start after it is the new build', async () => {
  const round = 2 + ROUNDS;
  const lib = (await exec('for i in $(seq 600); do [ -e /run/sim/prefetched ] && break; sleep 0.1; done; ls /run/sim/hot/usr/lib/*/libsimmod.so.0.1.0')).trim().replace(/^\/run\/sim\/hot/, '');
  assert.match(lib, /^\/usr\/lib\/.*\/libsimmod\.so\.0\.1\.0$/, 'the library is in the hot layer');
  // The holder opens the library at its own path (the overlay's lookup then pins the hot layer's
  // copy it found) and lets go half a second after the refresh removed that copy: once the
  // refresh is over, unless the refresh waits until the library reads as the new build there.
  await exec(`(exec 3< ${lib}; while [ -e /run/sim/hot${lib} ]; do sleep 0.1; done; sleep 0.5) > /dev/null 2>&1 &`);
  await writeFile(path.join(project, 'simmod/version.h'), `#define SIMMOD_VERSION "${round}.0"\n`);
  const built = await sim(['build', 'simmod'], env, { cwd: project });
  assert.is(built.exitCode, 0, String(built.stderr));
  assert.is(await exec('simmod-hello'), `simmod version ${round}.0`, String(built.stderr));
});

test.after(async () => {
  if (env) await sim(['stop', NAME, '--timeout', '2'], env);
});

test.run();
