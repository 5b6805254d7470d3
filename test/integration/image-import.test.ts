/**
 * Importing as a normal user would: with a PATH that has no sbin directories (sfdisk, debugfs
 * and mke2fs live there), from images whose kernel lacks module files, and into a cache sim may
 * not write.
 */
import { chmod, mkdir, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { listImages } from '../../src/index.js';
import { buildFixtureImage, fixtureSkipReason, type FixtureImage } from '../helpers/fixture-image.js';
import { freshEnv, parseEvents, SIM_BIN, sim } from '../helpers/sim.js';

// A normal Debian user's PATH.
const USER_PATH = '/usr/local/bin:/usr/bin:/bin';

let fixture: FixtureImage;
let dir: string;
test.before(async () => {
  const skip = await fixtureSkipReason();
  if (skip) throw new Error(skip);
  fixture = await buildFixtureImage();
  dir = await mkdtemp(path.join(os.tmpdir(), 'sim-import-test-'));
  await chmod(dir, 0o755);
});
test.after(async () => {
  await rm(dir, { recursive: true, force: true });
});

test('sim image add works with a PATH without sbin directories', async () => {
  const env = { ...(await freshEnv()), PATH: USER_PATH };
  const run = await sim(['image', 'add', fixture.disk, '--name', 'plain'], env);
  assert.is(run.exitCode, 0, String(run.stderr));
  const doctor = await sim(['doctor', '--json'], { ...env, SIM_ACCEL: 'tcg' });
  for (const tool of ['sfdisk', 'debugfs', 'mke2fs']) assert.not.match(String(doctor.stdout), new RegExp(`"${tool}[^\\n]*not found`), tool);
});

test('an optional module listed in modules.dep but missing on disk: a warning, and the import goes on', async () => {
  const image = await buildFixtureImage(undefined, { deleteModules: ['virtio_gpu'] });
  const env = { ...(await freshEnv()), PATH: USER_PATH };
  const run = await sim(['image', 'add', image.disk, '--name', 'nogpu', '--json'], env);
  assert.is(run.exitCode, 0, String(run.stdout));
  const warnings = parseEvents(String(run.stdout)).filter((e) => e.type === 'log' && e.level === 'warn');
  assert.ok(warnings.some((e) => e.type === 'log' && /virtio_gpu/.test(e.message) && /lacks its file/.test(e.message)), JSON.stringify(warnings));
  const [meta] = await listImages(env);
  const modules = path.join(env.SIM_CACHE_DIR, 'images', meta!.id, meta!.kernel.modulesDir);
  assert.not.match(await readFile(path.join(modules, 'modules.dep'), 'utf8'), /virtio-gpu|virtio_gpu/);
  assert.match(await readFile(path.join(modules, 'modules.dep'), 'utf8'), /virtio_blk/);
  const files = await readdir(modules, { recursive: true });
  assert.not.ok(files.some((f) => /virtio[-_]gpu/.test(String(f))), 'no virtio_gpu file stored');
  assert.ok(files.some((f) => /virtio_blk/.test(String(f))));
});

test('a required module missing on disk still fails the import clearly', async () => {
  const image = await buildFixtureImage(undefined, { deleteModules: ['virtio_blk'] });
  const env = await freshEnv();
  const run = await sim(['image', 'add', image.disk, '--json'], env);
  assert.is(run.exitCode, 65);
  const error = parseEvents(String(run.stdout)).find((e) => e.type === 'error');
  assert.ok(error && error.type === 'error');
  assert.is(error.code, 'KERNEL_NO_MODULES');
  assert.match(error.message, /virtio_blk/);
  assert.equal(await listImages(env), []);
});

test('a cache sim may not write is a clear error with the command that fixes it, not a crash', async () => {
  const locked = path.join(dir, 'locked');
  await mkdir(locked, { mode: 0o555 });
  await chmod(locked, 0o555);
  const env = { SIM_CACHE_DIR: path.join(locked, 'cache'), SIM_RUNTIME_DIR: path.join(dir, 'run'), PATH: USER_PATH };
  // Root may write anywhere: then ask as an unprivileged user, as the cache's owner would not be.
  const args = ['image', 'add', fixture.disk, '--json'];
  const run = process.getuid?.() === 0
    ? await execa('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, SIM_BIN, ...args], { env, reject: false })
    : await sim(args, env);
  assert.is(run.exitCode, 64, String(run.stdout) + String(run.stderr));
  const error = parseEvents(String(run.stdout)).find((e) => e.type === 'error');
  assert.ok(error && error.type === 'error');
  assert.is(error.code, 'PERMISSION_DENIED');
  assert.match(error.message, new RegExp(`cannot write ${locked}/cache`));
  assert.match(error.hint, /sudo chown -R .+: .*locked\/cache', or set SIM_CACHE_DIR/);
  assert.not.match(String(run.stderr), /\n\s+at /, 'no stack trace');
});

test.run();
