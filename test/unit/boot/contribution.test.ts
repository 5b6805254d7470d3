// Combining what capabilities add to a boot: order kept, one request per module, conflicts named.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { combine, lostModuleWarnings, type BootContribution } from '../../../src/boot/contribution.js';
import { reimportAdvice } from '../../../src/images/meta.js';
import { SimError } from '../../../src/core/errors.js';

const lost = (text: string) => ({ lost: text });

test('nothing to combine: empty lists, no firmware, no summary', () => {
  assert.equal(combine([]), { initramfsModules: [], kernelArgs: [], qemuSettings: {}, qemuArgs: [], guestConfig: {}, lines: [], details: {} });
  assert.equal(combine([{ name: 'quiet' }]), combine([]));
});

test('lists concatenate in contribution order; summaries become lines and a field per name', () => {
  const a: BootContribution = { name: 'display', kernelArgs: ['console=tty0'], qemuArgs: ['-device', 'virtio-vga'], summary: { line: 'display: x', detail: { backend: 'none' } } };
  const b: BootContribution = { name: 'overlay', kernelArgs: ['sim.mode=merge'], qemuArgs: ['-device', 'other'], summary: { line: 'overlay: merge', detail: { mode: 'merge' } } };
  const c = combine([a, b]);
  assert.equal(c.kernelArgs, ['console=tty0', 'sim.mode=merge']);
  assert.equal(c.qemuArgs, ['-device', 'virtio-vga', '-device', 'other']);
  assert.equal(c.lines, ['display: x', 'overlay: merge']);
  assert.equal(c.details, { display: { backend: 'none' }, overlay: { mode: 'merge' } });
  assert.equal(combine([b, a]).kernelArgs, ['sim.mode=merge', 'console=tty0']);
});

test('modules: one request per name (- and _ alike), first position, required wins over optional', () => {
  const c = combine([
    { name: 'a', initramfsModules: [{ name: 'virtio_gpu', optional: lost('text mode') }, { name: 'overlay', optional: lost('no merge') }] },
    { name: 'b', initramfsModules: [{ name: 'virtio-gpu', optional: lost('other words') }, { name: 'overlay' }, { name: 'erofs' }] },
  ]);
  assert.equal(c.initramfsModules, [{ name: 'virtio_gpu', optional: lost('text mode') }, { name: 'overlay' }, { name: 'erofs' }]);
});

test('one-value entries: equal values merge, different ones are a USAGE error naming both', () => {
  const same = combine([{ name: 'a', qemuSettings: { display: 'none' }, firmware: 'seabios', guestConfig: { SIM_X: '1' } }, { name: 'b', qemuSettings: { display: 'none' }, firmware: 'seabios', guestConfig: { SIM_X: '1' } }]);
  assert.equal(same.qemuSettings, { display: 'none' });
  assert.is(same.firmware, 'seabios');
  assert.equal(same.guestConfig, { SIM_X: '1' });
  const clashes: [BootContribution, BootContribution, RegExp][] = [
    [{ name: 'display', qemuSettings: { display: 'gtk' } }, { name: 'snapshot', qemuSettings: { display: 'none' } }, /display and the snapshot want different QEMU -display settings \(gtk and none\)/],
    [{ name: 'display', firmware: 'seabios' }, { name: 'strategy', firmware: 'qboot' }, /display and the strategy want different firmware \(seabios and qboot\)/],
    [{ name: 'overlay', guestConfig: { SIM_MODE: 'a' } }, { name: 'strategy', guestConfig: { SIM_MODE: 'b' } }, /overlay and the strategy want different values of SIM_MODE/],
  ];
  for (const [first, second, message] of clashes) {
    try {
      combine([first, second]);
      assert.unreachable('combined a conflict');
    } catch (error) {
      assert.instance(error, SimError);
      assert.is((error as SimError).code, 'USAGE');
      assert.match((error as SimError).message, message);
    }
  }
});

test('firmware: absent unless a contribution needs one', () => {
  assert.is(combine([{ name: 'a' }, { name: 'b', firmware: 'seabios' }]).firmware, 'seabios');
  assert.not.ok('firmware' in combine([{ name: 'a' }]));
});

test('two contributions with one name are a programming error', () => {
  assert.throws(() => combine([{ name: 'display' }, { name: 'display' }]), /two boot contributions are named display/);
});

test('combining does not let a caller change a contribution through the result', () => {
  const modules = [{ name: 'virtio_gpu', optional: lost('text mode') }];
  const c = combine([{ name: 'a', initramfsModules: modules }, { name: 'b', initramfsModules: [{ name: 'virtio_gpu' }] }]);
  assert.equal(c.initramfsModules, [{ name: 'virtio_gpu' }]);
  assert.equal(modules, [{ name: 'virtio_gpu', optional: lost('text mode') }]);
});

test('warnings for optional modules the kernel lacks: one per consequence', () => {
  const requests = [{ name: 'virtio_gpu', optional: lost('the screen may stay in text mode') }, { name: 'overlay', optional: lost('merge mode is off') }];
  assert.equal(lostModuleWarnings([], requests), []);
  assert.equal(lostModuleWarnings(['virtio_gpu'], requests), ["the image's stored kernel has no virtio_gpu: the screen may stay in text mode (import the image again to keep these modules)"]);
  assert.equal(lostModuleWarnings(['virtio_gpu', 'overlay'], requests).length, 2);
});


test('the lost-module warning tells how to get the image again, by where it came from', () => {
  const requests = [{ name: 'overlay', optional: { lost: 'merge mode falls back to path mode' } }];
  const recipe = reimportAdvice({ id: 'a'.repeat(64), names: ['debian'], source: { kind: 'recipe', path: '/pkg/images/debian.json', format: 'qcow2' } }, '/pkg/images');
  assert.is(recipe, 'rebuild the image: sim image build debian --force');
  assert.equal(lostModuleWarnings(['overlay'], requests, recipe), ["the image's stored kernel has no overlay: merge mode falls back to path mode (to keep these modules, rebuild the image: sim image build debian --force)"]);
  const own = reimportAdvice({ id: 'a'.repeat(64), names: ['mine'], source: { kind: 'recipe', path: '/home/u/os.json', format: 'qcow2' } }, '/pkg/images');
  assert.is(own, 'rebuild the image: sim image build /home/u/os.json --name mine --force');
  const file = reimportAdvice({ id: 'b'.repeat(64), names: ['fedora'], source: { kind: 'file', path: '/data/f.qcow2', format: 'qcow2' } }, '/pkg/images');
  assert.is(file, 'import the image again: sim image rm fedora, then sim image add /data/f.qcow2 --name fedora');
});

test.run();
