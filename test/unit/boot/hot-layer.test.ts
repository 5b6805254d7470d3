import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { MAPPED } from '../../../src/boot/mapped-paths.js';
import { prefixHotDirs } from '../../../src/boot/hot-dirs.js';
import { planBoot, servesHost, settlesPrefix, type BootRequest } from '../../../src/boot/plan.js';
import { fakeImage } from '../../helpers/image-meta.js';
import { renderGuestConfig } from '../../../src/initramfs/guest-config.js';

test("the guest copies into its hot layer exactly the files the host's refresh names when they change", async () => {
  // A copy the refresh is not told about could go stale: the two patterns must be one.
  const script = await readFile(path.join(import.meta.dirname, '../../../guest/lib/prefetch.sh'), 'utf8');
  const guest = /^PREFETCH_MAPPED='([^']*)'$/m.exec(script)?.[1];
  assert.is(guest, MAPPED.source.replaceAll('\\/', '/').replaceAll('\\d', '[0-9]'));
});

test("usr/ settled: every merge-mode boot with a prefix, but for an uncached share (a copy would not show a file replaced behind sim's back)", () => {
  assert.ok(settlesPrefix({ overlay: '/p' }));
  assert.ok(settlesPrefix({ overlay: '/p', overlayMode: 'merge', overlayCache: 'loose' }));
  assert.not.ok(settlesPrefix({ overlay: '/p', overlayCache: 'none' }));
  assert.not.ok(settlesPrefix({ overlay: '/p', overlayMode: 'path' }));
  assert.not.ok(settlesPrefix({}));
});

test("a command boot's plan hands the guest the prefix's directories of programs and libraries, to settle; not with an uncached share", () => {
  const image = fakeImage({ names: ['deb'], source: { kind: 'file', path: '/src/deb.qcow2', format: 'qcow2' }, root: { partition: 1, offset: 1048576, fstype: 'ext4' } });
  const request: BootRequest = { overlay: '/p', command: ['true'], mode: 'init', memoryMiB: 1024, cpus: 2, kernelArgs: [], interactive: false, fastKernel: true, hotDirs: ['usr/bin'] };
  const plan = (extra: Partial<BootRequest>) => planBoot({ request: { ...request, ...extra }, image, imageDir: '/i', accel: 'tcg', sessionDir: '/s' });
  assert.equal(plan({}).guest.hotDirs, ['usr/bin']);
  assert.is(plan({ overlayCache: 'none' }).guest.hotDirs, undefined);
  assert.is(plan({ overlayMode: 'path' }).guest.hotDirs, undefined);
});

test('the guest serves the host when detached or at the console, not while it runs a command', () => {
  assert.ok(servesHost({ detached: true }));
  assert.ok(servesHost({ interactive: true }));
  assert.ok(servesHost({ interactive: true, command: [] }));
  assert.not.ok(servesHost({ interactive: false, command: ['uname'] }));
  assert.not.ok(servesHost({ interactive: true, command: ['uname'] }));
});

test("the prefix's directories of programs and libraries, links included; not headers, data, sim's record or unsayable names", async () => {
  const prefix = await mkdtemp(path.join(os.tmpdir(), 'sim-hot-'));
  try {
    const files = ['usr/bin/app', 'usr/lib/x86_64-linux-gnu/libapp.so.1.0', 'usr/lib/x86_64-linux-gnu/girepository-1.0/App-1.typelib', 'usr/share/app/app.gresource', 'usr/share/app/style.css', 'usr/include/app.h', 'usr/share/doc/x/lib.so', '.sim/record/x.so', 'usr/lib/odd dir/libx.so', 'usr/share/gdb/auto-load/libapp.so.1.0-gdb.py'];
    for (const file of files) {
      await mkdir(path.dirname(path.join(prefix, file)), { recursive: true });
      await writeFile(path.join(prefix, file), '');
    }
    await mkdir(path.join(prefix, 'usr/libexec'), { recursive: true });
    await symlink('../bin/app', path.join(prefix, 'usr/libexec/app-helper'));
    assert.equal(await prefixHotDirs(prefix), ['usr/bin', 'usr/lib/x86_64-linux-gnu', 'usr/lib/x86_64-linux-gnu/girepository-1.0', 'usr/libexec', 'usr/share/app']);
  } finally {
    await rm(prefix, { recursive: true, force: true });
  }
});

test('the guest config carries them as SIM_HOT_DIRS, only when there are some', () => {
  const base = { rootDevice: '/dev/vda1', fstype: 'ext4', libdirs: [], bindirs: [], cacheMode: 'loose' as const, mode: 'init' as const, autologin: true };
  assert.match(renderGuestConfig({ ...base, hotDirs: ['usr/bin', 'usr/lib'] }), /^SIM_HOT_DIRS='usr\/bin usr\/lib'$/m);
  assert.not.match(renderGuestConfig({ ...base, hotDirs: [] }), /SIM_HOT_DIRS/);
});

test.run();
