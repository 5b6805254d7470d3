import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { moduleName, parseModuleIndex, requiredModules, resolveModules } from '../../../src/initramfs/modules.js';

// Ubuntu-24.04-like: every module .ko.zst; btrfs needs libcrc32c, whose softdep is crc32c.
const DEP = [
  'kernel/fs/btrfs/btrfs.ko.zst: kernel/lib/raid6/raid6_pq.ko.zst kernel/lib/libcrc32c.ko.zst kernel/crypto/xor.ko.zst kernel/crypto/blake2b_generic.ko.zst',
  'kernel/lib/raid6/raid6_pq.ko.zst:',
  'kernel/lib/libcrc32c.ko.zst:',
  'kernel/crypto/xor.ko.zst:',
  'kernel/crypto/blake2b_generic.ko.zst:',
  'kernel/crypto/crc32c_generic.ko.zst:',
  'kernel/arch/x86/crypto/crc32c-intel.ko.zst:',
  'kernel/drivers/block/virtio_blk.ko.zst:',
  'kernel/drivers/char/virtio_console.ko.zst:',
  'kernel/net/9p/9pnet_virtio.ko.zst: kernel/net/9p/9pnet.ko.zst',
  'kernel/net/9p/9pnet.ko.zst:',
  'kernel/fs/9p/9p.ko.zst: kernel/net/9p/9pnet.ko.zst kernel/fs/netfs/netfs.ko.zst',
  'kernel/fs/netfs/netfs.ko.zst:',
].join('\n');
const SOFTDEP = 'softdep libcrc32c pre: crc32c\n';
const ALIAS = 'alias crypto-crc32c crc32c_generic\nalias crc32c crc32c_generic\nalias crc32c crc32c_intel\n';
const BUILTIN = 'kernel/drivers/virtio/virtio_pci.ko\n';

test('zstd-compressed module names resolve like plain ones', () => {
  assert.is(moduleName('kernel/fs/btrfs/btrfs.ko.zst'), 'btrfs');
  const index = parseModuleIndex({ dep: DEP, softdep: SOFTDEP, alias: ALIAS, builtin: BUILTIN });
  const { load, missing } = resolveModules(index, requiredModules('btrfs'));
  assert.equal(missing, []);
  const names = load.map((m) => m.name);
  // The softdep's providers load (softly) before libcrc32c, and libcrc32c before btrfs.
  assert.ok(names.indexOf('crc32c_generic') < names.indexOf('libcrc32c'), names.join(' '));
  assert.ok(names.indexOf('libcrc32c') < names.indexOf('btrfs'));
  assert.ok(load.find((m) => m.name === 'crc32c_intel')?.soft);
  assert.not.ok(load.find((m) => m.name === 'btrfs')?.soft);
  assert.is(load.find((m) => m.name === 'btrfs')?.path, 'kernel/fs/btrfs/btrfs.ko.zst');
  assert.not.ok(names.includes('virtio_pci'), 'built in');
});

test.run();
