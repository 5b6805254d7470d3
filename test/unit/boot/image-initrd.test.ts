import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { imageInitrdFacts, imageInitrdKernelArgs, initrdContribution } from '../../../src/boot/image-initrd.js';
import { hookEntries, hookUnit, initBottomScript, mergeInitBottomOrder, type HookInputs } from '../../../src/boot/image-initrd-hook.js';
import { planBoot, type BootRequest } from '../../../src/boot/plan.js';
import { initrdChoice } from '../../../src/config/option-values.js';
import { projectFileSchema } from '../../../src/config/project.js';
import { expectSimError } from '../../helpers/sim-error.js';
import { fakeImage } from '../../helpers/image-meta.js';

const ORDER = '/scripts/init-bottom/udev "$@"\n[ -e /conf/param.conf ] && . /conf/param.conf\n';

const image = fakeImage({
  names: ['deb'],
  source: { kind: 'file', path: '/src/deb.qcow2', format: 'qcow2' },
  root: { partition: 1, offset: 1048576, fstype: 'ext4' },
  kernel: {
    version: '6.1.0-1-amd64',
    file: 'kernel/vmlinuz',
    modulesDir: 'kernel/modules',
    initrd: { file: 'kernel/initrd.img', source: '/boot/initrd.img-6.1.0-1-amd64', kind: 'initramfs-tools', compression: ['zstd'], initBottomOrder: ORDER, paths: { scripts: 'directory', 'scripts/init-bottom': 'directory' } },
  },
});

const request: BootRequest = { overlay: '/p', command: ['true'], mode: 'init', memoryMiB: 1024, cpus: 2, kernelArgs: [], interactive: false, fastKernel: true };

const inputs: HookInputs = {
  busybox: Buffer.from('bb'),
  hook: Buffer.from('hook'),
  agent: Buffer.from('agent'),
  attach: Buffer.from('attach'),
  refresh: Buffer.from('refresh'),
  lib: [['log.sh', Buffer.from('log')]],
  modules: [{ file: '0-virtio_console.ko', soft: false, data: Buffer.from('ko') }],
};

test('--initrd takes sim or image; sim.json too', () => {
  assert.is(initrdChoice.parse(' Image '), 'image');
  assert.not.ok(initrdChoice.safeParse('dracut').success);
  assert.is(projectFileSchema.parse({ initrd: 'image', modules: {} }).initrd, 'image');
});

test("sim's own initramfs (the default) adds nothing; the image's adds its root words and rw", () => {
  assert.equal(initrdContribution(undefined, image, { direct: false }), { name: 'initrd' });
  const own = initrdContribution('image', image, { direct: false });
  assert.equal(own.kernelArgs, ['root=/dev/vda1', 'rw']);
  assert.match(own.summary?.line ?? '', /^initrd: the image's own \(initramfs-tools, \/boot\/initrd\.img-6\.1\.0-1-amd64\) with sim's hook appended$/);
  // The plan puts them before sim's console=ttyS0 (and the user's words after).
  const plan = planBoot({ request: { ...request, initrd: 'image', kernelArgs: ['loglevel=3'] }, image, imageDir: '/i', accel: 'tcg', sessionDir: '/s' });
  assert.equal(plan.append.slice(0, 3), ['root=/dev/vda1', 'rw', 'console=ttyS0']);
  assert.is(plan.append.at(-1), 'loglevel=3');
  assert.is(plan.initrd, 'image');
  assert.is(planBoot({ request, image, imageDir: '/i', accel: 'tcg', sessionDir: '/s' }).initrd, 'sim');
});

test("the boot entry's options are the root words (ro and console= dropped), with rw and --init after", () => {
  const fedora = { ...image, root: { ...image.root, partition: 3, fstype: 'btrfs' as const, options: 'subvol=root' }, kernel: { ...image.kernel, cmdline: 'root=UUID=5e3b ro rootflags=subvol=root console=ttyS0,115200n8 rhgb quiet' } };
  assert.equal(imageInitrdKernelArgs(fedora, '/lib/systemd/systemd'), ['root=UUID=5e3b', 'rootflags=subvol=root', 'rhgb', 'quiet', 'rw', 'init=/lib/systemd/systemd']);
  // No entry: the stored root, with its mount options.
  assert.equal(imageInitrdKernelArgs({ ...fedora, kernel: { ...fedora.kernel, cmdline: undefined } }), ['root=/dev/vda3', 'rootflags=subvol=root', 'rw']);
});

test('no stored initrd, one of an unknown kind, or direct mode: a SimError naming --initrd sim', async () => {
  const none = await expectSimError(() => imageInitrdFacts({ ...image, kernel: { ...image.kernel, initrd: undefined } }), 'IMAGE_NO_INITRD');
  assert.match(none.hint ?? '', /--initrd sim/);
  const unknown = await expectSimError(() => imageInitrdFacts({ ...image, kernel: { ...image.kernel, initrd: { ...image.kernel.initrd!, kind: 'unknown', detail: 'it has an /init program' } } }), 'IMAGE_INITRD_UNSUPPORTED');
  assert.match(unknown.message, /it has an \/init program/);
  assert.match(unknown.hint ?? '', /--initrd sim/);
  await expectSimError(() => planBoot({ request: { ...request, initrd: 'image', mode: 'direct' }, image, imageDir: '/i', accel: 'tcg', sessionDir: '/s' }), 'USAGE');
});

