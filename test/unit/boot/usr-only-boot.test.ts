import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { chooseInitrd, imageInitrdKernelArgs, initrdContribution } from '../../../src/boot/image-initrd.js';
import { planBoot, type BootRequest } from '../../../src/boot/plan.js';
import { renderGuestConfig } from '../../../src/initramfs/guest-config.js';
import { fakeImage } from '../../helpers/image-meta.js';

const CMDLINE = 'rw root=tmpfs mount.usrfstype=erofs mount.usrflags=ro usrhash=ab12 systemd.verity_usr_data=PARTUUID=x systemd.verity_usr_hash=PARTUUID=y';
const gnomeos = fakeImage({
  names: ['gnomeos'],
  root: { partition: null, offset: 0, fstype: 'tmpfs' },
  usr: { partition: 3, offset: 44040192, fstype: 'erofs', verityPartition: 2, modulesFrom: 'usr' },
  defaultInitrd: 'image',
  kernel: {
    version: '6.1.0-57-amd64',
    file: 'kernel/vmlinuz',
    modulesDir: 'kernel/modules',
    cmdline: CMDLINE,
    uki: '/EFI/Linux/gnomeos-like.efi',
    initrd: { file: 'kernel/initrd.img', source: '/initrd', kind: 'systemd', compression: ['gzip'], paths: {} },
  },
});

const request: BootRequest = { overlay: '/p', command: ['true'], mode: 'init', memoryMiB: 1024, cpus: 2, kernelArgs: [], interactive: false, fastKernel: true };

test('which initrd boots: the one asked for, else the image\'s default, else sim\'s', () => {
  assert.is(chooseInitrd(undefined, gnomeos), 'image');
  assert.is(chooseInitrd('sim', gnomeos), 'sim');
  assert.is(chooseInitrd(undefined, fakeImage()), 'sim');
  assert.is(planBoot({ request, image: gnomeos, imageDir: '/i', accel: 'tcg', sessionDir: '/s' }).initrd, 'image');
  assert.is(planBoot({ request: { ...request, initrd: 'sim' }, image: gnomeos, imageDir: '/i', accel: 'tcg', sessionDir: '/s' }).initrd, 'sim');
});

test("the image's own initrd gets the UKI's command line as it is, and rw", () => {
  assert.equal(imageInitrdKernelArgs(gnomeos), [...CMDLINE.split(' '), 'rw']);
  assert.equal(initrdContribution(undefined, gnomeos, { direct: false }).kernelArgs, [...CMDLINE.split(' '), 'rw']);
});

test('a UKI command line that leaves root and /usr to gpt-auto: sim names them (a direct kernel boot sets no loader variable)', () => {
  const bare = { ...gnomeos, kernel: { ...gnomeos.kernel, cmdline: 'quiet mount.usrflags=ro' } };
  assert.equal(imageInitrdKernelArgs(bare), ['quiet', 'mount.usrflags=ro', 'root=tmpfs', 'mount.usr=/dev/vda3', 'mount.usrfstype=erofs', 'rw']);
  // With usrhash= the initrd finds the partitions by the UUIDs derived from the hash itself.
  const hashed = { ...gnomeos, kernel: { ...gnomeos.kernel, cmdline: 'usrhash=ab12' } };
  assert.equal(imageInitrdKernelArgs(hashed), ['usrhash=ab12', 'root=tmpfs', 'rw']);
});

test("sim's initramfs: a tmpfs root and the usr partition by device, in /sim/config", () => {
  const plan = planBoot({ request: { ...request, initrd: 'sim' }, image: gnomeos, imageDir: '/i', accel: 'tcg', sessionDir: '/s' });
  assert.equal(plan.guest.usr, { device: '/dev/vda3', fstype: 'erofs' });
  assert.is(plan.guest.rootDevice, 'tmpfs');
  const config = renderGuestConfig(plan.guest);
  assert.match(config, /^SIM_ROOT_DEV='tmpfs'\nSIM_ROOT_FSTYPE='tmpfs'\nSIM_USR_DEV='\/dev\/vda3'\nSIM_USR_FSTYPE='erofs'\n/);
  // Images with a root partition read as they always have.
  assert.not.match(renderGuestConfig(planBoot({ request, image: fakeImage(), imageDir: '/i', accel: 'tcg', sessionDir: '/s' }).guest), /SIM_USR/);
});

test.run();
