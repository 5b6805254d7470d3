import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { ImageMeta } from '../../src/config.js';
import { planBoot, type BootRequest } from '../../src/plan.js';
import { qemuArgs } from '../../src/qemu/args.js';

const image: ImageMeta = {
  schema: 1,
  id: 'a'.repeat(64),
  names: ['demo'],
  source: { kind: 'file', path: '/src/demo.qcow2', format: 'qcow2' },
  disk: { file: 'disk.qcow2', format: 'qcow2', sha256: 'b'.repeat(64), bytes: 1, mtimeMs: 1, virtualSize: 1 },
  root: { partition: 2, offset: 2097152, fstype: 'ext4' },
  kernel: { version: '6.1.0-1-amd64', file: 'kernel/vmlinuz', vmlinux: 'kernel/vmlinux', modulesDir: 'kernel/modules' },
  libdir: 'usr/lib/x86_64-linux-gnu',
  addedAt: '2026-01-01T00:00:00.000Z',
};

const request: BootRequest = {
  overlay: '/home/dev/prefix,1',
  command: ['demo-app'],
  mode: 'init',
  memoryMiB: 1024,
  cpus: 2,
  kernelArgs: ['loglevel=3'],
  interactive: false,
  fastKernel: true,
};

test('command boot under TCG, to the byte', () => {
  const plan = planBoot({ request, image, imageDir: '/c/images/aaa', accel: 'tcg', sessionDir: '/r/s' });
  assert.equal(qemuArgs(plan), [
    '-nodefaults', '-no-user-config', '-name', 'sim', '-machine', 'q35', '-accel', 'tcg', '-cpu', 'max', '-smp', '2', '-m', '1024M',
    '-display', 'none', '-no-reboot',
    '-kernel', '/c/images/aaa/kernel/vmlinux',
    '-initrd', '/r/s/initrd.cpio',
    '-append', 'console=ttyS0 panic=-1 oops=panic quiet loglevel=3',
    '-drive', 'file=/r/s/disk.qcow2,if=none,id=root,format=qcow2,cache=unsafe,discard=unmap',
    '-device', 'virtio-blk-pci,drive=root',
    '-virtfs', 'local,path=/home/dev/prefix,,1,mount_tag=simoverlay,security_model=none,readonly=on,multidevs=remap',
    '-device', 'virtio-serial-pci,id=simserial',
    '-chardev', 'socket,id=sim-ctl,path=/r/s/ctl.sock', '-device', 'virtserialport,bus=simserial.0,chardev=sim-ctl,name=sim.ctl',
    '-chardev', 'socket,id=sim-out,path=/r/s/out.sock', '-device', 'virtserialport,bus=simserial.0,chardev=sim-out,name=sim.out',
    '-chardev', 'socket,id=sim-err,path=/r/s/err.sock', '-device', 'virtserialport,bus=simserial.0,chardev=sim-err,name=sim.err',
    '-chardev', 'socket,id=console,path=/r/s/con.sock', '-serial', 'chardev:console',
    '-qmp', 'unix:/r/s/qmp.sock,server=on,wait=off',
  ]);
  assert.is(plan.guest.rootDevice, '/dev/vda2');
});

test('interactive KVM boot: host CPU, console on stdio, no overlay, compressed kernel when asked', () => {
  const plan = planBoot({ request: { ...request, overlay: undefined, command: undefined, interactive: true, fastKernel: false }, image, imageDir: '/i', accel: 'kvm', sessionDir: '/s' });
  const args = qemuArgs(plan);
  assert.equal(args.slice(6, 10), ['-accel', 'kvm', '-cpu', 'host']);
  assert.ok(args.includes('/i/kernel/vmlinuz'));
  assert.not.ok(args.includes('-virtfs'));
  assert.not.ok(args.join(' ').includes('quiet'));
  assert.equal(args.slice(args.indexOf('-serial') - 2, args.indexOf('-serial') + 4), ['-chardev', 'stdio,id=console,mux=on,signal=off', '-serial', 'chardev:console', '-mon', 'chardev=console,mode=readline']);
  assert.is(plan.guest.overlayTag, undefined);
});

test('a bare filesystem image is /dev/vda', () => {
  const plan = planBoot({ request, image: { ...image, root: { partition: null, offset: 0, fstype: 'ext4' } }, imageDir: '/i', accel: 'tcg', sessionDir: '/s' });
  assert.is(plan.guest.rootDevice, '/dev/vda');
});

test('kernel arguments that could smuggle words are refused', () => {
  assert.throws(() => planBoot({ request: { ...request, kernelArgs: ['init=/bin/sh rw'] }, image, imageDir: '/i', accel: 'tcg', sessionDir: '/s' }), /kernel argument/);
});

test('direct mode needs a command', () => {
  assert.throws(() => planBoot({ request: { ...request, mode: 'direct', command: undefined }, image, imageDir: '/i', accel: 'tcg', sessionDir: '/s' }), /needs a command/);
});

test.run();
