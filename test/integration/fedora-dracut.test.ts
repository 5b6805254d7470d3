/**
 * A Fedora-41–43-like disk whose boot entry names a real dracut initrd (test/helpers/fedora-dracut.ts:
 * Debian 12's packages, ESP + ext4 /boot with the BLS entry and /initramfs-VERSION.img, btrfs
 * with the subvolumes `root` and `home`, no default subvolume, an fstab mounting both) imports
 * — kernel from the entry, modules from the `root` subvolume, the entry's initrd kept as a
 * systemd initrd — and boots with the overlay winning both ways: with its own initrd
 * (`--initrd image`: dracut mounts the subvolume the entry's rootflags name, sim's hook runs
 * before the switch to it) and with sim's initramfs (`--initrd sim`).
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { buildFixturePrefix, FEDORA_LIKE_ROOTFLAGS } from '../helpers/fixture-image.js';
import { buildFedoraDracutImage, type FedoraDracutImage } from '../helpers/fedora-dracut.js';
import { freshEnv, sim, storedImages, type SimEnv } from '../helpers/sim.js';

let fixture: FedoraDracutImage;
let env: SimEnv;
let prefix: string;

// The overlay wins; the root is the subvolume `root`, /home the subvolume `home` (the image's fstab).
const SCRIPT = 'demo-app; sim-hello; for m in / /home; do grep " $m " /proc/mounts | cut -d" " -f3,4; done';
const MOUNTS = /^libdemo version 2\nhello from the overlay\nbtrfs \S*subvol=\/root(,\S*)?\nbtrfs \S*subvol=\/home(,\S*)?$/;

// A test, not test.before: uvu reports a failing before hook as nothing at all.
test('setup: the fixture disk (built once into the fixture cache) and the prefix', async () => {
  const started = Date.now();
  fixture = await buildFedoraDracutImage();
  console.log(`  fixture: ${Date.now() - started} ms`);
  env = await freshEnv();
  prefix = await mkdtemp(path.join(os.tmpdir(), 'sim-prefix-'));
  await buildFixturePrefix(prefix);
});

test("it imports: kernel from the BLS entry on /boot, modules from the btrfs root, the entry's dracut initrd kept", async () => {
  const started = Date.now();
  const add = await sim(['image', 'add', fixture.disk, '--name', 'fedora-dracut'], env);
  console.log(`  import: ${Date.now() - started} ms`);
  assert.is(add.exitCode, 0, String(add.stderr));
  assert.match(String(add.stderr), /boot entry 0123456789abcdef-.* on partition 2/);
  assert.match(String(add.stderr), `kept the image's own initrd ${fixture.initrd} (systemd`);
  const [meta] = await storedImages(env);
  assert.ok(meta);
  assert.equal(meta.root, { partition: 3, offset: meta.root.offset, fstype: 'btrfs', options: FEDORA_LIKE_ROOTFLAGS });
  assert.is(meta.kernel.version, fixture.kernelVersion);
  assert.is(meta.kernel.cmdline, fixture.options);
  assert.is(meta.kernel.initrd?.kind, 'systemd');
  assert.is(meta.kernel.initrd?.source, fixture.initrd);
  assert.is(meta.defaultInitrd ?? 'sim', 'sim');
  assert.is(meta.libdir, 'usr/lib/x86_64-linux-gnu');
});

test("with --initrd image: dracut mounts the subvolume root by the entry's rootflags, sim's hook runs, the overlay wins", async () => {
  const started = Date.now();
  const run = await sim(['boot', '--image', 'fedora-dracut', '--initrd', 'image', '--overlay', prefix, '--', 'sh', '-c', `${SCRIPT}; cat /proc/cmdline`], env);
  console.log(`  boot (--initrd image): ${Date.now() - started} ms`);
  assert.is(run.exitCode, 0, String(run.stderr));
  assert.match(String(run.stderr), `initrd: the image's own (systemd, ${fixture.initrd}) with sim's hook appended`);
  const lines = run.stdout.split('\n');
  assert.match(lines.slice(0, 4).join('\n'), MOUNTS);
  // What the image's initrd found the root by: the entry's root=UUID=... and rootflags=, read-write.
  const words = (lines[4] ?? '').split(' ');
  for (const word of [fixture.options.split(' ')[0]!, `rootflags=${FEDORA_LIKE_ROOTFLAGS}`, 'rw']) assert.ok(words.includes(word), `${word} in ${lines[4]}`);
  assert.not.ok(words.includes('ro'), lines[4]);
});

test("with --initrd sim: sim's initramfs mounts the subvolume root itself, the overlay wins", async () => {
  const started = Date.now();
  const run = await sim(['boot', '--image', 'fedora-dracut', '--initrd', 'sim', '--overlay', prefix, '--', 'sh', '-c', SCRIPT], env);
  console.log(`  boot (--initrd sim): ${Date.now() - started} ms`);
  assert.is(run.exitCode, 0, String(run.stderr));
  assert.match(run.stdout, MOUNTS);
});

test('cleanup', async () => {
  await rm(prefix, { recursive: true, force: true });
  await rm(path.dirname(env.SIM_CACHE_DIR), { recursive: true, force: true });
});

test.run();
