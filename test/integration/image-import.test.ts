/**
 * Importing as a normal user would: with a PATH that has no sbin directories (sfdisk, debugfs
 * and mke2fs live there), from images whose kernel lacks module files, from layouts sim cannot
 * read (the root in LVM, an encrypted root), and into a cache sim may not write.
 */
import { chmod, mkdir, mkdtemp, open, readdir, readFile, rm, truncate } from 'node:fs/promises';
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

/** A raw GPT disk: 1 ESP, 2 a Linux partition (`second`), 3 `third`; each partition's first bytes written as given. */
async function rawDisk(name: string, parts: { type: string; head?: { at: number; bytes: Buffer }[] }[]): Promise<string> {
  const file = path.join(dir, name);
  await truncate(file, 64 * 2 ** 20).catch(async () => {
    await (await open(file, 'w')).close();
    await truncate(file, 64 * 2 ** 20);
  });
  const table = ['label: gpt', ...parts.map((p, i) => (i === parts.length - 1 ? `,,${p.type}` : `,16M,${p.type}`))].join('\n');
  await execa('sfdisk', ['--quiet', file], { input: `${table}\n`, env: { PATH: `${process.env.PATH}:/usr/sbin:/sbin` } });
  const starts = (JSON.parse((await execa('sfdisk', ['--json', file], { env: { PATH: `${process.env.PATH}:/usr/sbin:/sbin` } })).stdout) as { partitiontable: { partitions: { start: number }[] } }).partitiontable.partitions.map((p) => p.start * 512);
  const handle = await open(file, 'r+');
  try {
    for (const [i, part] of parts.entries()) for (const { at, bytes } of part.head ?? []) await handle.write(bytes, 0, bytes.length, starts[i]! + at);
  } finally {
    await handle.close();
  }
  return file;
}

test('layouts sim cannot read: the root in LVM, an encrypted root — one sentence each, nothing stored', async () => {
  const pvLabel = [{ at: 512, bytes: Buffer.from('LABELONE') }, { at: 512 + 24, bytes: Buffer.from('LVM2 001') }];
  const cases = [
    {
      // RHEL's installer: ESP, a small /boot, the rest an LVM physical volume.
      disk: await rawDisk('rhel-lvm.raw', [{ type: 'U' }, { type: 'L' }, { type: 'E6D6D379-F507-44C2-A23C-238F2A3DF928', head: pvLabel }]),
      code: 'IMAGE_UNSUPPORTED_LAYOUT',
      message: /^rhel-lvm\.raw keeps its root in LVM \(partition 3; layout 1:esp\(unknown\), 2:linux\(unknown\), 3:lvm\(lvm\)\); sim reads filesystems on partitions, not on logical volumes\.$/,
    },
    {
      disk: await rawDisk('luks.raw', [{ type: 'U' }, { type: '4F68BCE3-E8CD-4DB1-96E7-FBCAF984B709', head: [{ at: 0, bytes: Buffer.from('LUKS\xba\xbe', 'latin1') }] }]),
      code: 'IMAGE_UNSUPPORTED_FS',
      message: /^The root filesystem of luks\.raw \(partition 2; layout 1:esp\(unknown\), 2:root\(luks\)\) is encrypted \(LUKS\); sim reads ext2\/3\/4, btrfs and xfs roots\.$/,
    },
  ];
  const env = { ...(await freshEnv()), PATH: USER_PATH };
  for (const { disk, code, message } of cases) {
    const run = await sim(['image', 'add', disk, '--json'], env);
    assert.is(run.exitCode, 65, String(run.stdout) + String(run.stderr));
    const error = parseEvents(String(run.stdout)).find((e) => e.type === 'error');
    assert.ok(error && error.type === 'error', String(run.stdout));
    assert.is(error.code, code);
    assert.match(error.message, message);
    const human = await sim(['image', 'add', disk], env);
    assert.is(human.exitCode, 65);
    assert.not.match(String(human.stderr), /\n\s+at /, 'no stack trace');
  }
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
