import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { DiskPartition } from '../../../src/images/partitions.js';
import { bootFilesystem, bzImageVersion, chooseUsrOnlyLayout, GPT_USR_VERITY_X86_64, newestUki, ukiKernelVersion, usrOnlyDefaultInitrd, type UkiCandidate } from '../../../src/images/usr-only.js';
import { expectSimError } from '../../helpers/sim-error.js';

const ESP = 'c12a7328-f81f-11d2-ba4b-00a0c93ec93b';
const USR = '8484680c-9521-48c6-9c11-b0720656f69e';
const ROOT = '4f68bce3-e8cd-4db1-96e7-fbcaf984b709';
const part = (number: number, type: string, fstype?: DiskPartition['fstype']): DiskPartition => ({ number, start: number * 1048576, size: 1048576, type, ...(fstype ? { fstype } : {}) });

test('a GNOME-OS-like disk: ESP, usr-verity, usr (EROFS), no root partition', () => {
  const layout = chooseUsrOnlyLayout([part(1, ESP, 'vfat'), part(2, GPT_USR_VERITY_X86_64), part(3, USR, 'erofs')], 'gnomeos.img');
  assert.is(layout?.usr.number, 3);
  assert.is(layout?.verity?.number, 2);
  assert.equal(layout?.esps.map((p) => p.number), [1]);
});

test('a disk with a root partition is not usr-only, even with a /usr partition', () => {
  assert.is(chooseUsrOnlyLayout([part(1, ESP, 'vfat'), part(2, USR, 'erofs'), part(3, ROOT, 'ext4')], 'x'), undefined);
  assert.is(chooseUsrOnlyLayout([part(1, ESP, 'vfat'), part(2, ROOT, 'ext4')], 'x'), undefined);
  // A plain Linux partition beside it is the root chooseLayout takes.
  assert.is(chooseUsrOnlyLayout([part(1, ESP, 'vfat'), part(2, USR, 'erofs'), part(3, '0fc63daf-8483-4772-8e79-3d69d8477de4', 'ext4')], 'x'), undefined);
});

test('usr-only disks sim cannot boot: one sentence naming the layout', async () => {
  const noEsp = await expectSimError(() => chooseUsrOnlyLayout([part(1, USR, 'erofs')], 'a.img'), 'IMAGE_UNSUPPORTED_LAYOUT');
  assert.match(noEsp.message, /^a\.img has a \/usr partition but no root partition and no FAT EFI system partition \(layout 1:usr\(erofs\)\)/);
  const luks = await expectSimError(() => chooseUsrOnlyLayout([part(1, ESP, 'vfat'), part(2, USR, 'luks')], 'b.img'), 'IMAGE_UNSUPPORTED_FS');
  assert.match(luks.message, /partition 2; layout 1:esp\(vfat\), 2:usr\(luks\)\) holds luks/);
});

/** A bzImage header (just enough of it) whose kernel_version string says `release`. */
function bzImage(release: string): Buffer {
  const data = Buffer.alloc(0x400);
  data.write('HdrS', 0x202, 'latin1');
  data.writeUInt16LE(0x300 - 0x200, 0x20e);
  data.write(`${release} (debian-kernel@lists.debian.org) #1 SMP`, 0x300, 'latin1');
  return data;
}

test('the kernel release: .uname, else the bzImage header', () => {
  assert.is(bzImageVersion(bzImage('6.1.0-57-amd64')), '6.1.0-57-amd64');
  assert.is(bzImageVersion(Buffer.from('not a kernel')), undefined);
  assert.is(ukiKernelVersion({ uname: '6.12.1', linux: bzImage('6.1.0-57-amd64') }), '6.12.1');
  assert.is(ukiKernelVersion({ linux: bzImage('6.1.0-57-amd64') }), '6.1.0-57-amd64');
});

test('the UKI that boots: the newest kernel, then the newest image version, then the name', () => {
  const uki = (file: string, uname: string, version = ''): UkiCandidate => ({ path: `/EFI/Linux/${file}`, parts: { linux: Buffer.alloc(0), uname, osRelease: version ? { IMAGE_VERSION: version } : {} } });
  assert.is(newestUki([uki('a.efi', '6.1.0-9'), uki('b.efi', '6.1.0-18'), uki('c.efi', '6.1.0-10')])?.path, '/EFI/Linux/b.efi');
  assert.is(newestUki([uki('gnomeos_48.9.efi', '6.12', '48.9'), uki('gnomeos_48.10.efi', '6.12', '48.10')])?.path, '/EFI/Linux/gnomeos_48.10.efi');
  assert.is(newestUki([]), undefined);
});

test('a usr-only image boots with its own initrd by default when it is a systemd one, else with sim\'s', () => {
  assert.is(usrOnlyDefaultInitrd({ kind: 'systemd' }), 'image');
  assert.is(usrOnlyDefaultInitrd({ kind: 'unknown' }), 'sim');
  assert.is(usrOnlyDefaultInitrd(undefined), 'sim');
});

test('the filesystem a boot needs the module of: /usr for a usr-only image, else the root', () => {
  assert.is(bootFilesystem({ root: { fstype: 'tmpfs' }, usr: { fstype: 'erofs' } }), 'erofs');
  assert.is(bootFilesystem({ root: { fstype: 'btrfs' } }), 'btrfs');
});

test.run();
