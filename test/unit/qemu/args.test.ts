import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { checkBootValues, planBoot, type BootRequest } from '../../../src/boot/plan.js';
import { qemuArgs } from '../../../src/qemu/args.js';
import { fakeImage } from '../../helpers/image-meta.js';

const image = fakeImage({ kernel: { version: '6.1.0-1-amd64', file: 'kernel/vmlinuz', vmlinux: 'kernel/vmlinux', modulesDir: 'kernel/modules' } });

const request: BootRequest = {
  overlay: '/home/dev/prefix,1',
  command: ['demo-app'],
  mode: 'init',
  memoryMiB: 1024,
  cpus: 2,
  kernelArgs: ['loglevel=3'],
  interactive: false,
  fastKernel: true,
  bios: '/usr/share/qemu/qboot.rom',
};

test('command boot under TCG, to the byte', () => {
  const plan = planBoot({ request, image, imageDir: '/c/images/aaa', accel: 'tcg', sessionDir: '/r/s' });
  assert.equal(qemuArgs(plan), [
    '-nodefaults', '-no-user-config', '-name', 'sim', '-machine', 'q35', '-accel', 'tcg', '-cpu', 'max,avx2=off', '-smp', '2', '-m', '1024M',
    '-bios', '/usr/share/qemu/qboot.rom',
    '-display', 'none', '-no-reboot',
    '-kernel', '/c/images/aaa/kernel/vmlinux',
    '-initrd', '/r/s/initrd.cpio',
    '-append', 'console=ttyS0 panic=-1 oops=panic cryptomgr.notests no_timer_check quiet loglevel=3',
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
  // At the console the guest serves the host (sim build's refreshes): its command port.
  assert.ok(plan.guest.serve);
  assert.ok(args.join(' ').includes('socket,id=sim-cmd,path=/s/cmd.sock'));
});

test('a boot that runs a command has no command port: its output holds sim.out and sim.err', () => {
  for (const interactive of [false, true]) {
    const plan = planBoot({ request: { ...request, interactive }, image, imageDir: '/i', accel: 'tcg', sessionDir: '/s' });
    assert.not.ok(plan.guest.serve);
    assert.not.ok(qemuArgs(plan).join(' ').includes('sim.cmd'));
  }
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

// --- displays -------------------------------------------------------------------------------

const screen = (backend: 'gtk' | 'sdl' | 'vnc' | 'spice' | 'none', extra: Partial<import('../../../src/display/options.js').DisplayChoice> = {}) => ({
  backend,
  resolution: { width: 1024, height: 768 },
  gl: false,
  ...extra,
});
const usb = ['-device', 'qemu-xhci,id=simusb', '-device', 'usb-tablet,bus=simusb.0', '-device', 'usb-kbd,bus=simusb.0'];

test('detached simulator with a virtual screen and no window, to the byte', () => {
  const plan = planBoot({
    request: { ...request, overlay: undefined, command: undefined, detached: true, display: screen('none') },
    image, imageDir: '/c/images/aaa', accel: 'tcg', sessionDir: '/r/sims/demo',
  });
  assert.equal(qemuArgs(plan), [
    '-nodefaults', '-no-user-config', '-name', 'sim', '-machine', 'q35', '-accel', 'tcg', '-cpu', 'max,avx2=off', '-smp', '2', '-m', '1024M',
    '-display', 'none',
    '-kernel', '/c/images/aaa/kernel/vmlinux',
    '-initrd', '/r/sims/demo/initrd.cpio',
    '-append', 'console=tty0 console=ttyS0 panic=-1 oops=panic cryptomgr.notests no_timer_check quiet loglevel=3',
    '-drive', 'file=/r/sims/demo/disk.qcow2,if=none,id=root,format=qcow2,cache=unsafe,discard=unmap',
    '-device', 'virtio-blk-pci,drive=root',
    '-device', 'virtio-serial-pci,id=simserial',
    '-chardev', 'socket,id=sim-ctl,path=/r/sims/demo/ctl.sock', '-device', 'virtserialport,bus=simserial.0,chardev=sim-ctl,name=sim.ctl',
    '-chardev', 'socket,id=sim-out,path=/r/sims/demo/out.sock', '-device', 'virtserialport,bus=simserial.0,chardev=sim-out,name=sim.out',
    '-chardev', 'socket,id=sim-err,path=/r/sims/demo/err.sock', '-device', 'virtserialport,bus=simserial.0,chardev=sim-err,name=sim.err',
    '-chardev', 'socket,id=sim-cmd,path=/r/sims/demo/cmd.sock', '-device', 'virtserialport,bus=simserial.0,chardev=sim-cmd,name=sim.cmd',
    '-chardev', 'socket,id=console,path=/r/sims/demo/con.sock', '-serial', 'chardev:console',
    '-device', 'virtio-vga,xres=1024,yres=768',
    ...usb,
    '-qmp', 'unix:/r/sims/demo/qmp.sock,server=on,wait=off',
  ]);
  assert.equal(plan.display, { backend: 'none', resolution: { width: 1024, height: 768 }, gl: false });
  assert.is(plan.bios, undefined, 'qboot runs no VGA BIOS: a boot with a screen keeps SeaBIOS');
});

test('gtk window: -display gtk, the serial console stays on the terminal, ttyS0 stays /dev/console', () => {
  const plan = planBoot({ request: { ...request, command: undefined, interactive: true, display: screen('gtk') }, image, imageDir: '/i', accel: 'tcg', sessionDir: '/s' });
  const args = qemuArgs(plan);
  assert.equal(args.slice(args.indexOf('-display'), args.indexOf('-display') + 2), ['-display', 'gtk']);
  assert.is(plan.append.indexOf('console=tty0'), 0);
  assert.is(plan.append.indexOf('console=ttyS0'), 1);
  assert.ok(args.includes('stdio,id=console,mux=on,signal=off'));
  assert.equal(args.slice(args.indexOf('-qmp') - 8, args.indexOf('-qmp')), ['-device', 'virtio-vga,xres=1024,yres=768', ...usb]);
});

test('GL where the host can: virtio-vga-gl and gl=on on the window', () => {
  const plan = planBoot({ request: { ...request, display: screen('sdl', { gl: true, resolution: { width: 1920, height: 1080 } }) }, image, imageDir: '/i', accel: 'kvm', sessionDir: '/s' });
  const args = qemuArgs(plan);
  assert.ok(args.join(' ').includes('-display sdl,gl=on'));
  assert.ok(args.includes('virtio-vga-gl,xres=1920,yres=1080'));
});

test('VNC on a private unix socket in the session directory (commas escaped)', () => {
  const plan = planBoot({ request: { ...request, display: screen('vnc', { vnc: { kind: 'unix' } }) }, image, imageDir: '/i', accel: 'tcg', sessionDir: '/r/a,b' });
  const args = qemuArgs(plan);
  assert.equal(plan.display?.vnc, { socket: '/r/a,b/vnc.sock' });
  assert.equal(args.slice(args.indexOf('-display'), args.indexOf('-display') + 2), ['-display', 'none']);
  assert.equal(args.slice(args.indexOf('-vnc'), args.indexOf('-vnc') + 2), ['-vnc', 'unix:/r/a,,b/vnc.sock']);
  assert.is(args.indexOf('-vnc'), args.indexOf('-qmp') - 2);
});

test('VNC on loopback TCP: QEMU display number = port - 5900; IPv6 in brackets', () => {
  const v4 = qemuArgs(planBoot({ request: { ...request, display: screen('vnc', { vnc: { kind: 'tcp', host: '127.0.0.1', port: 5901 } }) }, image, imageDir: '/i', accel: 'tcg', sessionDir: '/s' }));
  assert.equal(v4.slice(v4.indexOf('-vnc'), v4.indexOf('-vnc') + 2), ['-vnc', '127.0.0.1:1']);
  const v6 = qemuArgs(planBoot({ request: { ...request, display: screen('vnc', { vnc: { kind: 'tcp', host: '::1', port: 5910 } }) }, image, imageDir: '/i', accel: 'tcg', sessionDir: '/s' }));
  assert.equal(v6.slice(v6.indexOf('-vnc'), v6.indexOf('-vnc') + 2), ['-vnc', '[::1]:10']);
});

test('SPICE on a private unix socket, with the agent channel on the virtio-serial bus', () => {
  const plan = planBoot({ request: { ...request, display: screen('spice') }, image, imageDir: '/i', accel: 'tcg', sessionDir: '/s' });
  const args = qemuArgs(plan);
  assert.equal(args.slice(args.indexOf('-spice'), args.indexOf('-qmp')), [
    '-spice', 'unix=on,addr=/s/spice.sock,disable-ticketing=on',
    '-chardev', 'spicevmc,id=vdagent,name=vdagent', '-device', 'virtserialport,bus=simserial.0,chardev=vdagent,name=com.redhat.spice.0',
  ]);
  assert.equal(plan.display?.spice, { socket: '/s/spice.sock' });
});

test('no display: no graphics device, no USB, no console=tty0', () => {
  const args = qemuArgs(planBoot({ request, image, imageDir: '/i', accel: 'tcg', sessionDir: '/s' }));
  assert.not.ok(args.some((a) => /vga|xhci|usb-/.test(a)));
  assert.not.ok(args.join(' ').includes('console=tty0'));
});

test('the guest caches the prefix (loose) unless the request says none; other values are refused', () => {
  const plan = (overlayCache?: 'loose' | 'none') => planBoot({ request: { ...request, overlayCache }, image, imageDir: '/c/images/aaa', accel: 'tcg', sessionDir: '/r/s' });
  assert.is(plan().guest.cacheMode, 'loose');
  assert.is(plan('none').guest.cacheMode, 'none');
  assert.throws(() => checkBootValues({ overlayCache: 'mmap' }), /overlayCache takes one of loose, none, not mmap/);
});

test.run();
