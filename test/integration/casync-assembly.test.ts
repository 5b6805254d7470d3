/**
 * Assembling files from stores and indexes made by Debian's real casync: from nothing, from a
 * previous version as seed, with damaged chunks and seeds, interrupted and resumed, and
 * against `casync extract` of the same index. fetchChunk reads the store from disk.
 */
import { randomBytes } from 'node:crypto';
import { cp, mkdir, mkdtemp, open, readFile, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { execa } from 'execa';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { sha256File } from '../../src/images/hash.js';
import { chunkStorePath, formatBlobIndex, parseBlobIndex, type BlobIndex } from '../../src/remote/casync-index.js';
import { assembleBlob, type AssembleOptions } from '../../src/remote/chunk-assembly.js';
import { expectSimError } from '../helpers/sim-error.js';

const MiB = 1024 * 1024;
let dir = '';
const file = (name: string) => path.join(dir, name);

async function casync(...args: string[]): Promise<void> {
  await execa('casync', args, { cwd: dir });
}

async function index(name: string): Promise<BlobIndex> {
  return parseBlobIndex(await readFile(file(name)));
}

/** fetchChunk over a store directory, counting the calls. */
function storeReader(store: string) {
  const reader = {
    calls: 0,
    fetch: async (id: string) => {
      reader.calls++;
      return readFile(path.join(file(store), chunkStorePath(id)));
    },
  };
  return reader;
}

async function same(a: string, b: string): Promise<boolean> {
  return (await execa('cmp', ['-s', file(a), file(b)], { reject: false })).exitCode === 0;
}

async function assemble(options: Partial<AssembleOptions> & Pick<AssembleOptions, 'index' | 'out' | 'fetchChunk'>) {
  return assembleBlob({ seeds: [], ...options });
}

const unique = (i: BlobIndex) => new Set(i.chunks.map((c) => c.id)).size;

/** Text-like bytes: compressible, like most of a disk image. */
function text(size: number): Buffer {
  const lines: string[] = [];
  for (let n = 0, length = 0; length < size; n++) {
    const line = `${n} /usr/lib/x86_64-linux-gnu/lib${(n * 7919) % 1000}.so.${n % 13} ${(n * 104729) % 65536}\n`;
    lines.push(line);
    length += line.length;
  }
  return Buffer.from(lines.join('')).subarray(0, size);
}

test.before(async () => {
  const found = await execa('casync', ['--version'], { reject: false }).catch(() => undefined);
  if (!found || found.exitCode !== 0) throw new Error('casync is not installed (apt-get install casync).');
  dir = await mkdtemp(path.join(os.tmpdir(), 'sim-casync-test-'));
  // v1: random and text-like data around 4 MiB of zeros (casync cuts those into identical chunks).
  const v1 = Buffer.concat([randomBytes(8 * MiB), text(8 * MiB), Buffer.alloc(4 * MiB), randomBytes(12 * MiB)]);
  // v2: 2 MiB rewritten in the middle, and 3000 bytes inserted further on, shifting what follows.
  const v2 = Buffer.from(v1);
  randomBytes(2 * MiB).copy(v2, 10 * MiB);
  const shifted = Buffer.concat([v2.subarray(0, 24 * MiB), randomBytes(3000), v2.subarray(24 * MiB)]);
  await writeFile(file('v1.raw'), v1);
  await writeFile(file('v2.raw'), shifted);
  // One store for both versions, as a publisher keeps it.
  await casync('make', '--store=store', 'v1.caibx', 'v1.raw');
  await casync('make', '--store=store', 'v2.caibx', 'v2.raw');
});

test.after(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

test("casync's own indexes format back byte for byte", async () => {
  await casync('make', '--digest=sha256', '--store=store-sha256', 'v1-sha256.caibx', 'v1.raw');
  for (const name of ['v1.caibx', 'v2.caibx', 'v1-sha256.caibx']) {
    const bytes = await readFile(file(name));
    assert.ok(formatBlobIndex(parseBlobIndex(bytes)).equals(bytes), name);
  }
  assert.is((await index('v1.caibx')).digest, 'sha512-256');
  assert.is((await index('v1-sha256.caibx')).digest, 'sha256');
});

test('(a) no seed: the same bytes as the input, its sha256, each distinct chunk fetched once, zeros left sparse', async () => {
  const v1 = await index('v1.caibx');
  const reader = storeReader('store');
  const progress: number[] = [];
  const result = await assemble({ index: v1, out: file('a.raw'), fetchChunk: reader.fetch, onProgress: (p) => progress.push(p.doneBytes) });
  assert.ok(await same('a.raw', 'v1.raw'));
  assert.is(result.sha256, await sha256File(file('v1.raw')));
  assert.is(reader.calls, unique(v1));
  assert.is(result.chunksFetched, unique(v1));
  assert.is(result.chunksFetched + result.chunksReused, v1.chunks.length);
  assert.ok(v1.chunks.length - unique(v1) >= 10, 'the zeros repeat one chunk');
  assert.is(result.doneBytes, v1.size);
  assert.is(result.fetchedBytes + result.reusedBytes, v1.size);
  assert.ok(result.transferredBytes < result.fetchedBytes, 'the text compresses');
  assert.is(progress.length, v1.chunks.length);
  assert.is(progress.at(-1), v1.size);
  assert.ok((await stat(file('a.raw'))).blocks * 512 <= v1.size - 3 * MiB, 'the zeros are holes');
});

test('(b) v1 as the seed of v2: the same bytes, a fraction fetched', async () => {
  const [v1, v2] = [await index('v1.caibx'), await index('v2.caibx')];
  const reader = storeReader('store');
  const started = performance.now();
  const result = await assemble({ index: v2, out: file('b.raw'), fetchChunk: reader.fetch, seeds: [{ index: v1, file: file('v1.raw') }] });
  const seconds = (performance.now() - started) / 1000;
  assert.ok(await same('b.raw', 'v2.raw'));
  assert.is(result.sha256, await sha256File(file('v2.raw')));
  const share = result.fetchedBytes / v2.size;
  console.log(
    `  v2 from seed v1: fetched ${result.chunksFetched} of ${v2.chunks.length} chunks, ${(result.fetchedBytes / MiB).toFixed(2)} MiB ` +
      `(${(share * 100).toFixed(1)}% of ${(v2.size / MiB).toFixed(1)} MiB; ${(result.transferredBytes / MiB).toFixed(2)} MiB compressed), ` +
      `reused ${(result.reusedBytes / MiB).toFixed(2)} MiB, in ${seconds.toFixed(2)} s`,
  );
  assert.ok(share < 0.25, `fetched ${share}`);
  assert.ok(result.fetchedBytes >= 2 * MiB, 'the rewritten 2 MiB were fetched');
  assert.is(reader.calls, result.chunksFetched);
});

test('(c) a damaged chunk in the store: REMOTE_BAD_DATA naming it, and it is not kept in the chunk cache', async () => {
  const v1 = await index('v1.caibx');
  // A flipped byte in a text chunk (casync's zstd frames carry no checksum: it may decode to
  // other bytes of the same size), and a chunk's file holding another chunk (valid, wrong content).
  const textChunk = v1.chunks.find((c) => c.start >= 9 * MiB)!;
  const flipped = await readFile(file(`store/${chunkStorePath(textChunk.id)}`));
  flipped[Math.floor(flipped.length / 2)]! ^= 0x40;
  const swapped = v1.chunks.find((c) => c.start >= MiB)!;
  const substitute = await readFile(file(`store/${chunkStorePath(v1.chunks[0]!.id)}`));
  for (const [chunk, bytes] of [[textChunk, flipped], [swapped, substitute]] as const) {
    const store = `store-bad-${chunk.id.slice(0, 8)}`;
    await cp(file('store'), file(store), { recursive: true });
    await rm(file(`${store}/${chunkStorePath(chunk.id)}`), { force: true });
    await writeFile(file(`${store}/${chunkStorePath(chunk.id)}`), bytes);
    const cache = file(`cache-${store}`);
    const error = await expectSimError(assemble({ index: v1, out: file('c.raw'), chunkCache: cache, fetchChunk: storeReader(store).fetch }), 'REMOTE_BAD_DATA');
    assert.ok(error.message.includes(chunk.id), error.message);
    assert.not.ok(await stat(path.join(cache, chunkStorePath(chunk.id))).catch(() => undefined), 'the damaged chunk was cached');
  }
});

test('(d) interrupted after some chunks, then resumed with the same chunk cache: only the rest is fetched', async () => {
  const v1 = await index('v1.caibx');
  const cache = file('cache-resume');
  const reader = storeReader('store');
  let delivered = 0;
  const failing = async (id: string) => {
    if (reader.calls >= 30) throw new Error('connection reset');
    const bytes = await reader.fetch(id);
    delivered++;
    return bytes;
  };
  try {
    await assemble({ index: v1, out: file('d.raw'), chunkCache: cache, concurrency: 4, fetchChunk: failing });
    assert.unreachable('the first run failed');
  } catch (error) {
    assert.is((error as Error).message, 'connection reset');
  }
  assert.is(delivered, 30);
  const again = storeReader('store');
  const result = await assemble({ index: v1, out: file('d.raw'), chunkCache: cache, concurrency: 4, fetchChunk: again.fetch });
  assert.is(again.calls, unique(v1) - delivered);
  assert.is(result.chunksFetched, again.calls);
  assert.ok(await same('d.raw', 'v1.raw'));
  assert.is(result.sha256, await sha256File(file('v1.raw')));
  // The cache is a casync store: casync reads it.
  await casync('extract', '--store=cache-resume', 'v1.caibx', 'd-casync.raw');
  assert.ok(await same('d-casync.raw', 'v1.raw'));
});

test('(e) a damaged seed: its bad chunks are fetched instead, the result is still exact', async () => {
  const [v1, v2] = [await index('v1.caibx'), await index('v2.caibx')];
  await cp(file('v1.raw'), file('seed.raw'));
  const seed = await open(file('seed.raw'), 'r+');
  await seed.write(randomBytes(MiB), 0, MiB, 20 * MiB + 12345);
  await seed.close();
  const clean = await assemble({ index: v2, out: file('e-clean.raw'), fetchChunk: storeReader('store').fetch, seeds: [{ index: v1, file: file('v1.raw') }] });
  const result = await assemble({ index: v2, out: file('e.raw'), fetchChunk: storeReader('store').fetch, seeds: [{ index: v1, file: file('seed.raw') }] });
  assert.ok(await same('e.raw', 'v2.raw'));
  assert.is(result.sha256, clean.sha256);
  assert.ok(result.fetchedBytes >= clean.fetchedBytes + MiB, `${result.fetchedBytes} vs ${clean.fetchedBytes}`);
  // A seed file that is gone is no seed at all.
  const gone = await assemble({ index: v2, out: file('e-gone.raw'), fetchChunk: storeReader('store').fetch, seeds: [{ index: v1, file: file('missing.raw') }] });
  assert.is(gone.sha256, clean.sha256);
  assert.is(gone.fetchedBytes + gone.reusedBytes, v2.size);
});

test("(f) the same bytes as casync extract's, gzip chunks read, xz chunks refused clearly", async () => {
  const v2 = await index('v2.caibx');
  await casync('extract', '--store=store', 'v2.caibx', 'f-casync.raw');
  await assemble({ index: v2, out: file('f.raw'), fetchChunk: storeReader('store').fetch, seeds: [{ index: await index('v1.caibx'), file: file('v1.raw') }] });
  assert.ok(await same('f.raw', 'f-casync.raw'));

  await writeFile(file('small.raw'), Buffer.concat([text(MiB), randomBytes(MiB)]));
  await casync('make', '--compression=gzip', '--store=store-gzip', 'small-gzip.caibx', 'small.raw');
  const gzip = await assemble({ index: await index('small-gzip.caibx'), out: file('f-gzip.raw'), fetchChunk: storeReader('store-gzip').fetch });
  assert.ok(await same('f-gzip.raw', 'small.raw'));
  assert.is(gzip.sha256, await sha256File(file('small.raw')));

  await casync('make', '--compression=xz', '--store=store-xz', 'small-xz.caibx', 'small.raw');
  const error = await expectSimError(assemble({ index: await index('small-xz.caibx'), out: file('f-xz.raw'), fetchChunk: storeReader('store-xz').fetch }), 'REMOTE_BAD_DATA');
  assert.match(error.message, /xz-compressed/);
});

test('a chunk inflating past its size is refused without being inflated whole (zstd and gzip)', async () => {
  const zstdBomb = (await execa('sh', ['-c', 'head -c 512M /dev/zero | zstd -q -c'], { encoding: 'buffer' })).stdout;
  const gzipBomb = gzipSync(Buffer.alloc(64 * MiB));
  const index: BlobIndex = { digest: 'sha512-256', chunkSize: { min: 1024, avg: 4096, max: 16384 }, chunks: [{ start: 0, size: 16384, id: '0'.repeat(64) }], size: 16384 };
  for (const bomb of [Buffer.from(zstdBomb), gzipBomb]) {
    const started = performance.now();
    const error = await expectSimError(assemble({ index, out: file('bomb.raw'), fetchChunk: () => Promise.resolve(bomb) }), 'REMOTE_BAD_DATA');
    assert.match(error.message, /does not decompress to 16384 bytes/);
    assert.ok(performance.now() - started < 2000, 'stopped early');
  }
});

test('an index repeating a chunk id with another size is refused', async () => {
  const v1 = await index('v1.caibx');
  const zero = v1.chunks.find((c, i) => v1.chunks.findIndex((d) => d.id === c.id) !== i)!;
  const twice: BlobIndex = { ...v1, chunks: [{ ...zero, start: 0 }, { ...zero, start: zero.size, size: zero.size - 1 }], size: 2 * zero.size - 1 };
  const error = await expectSimError(assemble({ index: twice, out: file('twice.raw'), fetchChunk: storeReader('store').fetch }), 'REMOTE_BAD_DATA');
  assert.match(error.message, /two different sizes/);
});

test('aborting stops the run as INTERRUPTED', async () => {
  const v1 = await index('v1.caibx');
  const controller = new AbortController();
  const reader = storeReader('store');
  const error = await expectSimError(
    assemble({
      index: v1,
      out: file('abort.raw'),
      signal: controller.signal,
      fetchChunk: async (id) => {
        if (reader.calls === 10) controller.abort();
        return reader.fetch(id);
      },
    }),
    'INTERRUPTED',
  );
  assert.match(error.hint, /again/);
  assert.ok(reader.calls < unique(v1));
});

test('an empty index makes an empty file', async () => {
  await writeFile(file('empty.raw'), '');
  await casync('make', '--store=store-empty', 'empty.caibx', 'empty.raw');
  await mkdir(file('store-empty'), { recursive: true });
  const result = await assemble({ index: await index('empty.caibx'), out: file('empty-out.raw'), fetchChunk: storeReader('store-empty').fetch });
  assert.is((await stat(file('empty-out.raw'))).size, 0);
  assert.is(result.sha256, 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
});

test.run();
