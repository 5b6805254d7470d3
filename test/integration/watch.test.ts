/**
 * rebuild-and-boot --watch on the fixture image: one process for the edit loop. It starts a
 * detached simulator and runs the command there; each save rebuilds and restarts the command
 * (the previous one, still running, is ended in the guest); a save that changes nothing in the
 * prefix leaves it running; a broken save is reported and the watch goes on; Ctrl-C ends the
 * watch and the command, and the simulator stays.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { execa, type ResultPromise } from 'execa';
import type { SimEvent } from '../../src/core/events.js';
import { fixtureImageEnv, fixtureProject } from '../helpers/fixture-project.js';
import { guestProcessCount, sim, SIM_BIN, type SimEnv } from '../helpers/sim.js';
import { collectEvents, until } from '../helpers/wait.js';

const NAME = 'watched';
let env: SimEnv;
let project: string;
let watch: ResultPromise<{ env: SimEnv; cwd: string; buffer: false; reject: false }> | undefined;
const events: SimEvent[] = [];

const output = () => events.flatMap((e) => (e.type === 'output' ? [e.data] : [])).join('');
const logs = () => events.flatMap((e) => (e.type === 'log' ? [e.message] : []));
const version = (v: string) => writeFile(path.join(project, 'simmod/version.h'), `#define SIMMOD_VERSION "${v}"\n`);
/**
 * The command never ends on its own: it ticks. While it runs, the guest's agent takes no other
 * request (one at a time), so a refresh after a save gets through only if it was ended.
 */
const COMMAND = 'simmod-hello; while sleep 1; do echo tick; done';

test('setup: the fixture image and a project whose module is an app', async () => {
  env = await fixtureImageEnv();
  project = await fixtureProject('sim-watch-', { simmod: 'meson-module' });
  await writeFile(path.join(project, 'sim.json'), JSON.stringify({ image: 'demo', modules: { simmod: { source: 'simmod', kind: 'app' } } }));
});

test('a module sim.json does not have, or --follow beside --watch, is refused before anything runs', async () => {
  const missing = await sim(['rebuild-and-boot', '--watch', 'nosuch', '--', 'true'], env, { cwd: project });
  assert.is(missing.exitCode, 64);
  assert.match(String(missing.stderr), /no module 'nosuch'/);
  const follow = await sim(['rebuild-and-boot', '--watch', '--follow', 'simmod'], env, { cwd: project });
  assert.is(follow.exitCode, 64);
  assert.match(String(follow.stderr), /--watch shows the command's output/);
  assert.not.match(String((await sim(['ls', '--json'], env)).stdout), /"type":"simulator"/, 'no simulator was started');
});

test('--watch starts a detached simulator and runs the command in it', async () => {
  watch = execa('node', [SIM_BIN, 'rebuild-and-boot', '--watch', '--json', '--name', NAME, 'simmod', '--', 'sh', '-c', COMMAND], { env, cwd: project, buffer: false, reject: false });
  collectEvents(watch, events);
  await until('the first output', () => output().includes('simmod version 1.0\ntick'), 300_000);
  const ls = await sim(['ls', '--json'], env);
  assert.match(String(ls.stdout), new RegExp(`"name":"${NAME}"`));
});

test('a save rebuilds and restarts the command: the one still running is ended in the guest', async () => {
  await version('2.0-watched');
  await until('the new output', () => output().includes('simmod version 2.0-watched'), 60_000);
  assert.ok(logs().some((m) => /simmod\/version\.h changed: building simmod/.test(m)), logs().join('\n'));
  assert.is(watch?.exitCode, null, 'still watching');
});

test('a save that changes nothing in the prefix leaves the command running', async () => {
  await writeFile(path.join(project, 'simmod/NOTES'), 'not a source of the build\n');
  await until('the no-op build', () => logs().some((m) => /changed nothing in the prefix/.test(m)), 60_000);
  const after = output().length;
  await until('the command to go on ticking', () => output().slice(after).includes('tick'), 20_000);
  assert.is(output().match(/simmod version/g)?.length, 2, 'not started again');
});

test('a broken save is reported with the compiler message; the next good one runs', async () => {
  await writeFile(path.join(project, 'simmod/version.h'), '#define SIMMOD_VERSION sim_watch_undeclared\n');
  const error = await until('the build failure', () => events.find((e) => e.type === 'error'), 60_000);
  assert.is(error.type === 'error' && error.code, 'BUILD_FAILED');
  assert.match(error.type === 'error' ? (error.details ?? []).join('\n') : '', /sim_watch_undeclared/);
  assert.is(watch?.exitCode, null, 'the watch goes on');
  await version('3.0-fixed');
  await until('the fixed output', () => output().includes('simmod version 3.0-fixed'), 60_000);
});

test('Ctrl-C ends the watch (status 0) and the command; the simulator stays', async () => {
  watch!.kill('SIGINT');
  const ended = await watch!;
  assert.is(ended.exitCode, 0);
  const asked = Date.now();
  assert.is(await guestProcessCount(env, NAME, '^[^ ]*sh -c simmod-hello'), 0, 'the command ended with the watch');
  assert.ok(Date.now() - asked < 30_000, 'and the agent took the next request at once');
  const ls = await sim(['ls', '--json'], env);
  assert.match(String(ls.stdout), /"status":"running"/);
});

test.after(async () => {
  watch?.kill('SIGKILL');
  await sim(['stop', NAME, '--timeout', '3'], env ?? {}).catch(() => undefined);
});

test.run();
