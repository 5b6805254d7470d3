/**
 * The guest caches the prefix (9p cache=loose: lookups and pages kept; the programs and
 * libraries of its usr/ settled, copied into the image's own directories on the session's disk,
 * guest/lib/settle.sh; those of a prefix's /opt/NAME copied into memory, the hot layer, so that
 * opening one costs no round trip), and never serves a file sim's sync replaced: a running
 * simulator on the fixture image runs a library and a program of a meson module in a loop
 * while `sim build` rebuilds them again and again; after each build the next start is the new
 * build, and no run in the loop ever failed or printed anything but a whole version. A file the
 * prefix no longer has gives the image's own back.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdir, rm, writeFile } from 'node:fs/promises';
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
  // A program installed elsewhere: /opt is layered whole, its programs get hot copies.
  const opt = path.join(project, '.sim/prefix/opt/simcache/bin');
  await mkdir(opt, { recursive: true });
  await writeFile(path.join(opt, 'simcache-hello'), '#!/bin/sh\necho opt-hello\n', { mode: 0o755 });
  const start = await sim(['boot', '--detach', '--image', 'demo', '--overlay', path.join(project, '.sim/prefix'), '--name', NAME], env);
  assert.is(start.exitCode, 0, String(start.stderr));
});

test('the share is mounted with a cache', async () => {
  assert.match(await exec('grep " /run/sim/overlay 9p " /proc/mounts'), /\bloose\b/);
});

test("usr/ is settled: the prefix's program and library are files of the root's disk, /usr is no overlay; /opt's program has a hot copy", async () => {
  const out = await exec([
    'grep -c " /usr " /proc/mounts',
    'stat -f -c %T /usr/bin/simmod-hello /usr/lib/*/libsimmod.so.0.1.0',
    'cat /run/sim/settled',
    'for i in $(seq 600); do [ -e /run/sim/prefetched ] && break; sleep 0.1; done; ls /run/sim/hot/opt/simcache/bin/simcache-hello',
    'simcache-hello',
  ].join('; '));
  assert.match(out, /^0\next2\/ext3\next2\/ext3\n/, out);
  assert.match(out, /^usr\/bin$/m, out);
  assert.match(out, /\/run\/sim\/hot\/opt\/simcache\/bin\/simcache-hello\nopt-hello$/, out);
});

test('rebuilt again and again while the guest runs it: each next start is the new build', async () => {
  // The guest starts the program (and with it the library) over and over, beside the builds.
  await exec('(while [ ! -e /tmp/stop ]; do simmod-hello >> /tmp/runs 2>&1 || echo "exit $?" >> /tmp/runs; sleep 0.1; done) > /dev/null 2>&1 &');
  try {
    for (let round = 2; round < 2 + ROUNDS; round++) {
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
  // The holder opens the settled library and reads it after the refresh: it keeps the previous
  // build's bytes, and every start after the refresh gets the new build.
  const lib = (await exec('ls /usr/lib/*/libsimmod.so.0.1.0')).trim();
  const previous = await exec(`md5sum < ${lib}`);
  await exec(`(exec 3< ${lib}; while [ ! -e /tmp/holder-go ]; do sleep 0.1; done; md5sum <&3 > /tmp/holder) > /dev/null 2>&1 &`);
  await writeFile(path.join(project, 'simmod/version.h'), `#define SIMMOD_VERSION "${round}.0"\n`);
  const built = await sim(['build', 'simmod'], env, { cwd: project });
  assert.is(built.exitCode, 0, String(built.stderr));
  assert.is(await exec('simmod-hello'), `simmod version ${round}.0`, String(built.stderr));
  assert.is(await exec('touch /tmp/holder-go; for i in $(seq 50); do [ -s /tmp/holder ] && break; sleep 0.1; done; cat /tmp/holder'), previous, 'the holder kept the bytes it opened');
  assert.is.not(await exec(`md5sum < ${lib}`), previous);
});

test("a file the prefix no longer has: the image's own is back after the refresh", async () => {
  const prefix = path.join(project, '.sim/prefix');
  // A refresh as sim build sends it, with the whole list of what changed.
  const refresh = (rel: string) => exec(`/run/sim/busybox sh /run/sim/refresh --changed ${rel} --complete none > /dev/null; echo done`);
  // A program new in the prefix, then gone from it.
  await writeFile(path.join(prefix, 'usr/bin/simcache-new'), '#!/bin/sh\necho new\n', { mode: 0o755 });
  assert.is(await refresh('usr/bin/simcache-new'), 'done');
  assert.is(await exec('simcache-new'), 'new');
  await rm(path.join(prefix, 'usr/bin/simcache-new'));
  await refresh('usr/bin/simcache-new');
  assert.is(await exec('[ -e /usr/bin/simcache-new ] && echo there || echo gone'), 'gone');
  // One of the image's own programs the prefix takes over: kept aside, and back once the prefix drops it.
  const name = await exec('cd /usr/bin && for p in yes factor cal seq; do [ -e $p ] && echo $p && break; done');
  assert.ok(name, 'the image has a program to take over');
  const image = await exec(`ls -l /usr/bin/${name} | sed "s/.* ${name}/${name}/"; md5sum < /usr/bin/${name}`);
  await writeFile(path.join(prefix, `usr/bin/${name}`), '#!/bin/sh\necho taken-over\n', { mode: 0o755 });
  await refresh(`usr/bin/${name}`);
  assert.is(await exec(`/usr/bin/${name}`), 'taken-over');
  await rm(path.join(prefix, `usr/bin/${name}`));
  await refresh(`usr/bin/${name}`);
  assert.is(await exec(`ls -l /usr/bin/${name} | sed "s/.* ${name}/${name}/"; md5sum < /usr/bin/${name}`), image, "the image's own program is back");
});

test.after(async () => {
  if (env) await sim(['stop', NAME, '--timeout', '2'], env);
});

test.run();
