// What a display adds to a boot, per choice; and its kernel modules ride along softly: a kernel
// without them still boots.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { displayContribution, displayModules } from '../../../src/display/contribution.js';
import { sessionDisplay, type DisplayChoice } from '../../../src/display/options.js';
import { parseModuleIndex, resolveModules } from '../../../src/initramfs/modules.js';

const dep = `
kernel/fs/ext4/ext4.ko:
kernel/drivers/gpu/drm/drm.ko:
kernel/drivers/gpu/drm/drm_kms_helper.ko: kernel/drivers/gpu/drm/drm.ko
kernel/drivers/gpu/drm/drm_shmem_helper.ko: kernel/drivers/gpu/drm/drm.ko
kernel/drivers/virtio/virtio_dma_buf.ko:
kernel/drivers/gpu/drm/virtio/virtio-gpu.ko: kernel/drivers/gpu/drm/drm_kms_helper.ko kernel/drivers/gpu/drm/drm.ko kernel/drivers/gpu/drm/drm_shmem_helper.ko kernel/drivers/virtio/virtio_dma_buf.ko
`;

test('virtio_gpu and what it needs load after the required modules, all soft', () => {
  const { load, missing, unavailable } = resolveModules(parseModuleIndex({ dep }), ['ext4'], displayModules);
  assert.equal(missing, []);
  assert.equal(unavailable, []);
  assert.equal(load.map((m) => m.name), ['ext4', 'drm', 'drm_kms_helper', 'drm_shmem_helper', 'virtio_dma_buf', 'virtio_gpu']);
  assert.equal(load.filter((m) => m.soft).map((m) => m.name), ['drm', 'drm_kms_helper', 'drm_shmem_helper', 'virtio_dma_buf', 'virtio_gpu']);
});

test('a kernel without virtio_gpu: reported as unavailable, not missing', () => {
  const { load, missing, unavailable } = resolveModules(parseModuleIndex({ dep: 'kernel/fs/ext4/ext4.ko:\n' }), ['ext4'], displayModules);
  assert.equal(load.map((m) => m.name), ['ext4']);
  assert.equal(missing, []);
  assert.equal(unavailable, ['virtio_gpu']);
});

test('virtio_gpu built in: nothing to load, nothing unavailable', () => {
  const { load, unavailable } = resolveModules(parseModuleIndex({ dep: 'kernel/fs/ext4/ext4.ko:\n', builtin: 'kernel/drivers/gpu/drm/virtio/virtio-gpu.ko\n' }), ['ext4'], displayModules);
  assert.equal(load.map((m) => m.name), ['ext4']);
  assert.equal(unavailable, []);
});

// --- the contribution per choice ------------------------------------------------------------

const choice = (backend: DisplayChoice['backend'], extra: Partial<DisplayChoice> = {}): DisplayChoice => ({ backend, resolution: { width: 1280, height: 800 }, gl: false, ...extra });
const of = (c: DisplayChoice | undefined, dir = '/r/s') => displayContribution(sessionDisplay(c, dir));
const usb = ['-device', 'qemu-xhci,id=simusb', '-device', 'usb-tablet,bus=simusb.0', '-device', 'usb-kbd,bus=simusb.0'];
const gpu = [{ name: 'virtio_gpu', optional: { lost: 'the screen may stay in text mode' } }];

test('headless (no choice): no window and nothing else, so the fast firmware stays', () => {
  assert.equal(of(undefined), { name: 'display', qemuSettings: { display: 'none' } });
});

test('none: a virtual screen, no window; everything a screen needs, to the byte', () => {
  assert.equal(of(choice('none')), {
    name: 'display',
    initramfsModules: gpu,
    kernelArgs: ['console=tty0'],
    qemuSettings: { display: 'none' },
    qemuArgs: ['-device', 'virtio-vga,xres=1280,yres=800', ...usb],
    firmware: 'seabios',
    summary: {
      line: 'display: virtual screen 1280x800, no window (sim screenshot takes pictures)',
      detail: { backend: 'none', resolution: '1280x800', device: 'virtio-vga' },
    },
  });
});

test('resolution: the VGA device and the summary follow it', () => {
  const c = of(choice('none', { resolution: { width: 1920, height: 1080 } }));
  assert.equal(c.qemuArgs?.slice(0, 2), ['-device', 'virtio-vga,xres=1920,yres=1080']);
  assert.equal(c.summary?.detail.resolution, '1920x1080');
  assert.match(c.summary?.line ?? '', /1920x1080/);
});

test('gtk and sdl: a window; GL where the plan says so', () => {
  const gtk = of(choice('gtk'));
  assert.equal(gtk.qemuSettings, { display: 'gtk' });
  assert.equal(gtk.qemuArgs, ['-device', 'virtio-vga,xres=1280,yres=800', ...usb]);
  assert.is(gtk.summary?.line, 'display: gtk window, 1280x800');
  const sdl = of(choice('sdl', { gl: true }));
  assert.equal(sdl.qemuSettings, { display: 'sdl,gl=on' });
  assert.equal(sdl.qemuArgs?.slice(0, 2), ['-device', 'virtio-vga-gl,xres=1280,yres=800']);
  assert.is(sdl.summary?.line, 'display: sdl window, 1280x800, GL');
  for (const c of [gtk, sdl]) {
    assert.equal(c.kernelArgs, ['console=tty0']);
    assert.is(c.firmware, 'seabios');
    assert.equal(c.initramfsModules, gpu);
  }
});

test('vnc: no window, a private unix socket in the session directory (commas escaped), or loopback TCP', () => {
  const unix = of(choice('vnc', { vnc: { kind: 'unix' } }), '/r/a,b');
  assert.equal(unix.qemuSettings, { display: 'none' });
  assert.equal(unix.qemuArgs?.slice(-2), ['-vnc', 'unix:/r/a,,b/vnc.sock']);
  assert.equal(unix.summary?.detail, { backend: 'vnc', resolution: '1280x800', device: 'virtio-vga', vnc: { socket: '/r/a,b/vnc.sock' }, uri: 'vnc+unix:///r/a,b/vnc.sock' });
  assert.is(unix.summary?.line, 'display: vnc 1280x800, connect a viewer to vnc+unix:///r/a,b/vnc.sock');
  assert.equal(of(choice('vnc', { vnc: { kind: 'tcp', host: '::1', port: 5910 } })).qemuArgs?.slice(-2), ['-vnc', '[::1]:10']);
});

test('spice: a private socket and the agent channel on sim\'s serial bus', () => {
  const c = of(choice('spice'), '/s');
  assert.equal(c.qemuArgs?.slice(usb.length + 2), [
    '-spice', 'unix=on,addr=/s/spice.sock,disable-ticketing=on',
    '-chardev', 'spicevmc,id=vdagent,name=vdagent', '-device', 'virtserialport,bus=simserial.0,chardev=vdagent,name=com.redhat.spice.0',
  ]);
  assert.equal(c.summary?.detail.spice, { socket: '/s/spice.sock' });
});

test.run();
