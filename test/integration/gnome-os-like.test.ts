/**
 * A GNOME-OS-like disk (test/helpers/gnome-os-like.ts: an ESP with a UKI, an EROFS /usr with a
 * verity partition, no root partition) imports — kernel, command line and initrd from the UKI,
 * modules from the EROFS — and boots with the overlay winning both ways: with the image's own
 * initrd (its default: verity set up by systemd-veritysetup, /usr on /dev/mapper/usr) and with
 * sim's initramfs (`--initrd sim`: the usr partition mounted directly, verity not checked). An
 * EROFS this host's erofs-utils cannot read still imports, with the modules from the UKI's initrd.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtemp, open, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { buildFixturePrefix } from '../helpers/fixture-image.js';
import { buildGnomeOsLikeImage, GNOME_OS_LIKE_UKI, type GnomeOsLikeImage } from '../helpers/gnome-os-like.js';
import { freshEnv, sim, storedImages, type SimEnv } from '../helpers/sim.js';

let fixture: GnomeOsLikeImage;
let env: SimEnv;
let prefix: string;
let scratch: string;

const SCRIPT = 'demo-app; sim-hello; grep " /usr " /proc/mounts | cut -d" " -f1,3; ls /dev/mapper';

// A test, not test.before: uvu reports a failing before hook as nothing at all.
test('setup: the fixture disk (built once into the fixture cache) and the prefix', async () => {
  const started = Date.now();
  fixture = await buildGnomeOsLikeImage();
  console.log(`  fixture: ${Date.now() - started} ms`);
  env = await freshEnv();
  prefix = await mkdtemp(path.join(os.tmpdir(), 'sim-prefix-'));
  scratch = await mkdtemp(path.join(os.tmpdir(), 'sim-gnome-os-like-test-'));
  await buildFixturePrefix(prefix);
});

test('it imports: kernel, command line and initrd from the UKI, modules from the EROFS /usr', async () => {
  const started = Date.now();
  const add = await sim(['image', 'add', fixture.disk, '--name', 'gnomeos-like'], env);
  console.log(`  import: ${Date.now() - started} ms`);
  assert.is(add.exitCode, 0, String(add.stderr));
  assert.match(String(add.stderr), `UKI ${GNOME_OS_LIKE_UKI} on partition 1; root tmpfs, /usr erofs on partition 3`);
  const [meta] = await storedImages(env);
  assert.ok(meta);
  assert.equal(meta.root, { partition: null, offset: 0, fstype: 'tmpfs' });
  assert.equal(meta.usr, { partition: 3, offset: meta.usr!.offset, fstype: 'erofs', verityPartition: 2, modulesFrom: 'usr' });
  assert.is(meta.kernel.version, fixture.kernelVersion);
  assert.is(meta.kernel.cmdline, fixture.cmdline);
  assert.is(meta.kernel.uki, GNOME_OS_LIKE_UKI);
  assert.is(meta.kernel.initrd?.kind, 'systemd');
  assert.is(meta.kernel.initrd?.source, `${GNOME_OS_LIKE_UKI}:.initrd`);
  assert.is(meta.defaultInitrd, 'image');
  assert.is(meta.libdir, 'usr/lib/x86_64-linux-gnu');
});

test("by default it boots with its own initrd: verity set up, /usr on /dev/mapper/usr, the overlay wins", async () => {
  const started = Date.now();
  const run = await sim(['boot', '--image', 'gnomeos-like', '--overlay', prefix, '--', 'sh', '-c', `${SCRIPT}; systemctl is-active systemd-veritysetup@usr.service; ls /etc/os-release`], env);
  console.log(`  boot (--initrd image): ${Date.now() - started} ms`);
  assert.is(run.exitCode, 0, String(run.stderr));
  assert.match(String(run.stderr), /initrd: the image's own \(systemd, .*:\.initrd\) with sim's hook appended/);
  assert.is(run.stdout, 'libdemo version 2\nhello from the overlay\n/dev/mapper/usr erofs\nsim-usr overlay\ncontrol\nusr\nactive\n/etc/os-release');
});

test("with --initrd sim: sim's initramfs mounts the usr partition on a tmpfs root, the overlay wins", async () => {
  const started = Date.now();
  const run = await sim(['boot', '--image', 'gnomeos-like', '--initrd', 'sim', '--overlay', prefix, '--', 'sh', '-c', `${SCRIPT}; grep " / " /proc/mounts | cut -d" " -f3; ls /etc/os-release`], env);
  console.log(`  boot (--initrd sim): ${Date.now() - started} ms`);
  assert.is(run.exitCode, 0, String(run.stderr));
  // No verity device on this path: busybox cannot set one up.
  assert.is(run.stdout, 'libdemo version 2\nhello from the overlay\n/dev/vda3 erofs\nsim-usr overlay\ncontrol\ntmpfs\n/etc/os-release');
});

test("an EROFS this host's erofs-utils cannot read: the modules come from the UKI's initrd", async () => {
  // An incompatible-feature bit erofs-utils 1.5 does not know stands in for zstd, which it cannot read either.
  const raw = path.join(scratch, 'unreadable-usr.raw');
  await execa('qemu-img', ['convert', '-f', 'qcow2', '-O', 'raw', fixture.disk, raw]);
  const [meta] = await storedImages(env);
  const file = await open(raw, 'r+');
  try {
    await file.write(Buffer.from([0, 0, 0, 0x80]), 0, 4, meta!.usr!.offset + 1024 + 0x50);
  } finally {
    await file.close();
  }
  const add = await sim(['image', 'add', raw, '--name', 'gnomeos-unreadable-usr'], env);
  assert.is(add.exitCode, 0, String(add.stderr));
  assert.match(String(add.stderr), /could not be read with this host's erofs-utils .*: the kernel modules come from the UKI's initrd/);
  const stored = (await storedImages(env)).find((m) => m.names.includes('gnomeos-unreadable-usr'));
  assert.is(stored?.usr?.modulesFrom, 'initrd');
  assert.is(stored?.kernel.version, fixture.kernelVersion);
  await rm(raw, { force: true });
});

test('cleanup', async () => {
  await rm(scratch, { recursive: true, force: true });
  await rm(prefix, { recursive: true, force: true });
});

test.run();
