import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { execa } from 'execa';
import { concatArchives, packNewc } from '../../../src/initramfs/cpio.js';

const entries = [
  { type: 'file' as const, name: 'init', mode: 0o755, data: Buffer.from('#!/bin/sh\necho hi\n') },
  { type: 'directory' as const, name: 'bin' },
  { type: 'symlink' as const, name: 'bin/sh', target: 'busybox' },
  { type: 'character-device' as const, name: 'dev/console', major: 5, minor: 1 },
  { type: 'directory' as const, name: 'dev' },
];

test('newc archive: magic, sorted entries, 4-byte alignment', async () => {
  const archive = await packNewc(entries);
  assert.is(archive.subarray(0, 6).toString(), '070701');
  assert.is(archive.length % 4, 0);
  assert.ok(archive.includes(Buffer.from('TRAILER!!!')));
});

test('byte-for-byte reproducible for the same inputs', async () => {
  const a = await packNewc(entries);
  const b = await packNewc([...entries].reverse());
  assert.ok(a.equals(b));
});

test('cpio -t reads it back with types, modes and contents', async () => {
  const archive = await packNewc(entries);
  const listing = await execa('cpio', ['-itv', '--quiet'], { input: archive });
  const lines = listing.stdout.split('\n');
  const names = await execa('cpio', ['-it', '--quiet'], { input: archive });
  assert.equal(names.stdout.split('\n'), ['bin', 'bin/sh', 'dev', 'dev/console', 'init']);
  assert.match(lines.find((l) => l.includes('bin/sh'))!, /^lrwxrwxrwx.* bin\/sh -> busybox$/);
  assert.match(lines.find((l) => l.endsWith(' init'))!, /^-rwxr-xr-x/);
  assert.match(lines.find((l) => l.includes('dev/console'))!, /^crw-------.* 5,\s+1 /);
  const extracted = await execa('cpio', ['-i', '--quiet', '--to-stdout', 'init'], { input: archive });
  assert.is(extracted.stdout, '#!/bin/sh\necho hi');
});

test('concatenated archives stay aligned and both parts are read', async () => {
  const a = await packNewc([{ type: 'file', name: 'a', data: Buffer.from('x') }]);
  const b = await packNewc([{ type: 'file', name: 'b', data: Buffer.from('y') }]);
  const both = concatArchives([a, b]);
  assert.is(a.length % 4, 0);
  assert.ok(both.subarray(a.length, a.length + 6).equals(Buffer.from('070701')));
});

test.run();
