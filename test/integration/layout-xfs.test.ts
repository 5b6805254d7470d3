/**
 * A disk whose root is xfs, like a RHEL/CentOS cloud image (GPT root type, /boot on the root
 * with a BLS entry): it imports — kernel from the boot entry, the xfs module and what it needs
 * (libcrc32c, crc32c) read with xfs_db — and boots with sim's initramfs mounting the xfs root
 * read-write over the session's overlay disk, with an overlay that wins. So does one with /boot
 * on an xfs partition of its own (RHEL 8/9). An xfs feature the host's xfs_db does not know is
 * refused in one sentence.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { open, mkdtemp, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { buildFixturePrefix, buildXfsLikeImage, type XfsLikeImage } from '../helpers/fixture-image.js';
import { freshEnv, parseEvents, sim, storedImages, type SimEnv } from '../helpers/sim.js';
import { parseXfsDbVersion } from '../../src/images/readers/xfs-db.js';

/** As a user's PATH usually is: without the sbin directories where xfs_db lives. */
const USER_PATH = '/usr/local/bin:/usr/bin:/bin';
const SBIN_PATH = `${process.env.PATH ?? USER_PATH}:/usr/local/sbin:/usr/sbin:/sbin`;

let xfs: XfsLikeImage;
let env: SimEnv;
let prefix: string;
let work: string;

// A test, not test.before: uvu reports a failing before hook as nothing at all.
test('setup: the xfs fixture disk (built once into the fixture cache) and the prefix', async () => {
  const started = Date.now();
  xfs = await buildXfsLikeImage();
  console.log(`  fixture: ${Date.now() - started} ms`);
  env = { ...(await freshEnv()), PATH: USER_PATH };
  prefix = await mkdtemp(path.join(os.tmpdir(), 'sim-prefix-'));
  work = await mkdtemp(path.join(os.tmpdir(), 'sim-xfs-'));
  await buildFixturePrefix(prefix);
});