test("ORDER keeps the image's scripts and runs sim's last; merging twice changes nothing", () => {
  const merged = mergeInitBottomOrder(ORDER);
  assert.is(merged, `${ORDER}/scripts/init-bottom/sim-overlay "$@"\n[ -e /conf/param.conf ] && . /conf/param.conf\n`);
  assert.is(mergeInitBottomOrder(merged), merged);
  assert.is(mergeInitBottomOrder('/scripts/init-bottom/udev "$@"'), '/scripts/init-bottom/udev "$@"\n/scripts/init-bottom/sim-overlay "$@"\n[ -e /conf/param.conf ] && . /conf/param.conf\n');
});

test('initramfs-tools: sim/ and the init-bottom script and ORDER, no entry for the directories the image has', () => {
  const entries = hookEntries(imageInitrdFacts(image), inputs);
  const names = entries.map((e) => `${e.type} ${e.name}`);
  assert.ok(names.includes('file scripts/init-bottom/sim-overlay'));
  assert.ok(names.includes('file scripts/init-bottom/ORDER'));
  assert.not.ok(names.some((n) => n === 'directory scripts' || n === 'directory scripts/init-bottom'));
  assert.ok(names.every((n) => /^\S+ (sim(\/|$)|scripts\/init-bottom\/)/.test(n)), names.join('\n'));
  const order = entries.find((e) => e.name === 'scripts/init-bottom/ORDER');
  assert.match(order?.type === 'file' ? order.data.toString() : '', /udev[\s\S]*sim-overlay/);
  const list = entries.find((e) => e.name === 'sim/modules.list');
  assert.is(list?.type === 'file' ? list.data.toString() : '', '0-virtio_console.ko hard\n');
  assert.match(initBottomScript(), /prereqs\) exit 0[\s\S]*exec \/sim\/busybox sh \/sim\/initrd-hook initramfs-tools "\$\{rootmnt:-\/root\}" "\$\{init:-\/sbin\/init\}"/);
  // Without an ORDER, initramfs-tools finds the script by itself: none is written.
  const noOrder = hookEntries({ kind: 'initramfs-tools', paths: {} }, inputs).map((e) => `${e.type} ${e.name}`);
  assert.ok(noOrder.includes('directory scripts') && noOrder.includes('directory scripts/init-bottom'));
  assert.not.ok(noOrder.some((n) => n.endsWith('ORDER')));
});

test('systemd: the unit and its initrd.target.wants link; directories only where the image has none; a symlinked one is refused', async () => {
  const entries = hookEntries({ kind: 'systemd', paths: { etc: 'directory', 'etc/systemd': 'directory', 'etc/systemd/system': 'directory' } }, inputs);
  const names = entries.map((e) => `${e.type} ${e.name}`);
  assert.ok(names.includes('directory etc/systemd/system/initrd.target.wants'));
  assert.not.ok(names.includes('directory etc') || names.includes('directory etc/systemd/system'));
  assert.ok(names.includes('file etc/systemd/system/sim-overlay.service'));
  assert.equal(entries.find((e) => e.type === 'symlink'), { type: 'symlink', name: 'etc/systemd/system/initrd.target.wants/sim-overlay.service', target: '../sim-overlay.service' });
  const unit = hookUnit();
  assert.match(unit, /^DefaultDependencies=no$/m);
  assert.match(unit, /^After=initrd-root-fs\.target initrd-fs\.target initrd-parse-etc\.service sysroot\.mount sysroot-usr\.mount$/m);
  assert.match(unit, /^Before=initrd-cleanup\.service initrd-switch-root\.target$/m);
  assert.match(unit, /^ExecStart=\/sim\/busybox sh \/sim\/initrd-hook systemd \/sysroot$/m);
  const symlinked = await expectSimError(() => hookEntries({ kind: 'systemd', paths: { etc: 'directory', 'etc/systemd': 'symlink' } }, inputs), 'IMAGE_INITRD_UNSUPPORTED');
  assert.match(symlinked.message, /symlink at \/etc\/systemd/);
  // The image's own file of sim's unit name is never replaced.
  await expectSimError(() => hookEntries({ kind: 'systemd', paths: { 'etc/systemd/system/initrd.target.wants/sim-overlay.service': 'symlink' } }, inputs), 'IMAGE_INITRD_UNSUPPORTED');
  await expectSimError(() => hookEntries({ kind: 'systemd', paths: { sim: 'directory' } }, inputs), 'IMAGE_INITRD_UNSUPPORTED');
});

test.run();
