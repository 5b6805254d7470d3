// Quick boot's pure parts: who may resume, the key, the save and resume plans and their QEMU
// arguments, the attach line, and what in a prefix forces a cold boot.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { planBoot, type BootRequest } from '../../../src/boot/plan.js';
import { qemuArgs } from '../../../src/qemu/args.js';
import { attachLine, coldPrefixPaths, prefixColdReason, quickBootRefusal, resumePlan, savePlan, snapshotKey, snapshotLabel, snapshotRequest } from '../../../src/snapshots/plan.js';
import { mappedKeys, sonameKey } from '../../../src/snapshots/mapped-files.js';
import { fakeImage } from '../../helpers/image-meta.js';

const image = fakeImage({ kernel: { version: '6.1.0-1-amd64', file: 'kernel/vmlinuz', vmlinux: 'kernel/vmlinux', modulesDir: 'kernel/modules' } });
const request: BootRequest = { overlay: '/home/dev/prefix', command: ['gio', 'version'], mode: 'init', memoryMiB: 1024, cpus: 2, kernelArgs: [], interactive: false, fastKernel: true, overlayMode: 'path' };
const plan = (r: BootRequest, sessionDir = '/r/s') => planBoot({ request: r, image, imageDir: '/c/images/aaa', accel: 'tcg', sessionDir });

