// Self-check of the fixture builder: the image holds what the boot tests rely on, the prefix
// holds the overlay files, and the fixture programs behave as described (checked on the host).
import { access, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { buildFixtureImage, buildFixturePrefix, fixtureSkipReason, type FixtureImage } from '../helpers/fixture-image.js';

// uvu 0.5 swallows an exception thrown by a before() hook (the suite reports 0 passed and
// no error), so the expensive setup runs inside the tests, memoized.
let setup: Promise<{ skip?: string; image: FixtureImage; work: string }> | undefined;
let image: FixtureImage;
let work: string;

function prepare() {
  setup ??= (async () => {
    const skip = await fixtureSkipReason(); // throws in CI instead of skipping
    if (skip) console.warn(`skipping fixture-image tests: ${skip}`);
    const built = skip ? ({} as FixtureImage) : await buildFixtureImage();
    return { skip, image: built, work: await mkdtemp(path.join(os.tmpdir(), 'sim-fixture-test-')) };
  })();
  return setup;
}

/** A test that passes vacuously when the fixture tools are missing (outside CI only). */
function it(name: string, fn: () => Promise<void>): void {
  test(name, async () => {
    const ready = await prepare();
    ({ image, work } = ready);
    if (!ready.skip) await fn();
  });
}

test.after(async () => {
  if (work) await rm(work, { recursive: true, force: true });
});

/** debugfs reads a filesystem from a file (at a byte offset) without root or loop devices. */
async function debugfs(fs: string, request: string): Promise<string> {
  const { stdout } = await execa('debugfs', ['-R', request, fs], { env: { PATH: `${process.env.PATH}:/usr/sbin:/sbin` } });
  return stdout;
}

async function assertInFs(fs: string, file: string): Promise<void> {
  const out = await debugfs(fs, `stat ${file}`);
  assert.match(out, /Inode: \d+/, `${file} missing in ${fs}`);
}

/** Root partition of the qcow2, as "raw?offset=N" for debugfs. */
async function rootPartitionOf(qcow2: string): Promise<string> {
  const raw = path.join(work, 'disk.raw');
  await execa('qemu-img', ['convert', '-f', 'qcow2', '-O', 'raw', qcow2, raw]);
  const { stdout } = await execa('sfdisk', ['--json', raw], { env: { PATH: `${process.env.PATH}:/usr/sbin:/sbin` } });
  const parts = JSON.parse(stdout).partitiontable.partitions as { start: number; type: string }[];
  const root = parts.find((p) => p.type.toUpperCase() === '4F68BCE3-E8CD-4DB1-96E7-FBCAF984B709');
  assert.ok(root, 'x86-64 root partition present');
  return `${raw}?offset=${root.start * 512}`;
}

function expectedFiles(): string[] {
  return [
    '/usr/bin/demo-app',
    '/usr/bin/sim-hello',
    `/${image.libdir}/libdemo.so.1`,
    `/${image.libdir}/libc.so.6`,
    '/usr/lib64/ld-linux-x86-64.so.2',
    '/etc/ld.so.cache',
    '/sbin/init',
    `/boot/vmlinuz-${image.kernelVersion}`,
    `/usr/lib/modules/${image.kernelVersion}/modules.dep`,
    `/usr/lib/modules/${image.kernelVersion}/modules.softdep`,
  ];
}

it('disk.qcow2 root partition holds the programs, kernel and modules.dep', async () => {
  const root = await rootPartitionOf(image.disk);
  for (const file of expectedFiles()) await assertInFs(root, file);
});

it('root.ext4 holds the same tree', async () => {
  for (const file of expectedFiles()) await assertInFs(image.ext4, file);
});

it('modules.dep knows ext4 and 9p', async () => {
  const dep = await debugfs(image.ext4, `cat /usr/lib/modules/${image.kernelVersion}/modules.dep`);
  assert.match(dep, /kernel\/fs\/ext4\/ext4\.ko[^:]*:/);
  assert.match(dep, /kernel\/net\/9p\/9pnet_virtio\.ko[^:]*:/);
});

it('a second build is a cache hit and fast', async () => {
  const start = performance.now();
  const again = await buildFixtureImage();
  assert.equal(again, image);
  assert.ok(performance.now() - start < 1000, `warm build took ${performance.now() - start} ms`);
});

it('prefix has libdemo v2 and sim-hello, and no demo-app', async () => {
  const prefix = path.join(work, 'prefix');
  await buildFixturePrefix(prefix);
  await access(path.join(prefix, image.libdir, 'libdemo.so.1'));
  await access(path.join(prefix, 'usr/bin/sim-hello'));
  await access(path.join(prefix, 'usr/bin/demo-app')).then(
    () => assert.unreachable('demo-app must not be in the prefix'),
    () => {},
  );
  const hello = await execa(path.join(prefix, 'usr/bin/sim-hello'));
  assert.is(hello.stdout, 'hello from the overlay');
});

it('image programs pick libdemo by library path: v1 from the image, v2 from the prefix', async () => {
  const fromImage = path.join(work, 'from-image');
  await execa('mkdir', ['-p', fromImage]);
  for (const file of ['/usr/bin/demo-app', '/usr/bin/sim-hello', `/${image.libdir}/libdemo.so.1`]) {
    await debugfs(image.ext4, `dump -p ${file} ${path.join(fromImage, path.basename(file))}`);
  }
  const app = path.join(fromImage, 'demo-app');

  const dynamic = await execa('readelf', ['-d', app]);
  assert.not.match(dynamic.stdout, /RPATH|RUNPATH/, 'demo-app must not carry RPATH/RUNPATH');
  assert.match(dynamic.stdout, /NEEDED.*\[libdemo\.so\.1\]/);

  const v1 = await execa(app, { env: { LD_LIBRARY_PATH: fromImage } });
  assert.is(v1.stdout, 'libdemo version 1');

  const prefix = path.join(work, 'prefix2');
  await buildFixturePrefix(prefix);
  const v2 = await execa(app, { env: { LD_LIBRARY_PATH: path.join(prefix, image.libdir) } });
  assert.is(v2.stdout, 'libdemo version 2');

  const status = await execa(app, ['exit', '7'], { env: { LD_LIBRARY_PATH: fromImage }, reject: false });
  assert.is(status.exitCode, 7);

  const hello = await execa(path.join(fromImage, 'sim-hello'));
  assert.is(hello.stdout, 'hello from the image');
});

test.run();
