/**
 * Long-running simulators on the fixture image: start detached, list, exec (output and status),
 * a command whose client was killed ends in the guest; stop without leftovers; a killed daemon leaves state that `sim ls` cleans; a reboot in place.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtemp, readdir } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { buildFixtureImage, buildFixturePrefix } from '../helpers/fixture-image.js';
import { isAlive } from '../../src/core/pids.js';
import { freshEnv, guestProcessCount, sim, type SimEnv } from '../helpers/sim.js';

let env: SimEnv;
let prefix: string;


async function simsLeft(): Promise<string[]> {
  return readdir(path.join(env.SIM_RUNTIME_DIR, 'sims')).catch(() => []);
}

test('setup', async () => {
  const fixture = await buildFixtureImage();
  env = await freshEnv();
  prefix = await mkdtemp(path.join(os.tmpdir(), 'sim-prefix-'));
  await buildFixturePrefix(prefix);
  assert.is((await sim(['image', 'add', fixture.disk, '--name', 'demo'], env)).exitCode, 0);
});

test('start detached, ls, exec, stop', async () => {
  const start = await sim(['boot', '--detach', '--image', 'demo', '--overlay', prefix, '--name', 'one'], env);
  assert.is(start.exitCode, 0, String(start.stderr));
  assert.is(start.stdout, 'one');

  const ls = await sim(['ls', '--json'], env);
  const [state] = String(ls.stdout).split('\n').filter(Boolean).map((l) => JSON.parse(l));
  assert.is(state.name, 'one');
  assert.is(state.status, 'running');
  assert.is(state.overlay, prefix);
  assert.ok(isAlive(state.pid));

  const exec = await sim(['exec', 'one', '--', 'sh', '-c', 'demo-app; echo oops >&2; exit 5'], env);
  assert.is(exec.exitCode, 5);
  assert.is(exec.stdout, 'libdemo version 2');
  assert.is(exec.stderr, 'oops');
  const multiline = await sim(['exec', 'one', '--', 'sh', '-c', "echo 'a b'\necho \"it's\""], env);
  assert.is(multiline.stdout, "a b\nit's", 'arguments with newlines and quotes arrive intact');
  const again = await sim(['exec', '--', 'sim-hello'], env);
  assert.is(again.exitCode, 0);
  assert.is(again.stdout, 'hello from the overlay');

  // A command left running whose client is killed (an IDE's Stop is SIGKILL) is cancelled in the
  // guest with every process it started, even ones that ignore SIGTERM: the next request does not
  // wait behind it. One that a finished command left running on its own stays.
  const daemonized = await sim(['exec', 'one', '--', 'sh', '-c', 'sleep 301 < /dev/null > /dev/null 2>&1 &'], env);
  assert.is(daemonized.exitCode, 0);
  const held = sim(['exec', 'one', '--', 'sh', '-c', 'trap "" TERM; sleep 300 & echo started; wait'], env, { buffer: false });
  await new Promise<void>((resolve) => held.stdout?.on('data', (chunk: Buffer) => /started/.test(String(chunk)) && resolve()));
  held.kill('SIGKILL');
  await held;
  const next = Date.now();
  const after = await sim(['exec', 'one', '--', 'echo', 'next'], env);
  assert.is(after.stdout, 'next');
  assert.ok(Date.now() - next < 30_000, `the next command waited ${Date.now() - next} ms`);
  assert.is(await guestProcessCount(env, 'one', '^(sleep 300|[^ ]*sh -c trap)'), 0, 'the command and its child are gone');
  assert.is(await guestProcessCount(env, 'one', '^sleep 301'), 1, 'what an earlier command left on its own runs on');

  const taken = await sim(['boot', '--detach', '--image', 'demo', '--name', 'one'], env);
  assert.is(taken.exitCode, 64);
  assert.match(String(taken.stderr), /already running/);

  const stop = await sim(['stop', 'one', '--timeout', '3'], env);
  assert.is(stop.exitCode, 0, String(stop.stderr));
  assert.not.ok(isAlive(state.pid), 'QEMU is gone');
  assert.equal(await simsLeft(), []);
  const missing = await sim(['exec', 'one', '--', 'true'], env);
  assert.is(missing.exitCode, 64);
  assert.match(String(missing.stderr), /No simulator named 'one'/);
});

test('a reboot in place keeps the QEMU process and the overlay', async () => {
  const { startSimulator, rebootSimulator, execInSimulator, stopSimulator } = await import('../../src/index.js');
  const simEnv = { ...process.env, ...env };
  const state = await startSimulator({ image: 'demo', overlay: prefix, name: 'lib', env: simEnv });
  const output: string[] = [];
  const ms = await rebootSimulator('lib', { env: simEnv });
  assert.ok(ms > 0);
  const status = await execInSimulator('lib', ['demo-app'], { env: simEnv, events: (e) => e.type === 'output' && output.push(e.data) });
  assert.is(status, 0);
  assert.is(output.join(''), 'libdemo version 2\n');
  const { listSimulators } = await import('../../src/index.js');
  assert.is((await listSimulators(simEnv))[0]?.pid, state.pid, 'same QEMU process');
  await stopSimulator('lib', { env: simEnv, timeoutMs: 2_000 });
});

test('a simulator whose processes were killed is cleaned up by the next sim ls', async () => {
  assert.is((await sim(['boot', '--detach', '--image', 'demo', '--name', 'doomed'], env)).exitCode, 0);
  const [state] = String((await sim(['ls', '--json'], env)).stdout).split('\n').filter(Boolean).map((l) => JSON.parse(l));
  process.kill(state.launcherPid, 'SIGKILL'); // the daemon; QEMU dies with it
  for (let i = 0; i < 50 && isAlive(state.pid); i++) await new Promise((r) => setTimeout(r, 100));
  assert.not.ok(isAlive(state.pid));
  assert.equal(await simsLeft(), ['doomed'], 'the state is still there');
  const ls = await sim(['ls'], env);
  assert.not.match(String(ls.stdout), /doomed/);
  assert.equal(await simsLeft(), []);
});

// A failed test leaves no simulator running into the next test files.
test.after(async () => {
  for (const name of await simsLeft()) await sim(['stop', name, '--timeout', '3'], env).catch(() => undefined);
});

test.run();
