import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { SimError } from '../../../src/core/errors.js';
import { chunkId, chunkStorePath, formatBlobIndex, parseBlobIndex, type BlobIndex } from '../../../src/remote/casync-index.js';
import { expectSimError } from '../../helpers/sim-error.js';

/** 600,000 bytes from a linear congruential generator: the blob the two indexes below describe. */
function blob(): Buffer {
  const bytes = Buffer.alloc(600_000);
  let x = 1;
  for (let i = 0; i < bytes.length; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    bytes[i] = x >>> 24;
  }
  return bytes;
}

// `casync make --store=s p.caibx p.raw` (casync 2, Debian), with the default digest and with --digest=sha256.
const CASYNC_SHA512_256 = Buffer.from(
  'MAAAAAAAAAD5nxJ7nE2ClgAAAAAAAACwAEAAAAAAAAAAAAEAAAAAAAAABAAAAAAA//////////99QRcvEZ5b5wAABAAAAAAAbDi+xujHyAjfvgXYee1ToGYWQSMEGfFQjX4/dZwI0NoAAAgAAAAAAGLx2pidSKduW/VDLT2GGRAht0c4p8ay2zouN6aF3fLLwCcJAAAAAABXQ9ZgLDZDF/eLD0MnSQk7YYvPLXvKr8JcIKmROwpXoAAAAAAAAAAAAAAAAAAAAAAwAAAAAAAAALAAAAAAAAAA0exJVQ4FT0s=',
  'base64',
);
const CASYNC_SHA256 = Buffer.from(
  'MAAAAAAAAAD5nxJ7nE2ClgAAAAAAAACQAEAAAAAAAAAAAAEAAAAAAAAABAAAAAAA//////////99QRcvEZ5b5wAABAAAAAAAPhwpCZKP2+kIv/R41Q4NSZM7MXjeN7SH6f37svyXH4MAAAgAAAAAAMHOutq3i4uCnOwAvu4l2/9BliYRLoo+PXjlMCoX6rudwCcJAAAAAACZDsf6JNIGaT7cnOBBzDLOidsrrzxcl6Eo5DfnVVnZpQAAAAAAAAAAAAAAAAAAAAAwAAAAAAAAALAAAAAAAAAA0exJVQ4FT0s=',
  'base64',
);

test("casync's index: default sizes, end offsets, SHA-512/256 ids of the chunks' bytes", () => {
  const index = parseBlobIndex(CASYNC_SHA512_256);
  assert.is(index.digest, 'sha512-256');
  assert.equal(index.chunkSize, { min: 16384, avg: 65536, max: 262144 });
  assert.equal(index.chunks.map(({ start, size }) => [start, size]), [[0, 262144], [262144, 262144], [524288, 75712]]);
  assert.is(index.size, 600_000);
  const bytes = blob();
  for (const chunk of index.chunks) assert.is(chunkId('sha512-256', bytes.subarray(chunk.start, chunk.start + chunk.size)), chunk.id);
});

test('without the SHA512_256 flag the ids are SHA-256', () => {
  const index = parseBlobIndex(CASYNC_SHA256);
  assert.is(index.digest, 'sha256');
  const bytes = blob();
  for (const chunk of index.chunks) assert.is(chunkId('sha256', bytes.subarray(chunk.start, chunk.start + chunk.size)), chunk.id);
});

test("formatting casync's indexes gives back their bytes", () => {
  assert.ok(formatBlobIndex(parseBlobIndex(CASYNC_SHA512_256)).equals(CASYNC_SHA512_256));
  assert.ok(formatBlobIndex(parseBlobIndex(CASYNC_SHA256)).equals(CASYNC_SHA256));
});

const id = (n: number) => n.toString(16).padStart(2, '0').repeat(32);

function crafted(sizes: number[] = [100, 4000, 7], digest: BlobIndex['digest'] = 'sha256'): BlobIndex {
  let start = 0;
  const chunks = sizes.map((size, i) => {
    const chunk = { start, size, id: id(i + 1) };
    start += size;
    return chunk;
  });
  return { digest, chunkSize: { min: 1, avg: 1000, max: 4096 }, chunks, size: start };
}

test('parse(format(index)) round-trips, empty ones too', () => {
  for (const index of [crafted(), crafted([4096, 4096], 'sha512-256'), crafted([])]) assert.equal(parseBlobIndex(formatBlobIndex(index)), index);
});

