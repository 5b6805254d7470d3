import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parseRootRefs, restoreRegex, subvolumeOf } from '../../../../src/images/readers/btrfs.js';
import { parseMdirBare } from '../../../../src/images/readers/vfat.js';

test('restore regex: the paths, their parents, and the children of listed directories', () => {
  const re = new RegExp(restoreRegex(['/usr/lib/modules/6.1/modules.dep'], ['/boot/loader/entries']));
  for (const p of ['/', '/usr', '/usr/lib', '/usr/lib/modules', '/usr/lib/modules/6.1', '/usr/lib/modules/6.1/modules.dep', '/boot', '/boot/loader/entries', '/boot/loader/entries/a.conf']) assert.ok(re.test(p), p);
  for (const p of ['/usr/bin', '/usr/lib/modules/6.1/kernel', '/boot/loader/entries/a/b', '/usrx', '/usr/lib/modules/6x1']) assert.not.ok(re.test(p), p);
});

test('subvolumes below the top level, from dump-tree -t root', () => {
  // As btrfs-progs 6.2 prints it for a Fedora-like layout (the fixture's).
  const dump = [
    '\titem 4 key (FS_TREE ROOT_REF 256) itemoff 14927 itemsize 22',
    '\t\troot ref key dirid 256 sequence 17 name root',
    '\titem 5 key (5 ROOT_REF 257) itemoff 14905 itemsize 22',
    '\t\troot ref key dirid 256 sequence 18 name home',
    '\titem 10 key (256 ROOT_REF 258) itemoff 14950 itemsize 22',
    '\t\troot ref key dirid 256 sequence 2 name nested',
    '\titem 11 key (256 ROOT_BACKREF 5) itemoff 14928 itemsize 22',
    '\t\troot backref key dirid 256 sequence 2 name root',
  ].join('\n');
  assert.equal([...parseRootRefs(dump)], [['root', 256], ['home', 257]]);
});

test('the subvolume of mount options', () => {
  assert.is(subvolumeOf('subvol=root'), 'root');
  assert.is(subvolumeOf('compress=zstd:1,subvol=/root'), 'root');
  assert.is(subvolumeOf('subvol=/'), undefined);
  assert.is(subvolumeOf(undefined), undefined);
});

test('mdir -b output as entries of a directory', () => {
  const out = '::/EFI/BOOT/\n::/EFI/Linux/\n::/EFI/fedora/grubx64.efi\n::/EFI/shim.efi\n';
  assert.equal(parseMdirBare(out, '/EFI').map((e) => [e.name, (e.mode & 0o170000) === 0o040000]), [['BOOT', true], ['Linux', true], ['shim.efi', false]]);
  assert.equal(parseMdirBare(out, '/EFI/').length, 3);
});

test.run();
