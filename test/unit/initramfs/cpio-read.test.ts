import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { gzipSync } from 'node:zlib';
import { concatArchives, packNewc } from '../../../src/initramfs/cpio.js';
import { readInitrd, segmentAt, type Compression } from '../../../src/initramfs/cpio-read.js';
import { classifyInitrd } from '../../../src/images/initrd.js';

const gunzip = async (data: Buffer, compression: Compression) => {
  assert.is(compression, 'gzip');
  const { gunzipSync } = await import('node:zlib');
  return gunzipSync(data);
};

test('segments: plain newc, the compressions by magic, anything else unknown', async () => {
  const plain = await packNewc([{ type: 'directory', name: 'x' }]);
  assert.equal(segmentAt(plain, 0), { kind: 'newc', offset: 0 });
  assert.equal(segmentAt(gzipSync(plain), 0), { kind: 'compressed', offset: 0, compression: 'gzip' });
  assert.equal(segmentAt(Buffer.from([0x28, 0xb5, 0x2f, 0xfd, 0]), 0), { kind: 'compressed', offset: 0, compression: 'zstd' });
  assert.equal(segmentAt(Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]), 0), { kind: 'compressed', offset: 0, compression: 'xz' });
  assert.equal(segmentAt(Buffer.from('hello!'), 0), { kind: 'unknown', offset: 0 });
});

test('an early microcode archive, then a compressed main archive: both read, later entries win', async () => {
  const early = await packNewc([{ type: 'directory', name: 'kernel' }, { type: 'file', name: 'kernel/ucode.bin', data: Buffer.from('ucode') }, { type: 'file', name: 'init', data: Buffer.from('early') }]);
  const main = await packNewc([
    { type: 'file', name: 'init', mode: 0o755, data: Buffer.from('#!/bin/sh\n') },
    { type: 'directory', name: 'scripts' },
    { type: 'symlink', name: 'bin', target: 'usr/bin' },
  ]);
  // Zero padding between them, as mkinitramfs leaves.
  const initrd = Buffer.concat([concatArchives([early]), Buffer.alloc(512), gzipSync(main)]);
  const { entries, compression } = await readInitrd(initrd, gunzip);
  assert.equal(compression, ['gzip']);
  assert.is(entries.get('kernel/ucode.bin')?.data?.toString(), 'ucode');
  assert.is(entries.get('init')?.data?.toString(), '#!/bin/sh\n');
  assert.is(entries.get('init')?.mode, 0o755);
  assert.equal(entries.get('bin'), { name: 'bin', type: 'symlink', mode: 0o777, target: 'usr/bin' });
  assert.is(entries.get('scripts')?.type, 'directory');
});

test('classified: initramfs-tools (with its init-bottom ORDER), a systemd initrd, or unknown saying what it has', async () => {
  const read = async (entries: Parameters<typeof packNewc>[0]) => (await readInitrd(await packNewc(entries), gunzip)).entries;
  const order = '/scripts/init-bottom/udev "$@"\n[ -e /conf/param.conf ] && . /conf/param.conf\n';
  const tools = classifyInitrd(await read([
    { type: 'file', name: 'init', data: Buffer.from('') },
    { type: 'directory', name: 'scripts' },
    { type: 'file', name: 'scripts/functions', data: Buffer.from('') },
    { type: 'directory', name: 'scripts/init-bottom' },
    { type: 'file', name: 'scripts/init-bottom/ORDER', data: Buffer.from(order) },
    { type: 'directory', name: 'conf' },
    { type: 'file', name: 'conf/initramfs.conf', data: Buffer.from('') },
  ]));
  assert.equal(tools, { kind: 'initramfs-tools', compression: [], paths: { scripts: 'directory', 'scripts/init-bottom': 'directory' }, initBottomOrder: order });

  const systemd = classifyInitrd(await read([
    { type: 'symlink', name: 'init', target: 'usr/lib/systemd/systemd' },
    { type: 'directory', name: 'etc' },
    { type: 'file', name: 'etc/initrd-release', data: Buffer.from('') },
    { type: 'symlink', name: 'etc/systemd', target: '/elsewhere' },
    { type: 'file', name: 'usr/lib/systemd/systemd', data: Buffer.from('') },
  ]));
  assert.equal(systemd, { kind: 'systemd', compression: [], paths: { etc: 'directory', 'etc/systemd': 'symlink' } });

  const other = classifyInitrd(await read([{ type: 'file', name: 'init', data: Buffer.from('#!/bin/sh') }]));
  assert.is(other.kind, 'unknown');
  assert.match(other.detail ?? '', /an \/init program, but neither initramfs-tools' scripts nor a systemd initrd/);
});

test.run();