test('who boots cold, and why', () => {
  assert.is(quickBootRefusal(request, {}), undefined);
  assert.match(quickBootRefusal(request, { cold: true })!, /--cold/);
  assert.match(quickBootRefusal({ ...request, mode: 'direct' }, {})!, /direct mode/);
  assert.match(quickBootRefusal({ ...request, initrd: 'image' }, {})!, /image's own initrd/);
  assert.match(quickBootRefusal({ ...request, init: '/bin/sh' }, {})!, /--init/);
});

test('the snapshot is booted without the command, the mode or the real prefix; one snapshot serves them all', () => {
  const saving = snapshotRequest(request, '/PREFIX');
  assert.equal([saving.overlay, saving.command, saving.overlayMode], ['/PREFIX', undefined, undefined]);
  // The machine a resume needs is the machine the snapshot has, paths aside.
  assert.equal(qemuArgs(plan(saving)), qemuArgs(plan({ ...request, overlay: '/PREFIX' })));
  assert.equal(qemuArgs(plan(snapshotRequest({ ...request, overlay: undefined }, '/PREFIX'))), qemuArgs(plan(saving)));
  // A console boot's guest serves the host (a command port); one given a command as well does not, nor does its snapshot.
  const atConsole = { ...request, command: undefined, interactive: true };
  assert.equal(qemuArgs(plan(snapshotRequest(atConsole, '/PREFIX'))), qemuArgs(plan({ ...atConsole, overlay: '/PREFIX' })));
  assert.ok(plan(snapshotRequest(atConsole, '/PREFIX')).guest.serve);
  const both = { ...request, interactive: true };
  assert.not.ok(plan(snapshotRequest(both, '/PREFIX')).guest.serve);
  assert.not.ok(plan(both).guest.serve);
});

test('the saving boot: RAM shared into the snapshot, its disk the snapshot, no command, SIM_QUICK=save', () => {
  const saving = savePlan(plan(snapshotRequest(request, '/empty')), '/c/snapshots/k');
  const args = qemuArgs(saving);
  const m = args.indexOf('-m');
  assert.equal(args.slice(m, m + 6), ['-m', '1024M', '-object', 'memory-backend-file,id=sim-ram,size=1024M,mem-path=/c/snapshots/k/ram,share=on', '-machine', 'memory-backend=sim-ram']);
  assert.not.ok(args.includes('-incoming'));
  assert.ok(args.includes('file=/c/snapshots/k/disk.qcow2,if=none,id=root,format=qcow2,cache=unsafe,discard=unmap'));
  assert.is(saving.guest.quick, 'save');
  assert.is(saving.guest.command, undefined);
});

test('a resume: RAM mapped copy-on-write, QEMU waits for the state, the session disk over the snapshot disk', () => {
  const resuming = resumePlan(plan(request), '/c/snapshots/k');
  const args = qemuArgs(resuming);
  assert.ok(args.includes('memory-backend-file,id=sim-ram,size=1024M,mem-path=/c/snapshots/k/ram,share=off'));
  assert.equal(args.slice(args.indexOf('-incoming'), args.indexOf('-incoming') + 2), ['-incoming', 'defer']);
  assert.is(resuming.baseDisk, '/c/snapshots/k/disk.qcow2');
  assert.ok(args.includes('file=/r/s/disk.qcow2,if=none,id=root,format=qcow2,cache=unsafe,discard=unmap'));
});

test('the key changes with every input and only with them', () => {
  const inputs = { image: 'i', initramfs: 'a', argv: ['-m', '1024M'], guestConfig: 'X=1', qemu: '/usr/bin/qemu:1:2', hostCpu: '' };
  const key = snapshotKey(inputs);
  assert.is(snapshotKey({ ...inputs }), key);
  for (const change of [{ image: 'j' }, { initramfs: 'b' }, { argv: ['-m', '2048M'] }, { guestConfig: 'X=2' }, { qemu: '/usr/bin/qemu:1:3' }, { hostCpu: 'EPYC' }]) {
    assert.is.not(snapshotKey({ ...inputs, ...change }), key, JSON.stringify(change));
  }
  assert.match(key, /^[0-9a-f]{24}$/);
  assert.is(snapshotLabel(plan(request)), '1024 MiB, 2 CPUs, tcg, headless, command');
});

test("the attach line: one line of shell with this boot's settings, the clock, the seed, the command and the mapped-file keys", () => {
  const guest = { ...plan(request).guest, command: ['sh', '-c', 'echo a\\b\necho "it\'s"'] };
  const line = attachLine(guest, { nowMs: 1_700_000_000_500, seed: Buffer.alloc(64, 7), restartConsole: false, mappedKeys: ['path /usr/bin/gio', "path /opt/it's/lib.so", 'path /bad\nkey'] });
  assert.ok(line.startsWith(': attach; '));
  assert.ok(line.endsWith('\n'));
  assert.is(line.indexOf('\n'), line.length - 1, 'one line');
  for (const expected of ["SIM_TAG='simoverlay'", "SIM_OVERLAY_MODE='path'", "SIM_QUICK='resumed'", "SIM_NOW='1700000001'", `SIM_SEED='${Buffer.alloc(64, 7).toString('base64')}'`, "SIM_RESTART_CONSOLE='0'"]) assert.ok(line.includes(`; ${expected};`), expected);
  assert.ok(line.includes("; printf '%s\\n' 'path /usr/bin/gio' 'path /opt/it'\\''s/lib.so' > /run/sim/mapped-keys;"), line);
  assert.not.ok(line.includes('/bad'));
  const none = attachLine({ ...plan(request).guest, command: undefined }, { nowMs: 0, seed: Buffer.alloc(64), restartConsole: true, mappedKeys: [] });
  assert.ok(none.includes('; : > /run/sim/mapped-keys'));
  assert.not.ok(none.includes('/run/sim/command'));
});

test('the attach line, run by a shell, writes the command as renderCommand does, newlines and backslashes included', async () => {
  const { execa } = await import('execa');
  const { mkdtemp, readFile } = await import('node:fs/promises');
  const os = await import('node:os');
  const path = await import('node:path');
  const dir = await mkdtemp(path.join(os.tmpdir(), 'sim-attach-'));
  const command = ['sh', '-c', 'echo a\\b\necho "it\'s" $HOME'];
  const line = attachLine({ ...plan(request).guest, command }, { nowMs: 0, seed: Buffer.alloc(64), restartConsole: false, mappedKeys: ['soname libfoo.so.1'] }).replaceAll('/run/sim/', `${dir}/`);
  await execa('sh', ['-c', line]);
  const { renderCommand } = await import('../../../src/initramfs/guest-config.js');
  assert.is(await readFile(path.join(dir, 'command'), 'utf8'), renderCommand(command));
  assert.is(await readFile(path.join(dir, 'mapped-keys'), 'utf8'), 'soname libfoo.so.1\n');
});

test('mapped-file keys: programs at their paths in merge mode, libraries by soname in both, and where each library is', () => {
  assert.is(sonameKey('libglib-2.0.so.0.7400.6'), 'libglib-2.0.so.0');
  assert.is(sonameKey('libfoo.so'), 'libfoo.so');
  assert.is(sonameKey('gio'), undefined);
  const files = ['usr/bin/gio', 'usr/lib/x86_64-linux-gnu/libglib-2.0.so.0.7800.0', 'usr/lib/x86_64-linux-gnu/gio/modules/libdconfsettings.so'];
  const libdirs = ['usr/lib/x86_64-linux-gnu', 'usr/lib'];
  assert.equal(mappedKeys(files, libdirs, 'merge'), ['lib /usr/lib/x86_64-linux-gnu libglib-2.0.so.0', 'path /usr/bin/gio', 'path /usr/lib/x86_64-linux-gnu/gio/modules/libdconfsettings.so', 'path /usr/lib/x86_64-linux-gnu/libglib-2.0.so.0.7800.0', 'soname libglib-2.0.so.0']);
  assert.equal(mappedKeys(files, libdirs, 'path'), ['lib /usr/lib/x86_64-linux-gnu libglib-2.0.so.0', 'soname libglib-2.0.so.0']);
});

test('a prefix that replaces what a running system cannot take over boots cold', () => {
  const candidates = coldPrefixPaths('usr/lib/x86_64-linux-gnu');
  const libc = candidates.find((c) => c.path === 'usr/lib/x86_64-linux-gnu/libc.so.6')!;
  assert.match(prefixColdReason([libc], [])!, /the C library/);
  assert.ok(candidates.some((c) => c.path === 'usr/lib/systemd/systemd'));
  assert.ok(candidates.some((c) => c.path === 'usr/lib/modules'));
  assert.is(prefixColdReason([], []), undefined);
  assert.is(prefixColdReason([], ['dbus-1', 'systemd/system']), undefined);
  assert.match(prefixColdReason([], ['xdg'])!, /\/etc\/xdg/);
  assert.match(prefixColdReason([], ['systemd/logind.conf.d'])!, /\/etc\/systemd\/logind.conf.d/);
});

test.run();
