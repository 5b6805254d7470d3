import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { chooseLayout, describePartitions, detectFilesystem, GPT_ESP, GPT_ROOT_X86_64, GPT_USR_X86_64, type DiskPartition } from '../../../src/images/partitions.js';
import { readerKind } from '../../../src/images/readers/index.js';
import { expectSimError } from '../../helpers/sim-error.js';

const LINUX = '0fc63daf-8483-4772-8e79-3d69d8477de4';
const LVM = 'e6d6d379-f507-44c2-a23c-238f2a3df928';
const MiB = 1024 * 1024;
const part = (number: number, type: string, fstype: DiskPartition['fstype'], sizeMiB = 100): DiskPartition => ({ number, start: number * 1000 * MiB, size: sizeMiB * MiB, type, fstype });

test('Fedora-like: ESP + ext4 /boot + btrfs root; /boot is searched before the ESP', () => {
  const layout = chooseLayout([part(1, GPT_ESP, 'vfat'), part(2, LINUX, 'ext4', 1000), part(3, LINUX, 'btrfs', 5000)], 'f.qcow2');
  assert.is(layout.root.number, 3);
  assert.is(layout.root.fstype, 'btrfs');
  assert.equal(layout.bootCandidates.map((p) => p.number), [2, 1]);
});

test('an xfs root (RHEL-like), with an xfs /boot beside it as a boot candidate', () => {
  const layout = chooseLayout([part(1, GPT_ESP, 'vfat'), part(2, LINUX, 'xfs', 1000), part(3, GPT_ROOT_X86_64, 'xfs')], 'r.qcow2');
  assert.is(layout.root.number, 3);
  assert.is(layout.root.fstype, 'xfs');
  assert.equal(layout.bootCandidates.map((p) => p.number), [2, 1]);
});

test('the root type GUID wins; a bare filesystem is partition 0', () => {
  assert.is(chooseLayout([part(1, LINUX, 'ext4', 9000), part(2, GPT_ROOT_X86_64, 'ext4')], 'd').root.number, 2);
  const bare = chooseLayout([{ number: 0, start: 0, size: 10, type: '', fstype: 'btrfs' }], 'b');
  assert.is(bare.root.number, 0);
  assert.equal(bare.bootCandidates, []);
});

test('unreadable layouts get one sentence naming what was found', async () => {
  const squashfs = await expectSimError(() => chooseLayout([part(1, GPT_ESP, 'vfat'), part(2, GPT_ROOT_X86_64, 'squashfs')], 'x.img'), 'IMAGE_UNSUPPORTED_FS');
  assert.match(squashfs.message, /x\.img .*is squashfs; sim reads ext2\/3\/4, btrfs and xfs roots/);
  assert.match(squashfs.message, /1:esp\(vfat\), 2:root\(squashfs\)/);
  const luks = await expectSimError(() => chooseLayout([part(1, GPT_ROOT_X86_64, 'luks')], 'l'), 'IMAGE_UNSUPPORTED_FS');
  assert.match(luks.message, /encrypted/);
  const gnome = await expectSimError(() => chooseLayout([part(1, GPT_ESP, 'vfat'), part(2, GPT_USR_X86_64, 'erofs')], 'g'), 'IMAGE_UNSUPPORTED_LAYOUT');
  assert.match(gnome.message, /no root partition/);
  await expectSimError(() => chooseLayout([part(1, GPT_ESP, 'vfat')], 'e'), 'IMAGE_NO_ROOT');
  // RHEL's installer: a small xfs /boot beside an LVM physical volume holding the root; the /boot is not taken for the root.
  const rhel = await expectSimError(() => chooseLayout([part(1, GPT_ESP, 'vfat'), part(2, LINUX, 'xfs', 1000), part(3, LVM, 'lvm', 9000)], 'rhel.qcow2'), 'IMAGE_UNSUPPORTED_LAYOUT');
  assert.match(rhel.message, /rhel\.qcow2 keeps its root in LVM \(partition 3; layout 1:esp\(vfat\), 2:linux\(xfs\), 3:lvm\(lvm\)\)/);
  // A PV found by its label on an MBR Linux partition (type 83) counts too; a root-typed partition beside an LVM one is still the root.
  await expectSimError(() => chooseLayout([part(1, '83', 'ext4', 500), part(2, '83', 'lvm', 9000)], 'm'), 'IMAGE_UNSUPPORTED_LAYOUT');
  assert.is(chooseLayout([part(1, LVM, 'lvm', 9000), part(2, GPT_ROOT_X86_64, 'ext4')], 'ok').root.number, 2);
  const zeros = await expectSimError(() => chooseLayout([{ number: 0, start: 0, size: 4096, type: '' }], 'zeros.raw'), 'IMAGE_NO_ROOT');
  assert.match(zeros.message, /^No root filesystem was found in zeros\.raw\.$/);
});

test('describePartitions names kinds and filesystems', () => {
  assert.is(describePartitions([part(1, GPT_ESP, 'vfat'), part(2, 'abc', undefined)]), '1:esp(vfat), 2:abc(unknown)');
});

test('vfat, erofs, squashfs and LUKS are recognised by their superblocks', () => {
  const fat = Buffer.alloc(0x10048);
  fat.writeUInt16LE(0xaa55, 510);
  fat.write('FAT32   ', 0x52, 'latin1');
  assert.is(detectFilesystem(fat), 'vfat');
  const fat16 = Buffer.alloc(0x10048);
  fat16.writeUInt16LE(0xaa55, 510);
  fat16.write('FAT16   ', 0x36, 'latin1');
  assert.is(detectFilesystem(fat16), 'vfat');
  const erofs = Buffer.alloc(0x10048);
  erofs.writeUInt32LE(0xe0f5e1e2, 1024);
  assert.is(detectFilesystem(erofs), 'erofs');
  const sq = Buffer.alloc(0x10048);
  sq.write('hsqs', 0, 'latin1');
  assert.is(detectFilesystem(sq), 'squashfs');
  const luks = Buffer.alloc(0x10048);
  Buffer.from('LUKS\xba\xbe', 'latin1').copy(luks);
  assert.is(detectFilesystem(luks), 'luks');
  // An LVM physical volume's label, in the second sector as pvcreate writes it.
  const pv = Buffer.alloc(0x10048);
  pv.write('LABELONE', 512, 'latin1');
  pv.write('LVM2 001', 512 + 24, 'latin1');
  assert.is(detectFilesystem(pv), 'lvm');
  // An MBR boot sector alone is not a FAT filesystem.
  const mbr = Buffer.alloc(0x10048);
  mbr.writeUInt16LE(0xaa55, 510);
  assert.is(detectFilesystem(mbr), undefined);
});

test('each readable filesystem has a reader; others none', () => {
  assert.equal(['ext2', 'ext4', 'vfat', 'btrfs', 'xfs', 'erofs', undefined].map(readerKind), ['ext', 'ext', 'vfat', 'btrfs', 'xfs', undefined, undefined]);
});

test.run();
