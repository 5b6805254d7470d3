import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { classifyUrl, defaultName } from '../../../src/remote/source.js';
import { formatChecksums, parseChecksums, parseManifest, versionFromDate } from '../../../src/remote/published.js';
import { planRetirement, versionName } from '../../../src/remote/versions.js';
import { compressionOf } from '../../../src/remote/decompress.js';
import { transferText } from '../../../src/cli/progress.js';
import { expectSimError } from '../../helpers/sim-error.js';
import { fakeImage } from '../../helpers/image-meta.js';
import type { ImageMeta } from '../../../src/images/meta.js';

test('a URL ending in / or naming the manifest is a published directory; anything else a file', () => {
  assert.equal(classifyUrl('https://images.example.org/nightly/'), { url: 'https://images.example.org/nightly/', kind: 'published', base: 'https://images.example.org/nightly/' });
  assert.is(classifyUrl('https://images.example.org/nightly/sim-image.json').base, 'https://images.example.org/nightly/');
  const file = classifyUrl('http://h/x/os%20build.qcow2.xz#frag');
  assert.equal([file.kind, file.base, file.fileName, file.url], ['file', 'http://h/x/', 'os build.qcow2.xz', 'http://h/x/os%20build.qcow2.xz']);
});

test('other schemes and non-URLs are usage errors', async () => {
  await expectSimError(() => classifyUrl('ftp://h/x.qcow2'), 'USAGE');
  await expectSimError(() => classifyUrl('/srv/x.qcow2'), 'USAGE');
});

test('default names: the manifest\'s, else the file\'s without its extensions', () => {
  assert.is(defaultName(classifyUrl('https://h/a/nightly.qcow2.zst')), 'nightly');
  assert.is(defaultName(classifyUrl('https://h/a/Fedora 41.raw.xz')), 'Fedora-41');
  assert.is(defaultName(classifyUrl('https://h/gnome/'), 'gnomeos'), 'gnomeos');
  assert.is(defaultName(classifyUrl('https://h/gnome/')), 'gnome');
});

test('checksum lists read and written as sha256sum does', () => {
  const sums = parseChecksums(`${'A'.repeat(64)}  image.caibx\n${'b'.repeat(64)} *disk.raw\nnot a line\n`);
  assert.equal([...sums], [['image.caibx', 'a'.repeat(64)], ['disk.raw', 'b'.repeat(64)]]);
  assert.is(formatChecksums(sums), `${'b'.repeat(64)}  disk.raw\n${'a'.repeat(64)}  image.caibx\n`);
});

test('a manifest that is not one is REMOTE_BAD_DATA', async () => {
  await expectSimError(() => parseManifest('{"format":"other"}', 'u'), 'REMOTE_BAD_DATA');
  await expectSimError(() => parseManifest('<html>', 'u'), 'REMOTE_BAD_DATA');
});

test('versions from dates sort as they were made and make plain file names', () => {
  assert.is(versionFromDate(new Date('2026-12-03T04:12:33.120Z')), '2026-12-03T0412Z');
});

function pulled(id: string, pulledAt: string, version?: string): ImageMeta {
  return { ...fakeImage({ id: id.repeat(64).slice(0, 64) }), names: [], remote: { url: 'https://h/n/', kind: 'published', verifiedBy: 'none', pulledAt, checkedAt: pulledAt, ...(version ? { version } : {}) } };
}

test('retirement keeps the newest N and those in use, named NAME-VERSION; the rest go', () => {
  const current = { ...pulled('a', '2026-12-04T00:00:00.000Z', 'v4'), names: ['nightly'] };
  const older = [pulled('b', '2026-12-03T00:00:00.000Z', 'v3'), pulled('c', '2026-12-02T00:00:00.000Z', 'v2'), pulled('d', '2026-12-01T00:00:00.000Z')];
  const other = { ...pulled('e', '2026-12-01T00:00:00.000Z'), remote: { ...pulled('e', '2026-12-01T00:00:00.000Z').remote!, url: 'https://other/' } };
  const plan = planRetirement(current, [current, ...older, other], 1, new Set([older[2]!.id]));
  assert.equal(plan.keep.map((k) => [k.name, k.inUse]), [['nightly-v3', false], ['nightly-2026-12-01T0000Z', true]]);
  assert.equal(plan.remove.map((m) => m.remote?.version), ['v2']);
  assert.is(versionName('n', pulled('f', '2026-12-01T10:20:30.000Z', 'a b')), 'n-a-b');
});

test('compression by magic bytes', () => {
  assert.is(compressionOf(Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00, 0, 0])), 'xz');
  assert.is(compressionOf(Buffer.from([0x28, 0xb5, 0x2f, 0xfd])), 'zstd');
  assert.is(compressionOf(Buffer.from([0x1f, 0x8b, 8])), 'gzip');
  assert.is(compressionOf(Buffer.from('QFI\xfb')), undefined);
});

test('the progress bar of a transfer', () => {
  assert.is(transferText({ done: 50 * 1048576, total: 200 * 1048576 }, 10_000), '[###·······] 50/200 MiB 5.0 MiB/s');
  assert.is(transferText({ done: 3 * 1048576 }, 1000), '3 MiB 3.0 MiB/s');
});

test.run();
