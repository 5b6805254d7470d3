// The display's kernel modules ride along softly: a kernel without them still boots.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { displayModules } from '../../../src/display/contribution.js';
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

test.run();
