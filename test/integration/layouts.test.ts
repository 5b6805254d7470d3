/**
 * Disk layouts beyond sim's own: a Fedora-41-like disk (ESP, ext4 /boot with BLS entries, btrfs
 * root in the subvolume `root`, beside `home`, no default subvolume) imports — kernel from the boot entry, modules from the btrfs root, rootflags kept — and so does a
 * Fedora-44-like one (/boot is the btrfs subvolume `boot`, no /boot partition); each
 * boots with sim's initramfs and an overlay that wins; so does an Ubuntu-24.04-like one (kernel
 * on a separate /boot without boot entries, zstd-compressed modules).
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { buildFedoraLikeImage, buildFixturePrefix, buildUbuntuLikeImage, FEDORA_LIKE_ROOTFLAGS, type FedoraLikeImage, type UbuntuLikeImage } from '../helpers/fixture-image.js';
import { freshEnv, sim, type SimEnv } from '../helpers/sim.js';
import { listImages } from '../../src/index.js';

let fedora: FedoraLikeImage;
let fedora44: FedoraLikeImage;
let ubuntu: UbuntuLikeImage;
let env: SimEnv;
let prefix: string;

// A test, not test.before: uvu reports a failing before hook as nothing at all.
test('setup: the fixture disks (built once into the fixture cache) and the prefix', async () => {
  fedora = await buildFedoraLikeImage();
  fedora44 = await buildFedoraLikeImage(undefined, { bootSubvolume: true });
  ubuntu = await buildUbuntuLikeImage();
  env = await freshEnv();
  prefix = await mkdtemp(path.join(os.tmpdir(), 'sim-prefix-'));
  await buildFixturePrefix(prefix);
});

test('a Fedora-like disk imports: kernel from the BLS entry on /boot, modules from the btrfs root', async () => {
  const started = Date.now();
  const add = await sim(['image', 'add', fedora.disk, '--name', 'fedora-like'], env);
  assert.is(add.exitCode, 0, String(add.stderr));
  console.log(`  import: ${Date.now() - started} ms`);
  assert.match(String(add.stderr), /boot entry 0123456789abcdef-.* on partition 2/);
  const [meta] = await listImages(env);
  assert.ok(meta);
  assert.equal(meta.root, { partition: 3, offset: meta.root.offset, fstype: 'btrfs', options: FEDORA_LIKE_ROOTFLAGS });
  assert.is(meta.kernel.version, fedora.kernelVersion);
  assert.is(meta.kernel.cmdline, fedora.options);
  assert.is(meta.libdir, 'usr/lib/x86_64-linux-gnu');
});

test("it boots with sim's initramfs mounting the btrfs subvolume root, and the overlay wins", async () => {
  const started = Date.now();
  const run = await sim(['boot', '--image', 'fedora-like', '--overlay', prefix, '--', 'sh', '-c', 'demo-app; sim-hello; grep " / " /proc/mounts | cut -d" " -f3,4'], env);
  console.log(`  boot: ${Date.now() - started} ms`);
  assert.is(run.exitCode, 0, String(run.stderr));
  // The root is the btrfs subvolume `root`, mounted as the boot entry's rootflags say.
  assert.match(run.stdout, /^libdemo version 2\nhello from the overlay\nbtrfs \S*subvol=\/root\S*$/);
});

test('a Fedora-44-like disk (no /boot partition: /boot is the btrfs subvolume `boot`) imports and boots with the overlay', async () => {
  const add = await sim(['image', 'add', fedora44.disk, '--name', 'fedora44-like'], env);
  assert.is(add.exitCode, 0, String(add.stderr));
  assert.match(String(add.stderr), /boot entry 0123456789abcdef-.* on the btrfs subvolume boot/);
  const meta = (await listImages(env)).find((m) => m.names.includes('fedora44-like'));
  assert.equal(meta?.root, { partition: 2, offset: meta!.root.offset, fstype: 'btrfs', options: FEDORA_LIKE_ROOTFLAGS });
  assert.is(meta?.kernel.version, fedora44.kernelVersion);
  const run = await sim(['boot', '--image', 'fedora44-like', '--overlay', prefix, '--', 'sh', '-c', 'demo-app; sim-hello; ls /boot'], env);
  assert.is(run.exitCode, 0, String(run.stderr));
  // The root subvolume's /boot is an empty mount point: the kernel lives in the `boot` subvolume.
  assert.is(run.stdout, 'libdemo version 2\nhello from the overlay');
});

test('an Ubuntu-like disk (kernel at the top of an XBOOTLDR /boot, .ko.zst modules) imports and boots with the overlay', async () => {
  let started = Date.now();
  const add = await sim(['image', 'add', ubuntu.disk, '--name', 'ubuntu-like'], env);
  assert.is(add.exitCode, 0, String(add.stderr));
  console.log(`  import: ${Date.now() - started} ms`);
  assert.match(String(add.stderr), /vmlinuz-.* on a boot partition/);
  const meta = (await listImages(env)).find((m) => m.names.includes('ubuntu-like'));
  assert.equal(meta?.root, { partition: 3, offset: meta!.root.offset, fstype: 'ext4' });
  started = Date.now();
  // busybox insmod cannot read zstd: the initramfs got the modules decompressed at import.
  const run = await sim(['boot', '--image', 'ubuntu-like', '--overlay', prefix, '--', 'sh', '-c', 'demo-app; sim-hello; ls /usr/lib/modules/*/kernel/fs/ext4'], env);
  console.log(`  boot: ${Date.now() - started} ms`);
  assert.is(run.exitCode, 0, String(run.stderr));
  assert.is(run.stdout, 'libdemo version 2\nhello from the overlay\next4.ko.zst');
});

test.run();
