// A stored image's metadata for unit tests of plans and argument lists: valid, with no files
// behind it. Tests override what they are about (root partition, kernel files, initrd).
import type { ImageMeta } from '../../src/images/meta.js';

export function fakeImage(overrides: Partial<ImageMeta> = {}): ImageMeta {
  return {
    schema: 1,
    id: 'a'.repeat(64),
    names: ['demo'],
    source: { kind: 'file', path: '/src/demo.qcow2', format: 'qcow2' },
    disk: { file: 'disk.qcow2', format: 'qcow2', sha256: 'b'.repeat(64), bytes: 1, mtimeMs: 1, virtualSize: 1 },
    root: { partition: 2, offset: 2097152, fstype: 'ext4' },
    kernel: { version: '6.1.0-1-amd64', file: 'kernel/vmlinuz', modulesDir: 'kernel/modules' },
    libdir: 'usr/lib/x86_64-linux-gnu',
    addedAt: '2026-01-01T00:00:00.000Z',
    ...overrides,
  };
}
