import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { erofsFailure } from '../../../../src/images/readers/erofs.js';
import { MemoryFs } from '../../../../src/images/readers/memory.js';
import { S_IFDIR, S_IFMT } from '../../../../src/images/readers/types.js';

// An initrd's entries as cpio lists them: no leading slash, parents not always listed.
const initrd = new MemoryFs([
  { name: 'usr', type: 'directory', mode: S_IFDIR | 0o755 },
  { name: 'usr/lib/modules/6.1.0-57-amd64/modules.dep', type: 'file', mode: 0o100644, data: Buffer.from('kernel/fs/erofs/erofs.ko:\n') },
  { name: 'usr/lib/modules/6.1.0-57-amd64/kernel/fs/erofs/erofs.ko', type: 'file', mode: 0o100644, data: Buffer.from('ELF') },
  { name: 'lib', type: 'symlink', mode: 0o120777, target: 'usr/lib' },
]);

test('an initrd in memory: directories (also implied ones), files, missing paths', async () => {
  assert.ok(await initrd.isDirectory('/usr/lib/modules/6.1.0-57-amd64'));
  assert.not.ok(await initrd.isDirectory('/usr/lib/modules/6.1.0-57-amd64/modules.dep'));
  assert.not.ok(await initrd.isDirectory('/boot'));
  assert.equal((await initrd.list('/'))?.map((e) => e.name).sort(), ['lib', 'usr']);
  const modules = await initrd.list('/usr/lib/modules/6.1.0-57-amd64');
  assert.equal(modules?.map((e) => [e.name, (e.mode & S_IFMT) === S_IFDIR]), [['modules.dep', false], ['kernel', true]]);
  assert.is(await initrd.list('/nope'), undefined);
  assert.is(await initrd.readText('/usr/lib/modules/6.1.0-57-amd64/modules.dep'), 'kernel/fs/erofs/erofs.ko:\n');
  assert.is(await initrd.readText('/nope'), undefined);
});

test('files out of memory, as the import copies a kernel and its modules', async () => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'sim-memfs-'));
  try {
    const uki = MemoryFs.ofFiles({ '/vmlinuz': Buffer.from('kernel') });
    await uki.dumpMany(new Map([['/vmlinuz', 'k/vmlinuz'], ['/initrd', 'k/initrd']]), dir);
    assert.is(await readFile(path.join(dir, 'k/vmlinuz'), 'utf8'), 'kernel');
    assert.is(await readFile(path.join(dir, 'k/initrd')).catch(() => undefined), undefined);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test("fsck.erofs' complaint in one phrase: the line naming what it cannot read", () => {
  assert.is(erofsFailure('<E> erofs: unsupported algorithm 2\n<E> erofs: failed to read\n', 1), 'unsupported algorithm 2');
  assert.is(erofsFailure('<E> erofs: cannot open image\n', 1), 'cannot open image');
  assert.is(erofsFailure('', 3), 'exit status 3');
});

test.run();
