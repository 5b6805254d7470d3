import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { chooseRootPartition, detectFilesystem, parseSfdiskJson } from '../../../src/images/partitions.js';
import { parseControlLine } from '../../../src/qemu/channel.js';
import { compareVersions, isElfWithPvhNote } from '../../../src/images/kernel.js';

const gpt = JSON.stringify({
  partitiontable: {
    label: 'gpt', sectorsize: 512,
    partitions: [
      { node: 'disk.raw1', start: 2048, size: 2048, type: '21686148-6449-6E6F-744E-656564454649' },
      { node: 'disk.raw2', start: 4096, size: 100000, type: '0FC63DAF-8483-4772-8E79-3D69D8477DE4' },
      { node: 'disk.raw3', start: 104096, size: 5000, type: '4F68BCE3-E8CD-4DB1-96E7-FBCAF984B709' },
    ],
  },
});

test('the x86-64 root type GUID wins over a larger Linux partition', () => {
  const parts = parseSfdiskJson(gpt);
  assert.equal(chooseRootPartition(parts), { number: 3, start: 104096 * 512, size: 5000 * 512, type: '4f68bce3-e8cd-4db1-96e7-fbcaf984b709' });
});

test('without a root GUID the largest Linux partition is chosen; none -> undefined', () => {
  const parts = parseSfdiskJson(gpt).filter((p) => p.number !== 3);
  assert.is(chooseRootPartition(parts)?.number, 2);
  assert.is(chooseRootPartition(parts.filter((p) => p.number === 1)), undefined);
});

test('filesystems are told apart by their superblocks', () => {
  const ext = Buffer.alloc(0x10048);
  ext.writeUInt16LE(0xef53, 1024 + 56);
  assert.is(detectFilesystem(ext), 'ext2');
  ext.writeUInt32LE(0x4, 1024 + 92);
  assert.is(detectFilesystem(ext), 'ext3');
  ext.writeUInt32LE(0x40 | 0x200, 1024 + 96);
  assert.is(detectFilesystem(ext), 'ext4');
  const btrfs = Buffer.alloc(0x10048);
  btrfs.write('_BHRfS_M', 0x10040, 'latin1');
  assert.is(detectFilesystem(btrfs), 'btrfs');
  assert.is(detectFilesystem(Buffer.alloc(0x10048)), undefined);
});

test('control lines from the guest', () => {
  assert.equal(parseControlLine('exit 3'), { kind: 'exit', status: 3 });
  assert.equal(parseControlLine('overlay-mounted /run/sim/overlay'), { kind: 'overlay-mounted', path: '/run/sim/overlay' });
  assert.equal(parseControlLine('error could not mount /dev/vda'), { kind: 'error', message: 'could not mount /dev/vda' });
  assert.equal(parseControlLine('exit x'), { kind: 'unknown', line: 'exit x' });
  assert.equal(parseControlLine('exit r7 0'), { kind: 'exit', id: 'r7', status: 0 });
});

test('kernel versions sort numerically', () => {
  assert.ok(compareVersions('6.1.0-18-amd64', '6.1.0-9-amd64') > 0);
  assert.ok(compareVersions('5.10.0', '6.1.0') < 0);
  assert.is(isElfWithPvhNote(Buffer.from('not an elf')), false);
});

test.run();
