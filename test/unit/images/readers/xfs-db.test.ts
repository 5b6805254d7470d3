/**
 * Parsing what xfs_db prints, from real output of Debian 12's xfs_db 6.1 (files in xfs-db/):
 * a filesystem made by the kernel with a btree-format file, a sparse file, a preallocated one,
 * files in other allocation groups, symlinks and xattrs (stat.txt, ls-local.txt), and one made
 * by mkfs.xfs -p with a block-format and a btree-format directory (ls-block.txt, ls-btree.txt).
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';
import {
  byteRuns, listCommands, logState, nameable, parseBmap, parseGeometry, parseLs, parseStats, parseXfsDbVersion, statCommands, superblockFacts, unknownFeatures,
} from '../../../../src/images/readers/xfs-db.js';
import { carveImageOpts } from '../../../../src/images/readers/carve.js';

const captured = (name: string) => readFileSync(new URL(`xfs-db/${name}`, import.meta.url), 'utf8');

test('the commands: geometry first, then a marker before each target', () => {
  assert.equal(statCommands([{ path: '/boot/vmlinuz-6.1' }, { inode: 131 }]), [
    'sb 0', 'print blocksize agblocks',
    'echo @@sim 0', 'path /boot/vmlinuz-6.1', 'print core.mode core.size core.format', 'bmap -d',
    'echo @@sim 1', 'inode 131', 'print core.mode core.size core.format', 'bmap -d',
  ]);
  assert.equal(listCommands('/boot'), ['sb 0', 'print blocksize agblocks', 'echo @@sim 0', 'ls /boot']);
  // xfs_db splits commands at white space and has no quoting.
  assert.ok(nameable('/usr/lib/modules/6.1.0-18-amd64/kernel/fs/xfs/xfs.ko'));
  assert.not.ok(nameable('/boot/loader/entries/my entry.conf'));
  assert.not.ok(nameable('/a\tb'));
  assert.not.ok(nameable('-i'));
});

test('geometry from the superblock', () => {
  assert.equal(parseGeometry(captured('stat.txt')), { blocksize: 4096, agblocks: 25600 });
  assert.is(parseGeometry('xfs_db: x.img is not a valid XFS filesystem (unexpected SB magic number 0x00000000)\n'), undefined);
});

test('inodes: a failed lookup is missing, not the previous inode that xfs_db prints after it', () => {
  const stats = parseStats(captured('stat.txt'), 9);
  assert.is(stats[0], undefined); // /nonexistent
  assert.equal(stats[1], {
    mode: 0o100644, size: 1048576, format: 'extents',
    extents: [
      { fileBlock: 0, ag: 0, agBlock: 2081, blocks: 73, unwritten: true },
      { fileBlock: 73, ag: 0, agBlock: 2154, blocks: 1, unwritten: false },
      { fileBlock: 74, ag: 0, agBlock: 2155, blocks: 182, unwritten: true },
    ],
  });
  assert.equal(stats[2]?.extents, [{ fileBlock: 0, ag: 2, agBlock: 16408, blocks: 74, unwritten: false }]);
  assert.is(stats[3], undefined); // /frag/x: "Not a directory", then /c/data's fields again
  assert.equal(stats[4], { mode: 0o120777, size: 4, format: 'local', extents: [] }); // a short symlink
  assert.equal(stats[5]?.extents.length, 1); // the xattr fork's extent is not data (bmap -d)
  assert.equal(stats[6], { mode: 0o100644, size: 0, format: 'extents', extents: [] });
  assert.is(stats[8]?.format, 'btree');
  assert.is(stats[8]?.extents.length, 3); // bmap -d 0 6: the first three of 1991
});

test('bytes to copy: written extents only, at their allocation group, clipped to the size', () => {
  const geometry = { blocksize: 4096, agblocks: 25600 };
  const [, prealloc, other, , , , , sparse] = parseStats(captured('stat.txt'), 9);
  assert.equal(byteRuns(prealloc!.extents, prealloc!.size, geometry), [{ fileOffset: 73 * 4096, fsOffset: 2154 * 4096, length: 4096 }]);
  assert.equal(byteRuns(other!.extents, other!.size, geometry), [{ fileOffset: 0, fsOffset: (2 * 25600 + 16408) * 4096, length: 300000 }]);
  // 5000 bytes at 1 MiB and 3 at 5 MiB, holes between.
  assert.equal(byteRuns(sparse!.extents, sparse!.size, geometry), [
    { fileOffset: 256 * 4096, fsOffset: 2341 * 4096, length: 8192 },
    { fileOffset: 1280 * 4096, fsOffset: 2343 * 4096, length: 3 },
  ]);
  assert.equal(parseBmap('attr offset 0 startblock 2338 (0/2338) count 3 flag 0\n'), []);
});

test('directories in every format; names by their length; failures are undefined', () => {
  const local = parseLs(captured('ls-local.txt'))!;
  assert.equal(local.slice(0, 2), [{ name: 'frag', inode: 131, type: 'regular' }, { name: 'sparse', inode: 132, type: 'regular' }]);
  assert.ok(local.some((e) => e.name === 'dir with space' && e.type === 'directory'));
  assert.ok(local.some((e) => e.name === 'shortlink' && e.type === 'symlink'));
  assert.not.ok(local.some((e) => e.name === '.' || e.name === '..'));
  const block = parseLs(captured('ls-block.txt'))!;
  assert.is(block.length, 40);
  assert.equal(block[39], { name: 'file40', inode: 655528, type: 'regular' });
  const btree = parseLs(captured('ls-btree.txt'))!;
  assert.equal(btree.at(-1), { name: 'entry-with-a-longer-name-3000', inode: 813432, type: 'regular' });
  assert.is(parseLs(captured('ls-notdir.txt')), undefined);
  assert.is(parseLs(captured('ls-missing.txt')), undefined);
});

test('incompatible features: what this xfs_db does not know is named; needsrepair is seen', () => {
  assert.equal(parseXfsDbVersion(captured('version.txt')), [6, 1]);
  const sb = Buffer.alloc(512);
  sb.write('XFSB', 0, 'latin1');
  sb.writeUInt16BE(0xb4b5, 100);
  sb.writeUInt32BE(0xb, 216); // ftype, sparse inodes, bigtime: mkfs.xfs 6.1's defaults
  sb.writeBigUInt64BE(65540n, 48); // an internal log, as mkfs.xfs makes it
  assert.equal(superblockFacts(sb), { version: 5, incompat: 0xb, realtime: false, externalLog: false });
  assert.equal(unknownFeatures(0xb, [6, 1]), []);
  assert.equal(unknownFeatures(0x8b, [6, 1]), ['parent pointers (xfsprogs 6.10)']);
  assert.equal(unknownFeatures(0x8b, [6, 13]), []);
  assert.equal(unknownFeatures(0x100000b, [6, 13]), ['0x1000000']);
  const v4 = Buffer.from(sb);
  v4.writeUInt16BE(0x34a4, 100);
  v4.writeBigUInt64BE(0n, 48);
  v4.writeBigUInt64BE(1000n, 16);
  assert.equal(superblockFacts(v4), { version: 4, incompat: 0, realtime: true, externalLog: true });
  assert.is(superblockFacts(Buffer.alloc(512)), undefined);
});

test('the log: clean, or dirty (a filesystem copied while mounted, whose changes xfs_db would not see)', () => {
  assert.is(logState(captured('logprint-clean.txt')), 'clean');
  assert.is(logState(captured('logprint-dirty.txt')), 'dirty');
  assert.is(logState('xfs_logprint: unknown\n'), undefined);
});

test('carving a partition: qemu-img options, a comma in the path doubled', () => {
  assert.is(carveImageOpts('/c/a,b/raw.img', 1048576, 4096), 'driver=raw,offset=1048576,size=4096,file.driver=file,file.filename=/c/a,,b/raw.img');
});

test.run();