test('an xfs-rooted disk imports: kernel from the BLS entry in the root\'s /boot, the xfs module and its needs', async () => {
  const started = Date.now();
  const add = await sim(['image', 'add', xfs.disk, '--name', 'xfs-like'], env);
  assert.is(add.exitCode, 0, String(add.stderr));
  console.log(`  import: ${Date.now() - started} ms`);
  assert.match(String(add.stderr), /boot entry 0123456789abcdef-.* on the root's \/boot/);
  const meta = (await storedImages(env)).find((m) => m.names.includes('xfs-like'));
  assert.equal(meta?.root, { partition: 2, offset: meta!.root.offset, fstype: 'xfs' });
  assert.is(meta?.kernel.version, xfs.kernelVersion);
  assert.is(meta?.kernel.cmdline, xfs.options);
  const modules = (await readdir(path.join(env.SIM_CACHE_DIR, 'images', meta!.id, meta!.kernel.modulesDir), { recursive: true })).map(String);
  for (const module of [/\/xfs\.ko$/, /\/libcrc32c\.ko$/, /\/crc32c[-_](generic|intel)\.ko$/]) assert.ok(modules.some((m) => module.test(m)), `${module} in ${modules.join(' ')}`);
});

test("it boots with sim's initramfs mounting the xfs root read-write, and the overlay wins", async () => {
  const started = Date.now();
  const run = await sim(['boot', '--image', 'xfs-like', '--overlay', prefix, '--', 'sh', '-c', 'demo-app; sim-hello; grep " / " /proc/mounts | cut -d" " -f3,4 | cut -d, -f1; ls -ld /tmp | cut -c1-10'], env);
  console.log(`  boot: ${Date.now() - started} ms`);
  assert.is(run.exitCode, 0, String(run.stderr));
  // /tmp's sticky bit, which mkfs.xfs -p cannot write, was set afterwards: the tree came through whole.
  assert.is(run.stdout, 'libdemo version 2\nhello from the overlay\nxfs rw\ndrwxrwxrwt');
});

test('with /boot on an xfs partition of its own (RHEL 8/9): kernel from its BLS entry, modules from the xfs root; it boots', async () => {
  let started = Date.now();
  const image = await buildXfsLikeImage(undefined, { bootPartition: true });
  console.log(`  fixture: ${Date.now() - started} ms`);
  started = Date.now();
  const add = await sim(['image', 'add', image.disk, '--name', 'xfs-boot-like'], env);
  assert.is(add.exitCode, 0, String(add.stderr));
  console.log(`  import: ${Date.now() - started} ms`);
  assert.match(String(add.stderr), /boot entry 0123456789abcdef-.* on partition 2/);
  const meta = (await storedImages(env)).find((m) => m.names.includes('xfs-boot-like'));
  assert.equal(meta?.root, { partition: 3, offset: meta!.root.offset, fstype: 'xfs' });
  assert.is(meta?.kernel.version, image.kernelVersion);
  const run = await sim(['boot', '--image', 'xfs-boot-like', '--overlay', prefix, '--', 'sh', '-c', 'sim-hello; ls /boot'], env);
  assert.is(run.exitCode, 0, String(run.stderr));
  // The root's /boot is an empty mount point: the kernel came from partition 2.
  assert.is(run.stdout, 'hello from the overlay');
});

test('an xfs feature the host\'s xfs_db does not know: one sentence, nothing stored', async () => {
  // A copy of the fixture whose superblock claims parent pointers (xfsprogs 6.10; Debian 12
  // has 6.1), or a feature bit no release knows yet on newer hosts.
  const raw = path.join(work, 'newer.raw');
  await execa('qemu-img', ['convert', '-f', 'qcow2', '-O', 'raw', xfs.disk, raw], { env: { PATH: SBIN_PATH } });
  const table = JSON.parse((await execa('sfdisk', ['--json', raw], { env: { PATH: SBIN_PATH } })).stdout) as { partitiontable: { partitions: { start: number; size: number }[] } };
  const root = table.partitiontable.partitions[1]!;
  const version = parseXfsDbVersion((await execa('xfs_db', ['-V'], { env: { PATH: SBIN_PATH } })).stdout) ?? [6, 1];
  const feature = version[0] < 6 || (version[0] === 6 && version[1] < 10) ? 0x80 : 0x40000000;
  const carved = path.join(work, 'root.xfs');
  await copyRange(raw, root.start * 512, root.size * 512, carved, 0);
  const incompat = Number(/= (0x[0-9a-f]+)/.exec((await execa('xfs_db', ['-r', '-c', 'sb 0', '-c', 'print features_incompat', carved], { env: { PATH: SBIN_PATH } })).stdout)?.[1]);
  await execa('xfs_db', ['-x', '-c', 'sb 0', '-c', `write -d features_incompat 0x${(incompat | feature).toString(16)}`, carved], { env: { PATH: SBIN_PATH } });
  await copyRange(carved, 0, root.size * 512, raw, root.start * 512);

  const own = await freshEnv(env);
  const add = await sim(['image', 'add', raw, '--name', 'newer-xfs', '--json'], { ...own, PATH: USER_PATH });
  assert.is(add.exitCode, 65, String(add.stdout));
  const error = parseEvents(String(add.stdout)).find((e) => e.type === 'error');
  assert.ok(error && error.type === 'error', String(add.stdout));
  assert.is(error.code, 'IMAGE_UNSUPPORTED_FS');
  assert.match(error.message, feature === 0x80 ? /^The xfs filesystem on partition 2 uses features this host's xfs_db \(xfsprogs 6\.\d+\) does not know: parent pointers \(xfsprogs 6\.10\)\.$/ : /does not know: 0x40000000\.$/);
  const human = await sim(['image', 'add', raw], { ...own, PATH: USER_PATH });
  assert.is(human.exitCode, 65);
  assert.not.match(String(human.stderr), /\n\s+at /, 'no stack trace');
  assert.equal(await storedImages(own), []);
});

test('cleanup', async () => {
  await Promise.all([prefix, work].map((dir) => rm(dir, { recursive: true, force: true })));
});

/** Copy `length` bytes at `from` of one file to `to` of another (both exist). */
async function copyRange(source: string, from: number, length: number, dest: string, to: number): Promise<void> {
  const input = await open(source, 'r');
  const output = await open(dest, dest.endsWith('.raw') ? 'r+' : 'w');
  try {
    const buffer = Buffer.alloc(4 * 1024 * 1024);
    for (let done = 0; done < length; ) {
      const { bytesRead } = await input.read(buffer, 0, Math.min(buffer.length, length - done), from + done);
      if (bytesRead === 0) break;
      await output.write(buffer, 0, bytesRead, to + done);
      done += bytesRead;
    }
  } finally {
    await Promise.all([input.close(), output.close()]);
  }
}

test.run();