test('format refuses an inconsistent index (a bug, not damaged input)', () => {
  const gap = crafted();
  gap.chunks[1]!.start += 1;
  const big = crafted([5000]);
  const badId = crafted();
  badId.chunks[0]!.id = 'AB'.repeat(32);
  const short = { ...crafted(), size: 1 };
  for (const index of [gap, big, badId, short]) {
    try {
      formatBlobIndex(index);
      assert.unreachable('formatted');
    } catch (error) {
      assert.instance(error, Error);
      assert.not.instance(error, SimError);
    }
  }
});

/** The crafted index's bytes with `edit` applied. */
function damaged(edit: (bytes: Buffer) => Buffer | void): Buffer {
  const bytes = formatBlobIndex(crafted());
  return edit(bytes) ?? bytes;
}

const ITEMS = 64;
const TAIL = 64 + 3 * 40;

// Each with the reason it must be refused for, so that no case passes by tripping an earlier check.
const cases: [string, Buffer, RegExp][] = [
  ['empty', Buffer.alloc(0), /fewer than an empty index/],
  ['cut short inside the header', damaged((b) => b.subarray(0, 50)), /fewer than an empty index/],
  ['not an INDEX object', damaged((b) => void b.writeBigUInt64LE(0x1396fabcea5bbb51n, 8)), /not start with an INDEX/],
  ['an INDEX of the wrong size', damaged((b) => void b.writeBigUInt64LE(56n, 0)), /not start with an INDEX/],
  ['unknown feature flags', damaged((b) => void b.writeBigUInt64LE(0x0800000000000000n, 16)), /unknown bits/],
  ['a zero minimum chunk size', damaged((b) => void b.writeBigUInt64LE(0n, 24)), /chunk sizes 0\/1000\/4096/],
  ['minimum above average', damaged((b) => void b.writeBigUInt64LE(2000n, 24)), /chunk sizes 2000\/1000/],
  ['a maximum above 128 MiB', damaged((b) => void b.writeBigUInt64LE(BigInt(256 << 20), 40)), /chunk sizes 1\/1000\/268435456/],
  ['no TABLE after the INDEX', damaged((b) => void b.writeBigUInt64LE(0x96824d9c7b129ff9n, 56)), /not followed by a TABLE/],
  ['a TABLE with a size', damaged((b) => void b.writeBigUInt64LE(1000n, 48)), /not followed by a TABLE/],
  ['a trailing byte', damaged((b) => Buffer.concat([b, Buffer.alloc(1)])), /not a whole number of table items/],
  ['trailing whole items', damaged((b) => Buffer.concat([b, Buffer.alloc(40)])), /marker is missing/],
  ['cut short by one item (no tail)', damaged((b) => b.subarray(0, b.length - 40)), /marker is missing/],
  ['a tail without its marker', damaged((b) => void b.writeBigUInt64LE(0n, TAIL + 32)), /marker is missing/],
  ['a tail not zero-filled', damaged((b) => void b.writeBigUInt64LE(1n, TAIL + 8)), /not zero-filled/],
  ['a tail not pointing at the INDEX', damaged((b) => void b.writeBigUInt64LE(64n, TAIL + 16)), /point back at the INDEX/],
  ["a tail's size not matching the items", damaged((b) => void b.writeBigUInt64LE(16n + 2n * 40n + 40n, TAIL + 24)), /size does not match its 3 items/],
  ['offsets going backwards', damaged((b) => void b.writeBigUInt64LE(50n, ITEMS + 40)), /chunk 1 ends at 50, not after its start 100/],
  ['an empty chunk', damaged((b) => void b.writeBigUInt64LE(100n, ITEMS + 40)), /chunk 1 ends at 100, not after/],
  ['a chunk above the maximum size', damaged((b) => void b.writeBigUInt64LE(100n + 4097n, ITEMS + 40)), /chunk 1 has 4097 bytes, above the maximum chunk size 4096/],
  ['an offset beyond 2^53', damaged((b) => void b.writeBigUInt64LE(1n << 60n, ITEMS)), /out of range/],
];

for (const [what, bytes, reason] of cases) {
  test(`damaged: ${what} is REMOTE_BAD_DATA`, async () => {
    const error = await expectSimError(() => parseBlobIndex(bytes), 'REMOTE_BAD_DATA');
    assert.match(error.message, /^The casync index is damaged: .+\.$/);
    assert.match(error.message, reason);
  });
}

test('chunks live in the store under their first four hex digits', () => {
  assert.is(chunkStorePath(id(0xab)), `abab/${id(0xab)}.cacnk`);
});

test('SHA-512/256 is the standard one (its own initial values), not SHA-512 cut short', () => {
  assert.is(chunkId('sha512-256', Buffer.from('abc')), '53048e2681941ef99b2e29b76b4c7dabe4c2d0c634fc6d46e0e2f13107e7af23');
});

test.run();
