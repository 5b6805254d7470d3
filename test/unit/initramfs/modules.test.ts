import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { moduleName, parseModuleIndex, requiredModules, resolveModules, splitRequests, withDependents, withoutModules } from '../../../src/initramfs/modules.js';

const dep = `
kernel/fs/ext4/ext4.ko: kernel/lib/crc16.ko kernel/fs/mbcache.ko kernel/fs/jbd2/jbd2.ko
kernel/lib/crc16.ko:
kernel/fs/mbcache.ko:
kernel/fs/jbd2/jbd2.ko:
kernel/crypto/crc32c_generic.ko:
kernel/arch/x86/crypto/crc32c-intel.ko:
kernel/lib/libcrc32c.ko:
kernel/drivers/block/virtio_blk.ko:
kernel/drivers/char/virtio_console.ko:
kernel/net/9p/9pnet.ko:
kernel/net/9p/9pnet_virtio.ko: kernel/net/9p/9pnet.ko
kernel/fs/9p/9p.ko: kernel/fs/netfs/netfs.ko kernel/net/9p/9pnet.ko kernel/fs/fscache/fscache.ko
kernel/fs/netfs/netfs.ko:
kernel/fs/fscache/fscache.ko: kernel/fs/netfs/netfs.ko
kernel/drivers/virtio/virtio_pci.ko: kernel/drivers/virtio/virtio_pci_modern_dev.ko kernel/drivers/virtio/virtio_pci_legacy_dev.ko
kernel/drivers/virtio/virtio_pci_modern_dev.ko:
kernel/drivers/virtio/virtio_pci_legacy_dev.ko:
`;
const softdep = `# Soft dependencies extracted from modules themselves.
softdep ext4 pre: crc32c
softdep libcrc32c pre: crc32c
`;
const alias = `alias crypto-crc32c crc32c_generic
alias crc32c crc32c_generic
alias crc32c crc32c_intel
alias pci:v00001AF4d*sv*sd*bc*sc*i* virtio_pci
`;
const builtin = 'kernel/drivers/virtio/virtio.ko\nkernel/drivers/virtio/virtio_ring.ko\n';

const index = parseModuleIndex({ dep, softdep, alias, builtin });

test('moduleName normalises dashes and compression suffixes', () => {
  assert.is(moduleName('kernel/arch/x86/crypto/crc32c-intel.ko.xz'), 'crc32c_intel');
  assert.is(moduleName('ext4.ko'), 'ext4');
});

test('hard dependencies load before the module, soft pre-dependencies before those', () => {
  const { load, missing } = resolveModules(index, ['ext4']);
  assert.equal(missing, []);
  assert.equal(load.map((m) => m.name), ['crc32c_generic', 'crc32c_intel', 'crc16', 'mbcache', 'jbd2', 'ext4']);
  assert.equal(load.filter((m) => m.soft).map((m) => m.name), ['crc32c_generic', 'crc32c_intel']);
});

test('the full set sim needs, in a valid order, built-ins skipped', () => {
  const { load, missing } = resolveModules(index, requiredModules('ext4'));
  assert.equal(missing, []);
  const order = load.map((m) => m.name);
  const before = (a: string, b: string) => assert.ok(order.indexOf(a) < order.indexOf(b), `${a} before ${b}: ${order.join(' ')}`);
  before('virtio_pci_modern_dev', 'virtio_pci');
  before('9pnet', '9pnet_virtio');
  before('netfs', 'fscache');
  before('fscache', '9p');
  before('jbd2', 'ext4');
  assert.not.ok(order.includes('virtio'));
  assert.is(new Set(order).size, order.length, 'no module twice');
});

test('missing required modules are reported, missing soft ones are not', () => {
  const small = parseModuleIndex({ dep: 'kernel/fs/ext4/ext4.ko:\n', softdep: 'softdep ext4 pre: crc32c\n' });
  const { load, missing } = resolveModules(small, ['ext4', 'virtio_blk']);
  assert.equal(load.map((m) => m.name), ['ext4']);
  assert.equal(missing, ['virtio_blk']);
});

test('withoutModules drops only the named modules\' lines, whatever their compression or dashes', () => {
  const text = 'kernel/drivers/gpu/drm/virtio/virtio-gpu.ko.xz: kernel/drivers/gpu/drm/drm.ko.xz\nkernel/drivers/gpu/drm/drm.ko.xz:\nkernel/fs/ext4/ext4.ko: kernel/fs/mbcache.ko\n';
  assert.is(withoutModules(text, ['virtio_gpu']), 'kernel/drivers/gpu/drm/drm.ko.xz:\nkernel/fs/ext4/ext4.ko: kernel/fs/mbcache.ko\n');
  const index = parseModuleIndex({ dep: withoutModules(text, ['virtio_gpu']) });
  assert.equal(resolveModules(index, ['ext4'], ['virtio_gpu']).unavailable, ['virtio_gpu']);
});

test('withDependents adds what needs an absent module, transitively, among the candidates', () => {
  const index = parseModuleIndex({ dep: 'a.ko: b.ko c.ko\nb.ko: c.ko\nc.ko:\nd.ko:\ne.ko: a.ko\n' });
  assert.equal(withDependents(index, ['a', 'b', 'c', 'd'], ['c']), ['c', 'a', 'b']);
  assert.equal(withDependents(index, ['a', 'b', 'c', 'd', 'e'], ['d']), ['d']);
  assert.equal(withDependents(index, ['e', 'a', 'b'], ['b']).sort(), ['a', 'b', 'e']);
});

test("a contribution's module requests: needed ones join sim's own, optional ones load softly", () => {
  assert.equal(splitRequests([{ name: 'overlay' }, { name: 'virtio_gpu', optional: { lost: 'text mode' } }, { name: 'erofs' }]), { wanted: ['overlay', 'erofs'], optional: ['virtio_gpu'] });
  assert.equal(splitRequests([]), { wanted: [], optional: [] });
});

test.run();
