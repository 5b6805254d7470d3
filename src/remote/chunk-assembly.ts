/**
 * A file assembled from a casync blob index: each chunk is copied from a seed (a previous
 * version and its index) when one holds it, else fetched, decompressed and checked against its
 * id. Chunks are taken in index order through a bounded window (4 chunks per fetch slot, at
 * most 64 MiB), so memory does not grow with the image, and the output's sha256 is computed as
 * it is written.
 */
import { createHash } from 'node:crypto';
import { open, readFile, rm, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { gunzip } from 'node:zlib';
import { decompress as zstdDecompress } from 'fzstd';
import { writeFileAtomic } from '../core/atomic.js';
import { SimError } from '../core/errors.js';
import { compressionOf } from './decompress.js';
import { chunkId, chunkStorePath, type BlobChunk, type BlobIndex, type ChunkDigest } from './casync-index.js';

export interface AssembleOptions {
  index: BlobIndex;
  /** The file to write: created or truncated to the index's size, sparse (all-zero chunks are not written). Not one of the seeds. */
  out: string;
  /** Chunks with the same id are copied from these, after checking the copied bytes against the id. */
  seeds: { index: BlobIndex; file: string }[];
  /** A chunk as the store serves it (compressed .cacnk bytes). */
  fetchChunk: (id: string, signal?: AbortSignal) => Promise<Buffer>;
  /** Fetched chunks are kept here (compressed, verified, a casync store itself) so an interrupted run resumes; checked before fetchChunk. */
  chunkCache?: string;
  /** Parallel fetches (default 8). */
  concurrency?: number;
  signal?: AbortSignal;
  /** Called after each chunk is written (often: throttle what it shows). */
  onProgress?: (progress: AssembleProgress) => void;
}

export interface AssembleProgress {
  doneBytes: number;
  totalBytes: number;
  /** Bytes not fetched by this run: copied from a seed, found in the chunk cache, or a repeat of a chunk written already. */
  reusedBytes: number;
  /** Uncompressed bytes of the chunks fetched (doneBytes = reusedBytes + fetchedBytes). */
  fetchedBytes: number;
  /** Compressed bytes fetched. */
  transferredBytes: number;
}

export interface AssembleResult extends AssembleProgress {
  /** Of the whole output. */
  sha256: string;
  chunksFetched: number;
  chunksReused: number;
}

/** Look-ahead past the chunk being written: entries (per fetch slot) and bytes, whichever is reached first. */
const AHEAD_PER_SLOT = 4;
const AHEAD_BYTES = 64 << 20;

interface Obtained {
  data: Buffer;
  /** Compressed bytes fetched for it; undefined when it did not come from the server. */
  transferred?: number;
}

const gunzipAsync = promisify(gunzip);

function badChunk(chunk: BlobChunk, why: string): SimError {
  return new SimError(
    'REMOTE_BAD_DATA',
    `Chunk ${chunk.id} (bytes ${chunk.start}-${chunk.start + chunk.size - 1} of the image) from the server is damaged: ${why}.`,
    'Nothing was stored. Try again; if it persists, tell the publisher: their chunk store holds a damaged chunk.',
  );
}

/**
 * A .cacnk's uncompressed bytes, checked against the chunk's size and id. casync's zstd frames
 * carry neither a content size nor a checksum, so the id is the only check there is; the output
 * buffer is sized from the index, which also stops a chunk that would inflate without bound.
 */
async function decodeChunk(compressed: Buffer, chunk: BlobChunk, digest: ChunkDigest): Promise<Buffer> {
  let data: Buffer;
  const compression = compressionOf(compressed);
  try {
    if (compression === 'zstd') {
      const target = new Uint8Array(chunk.size);
      // fzstd 0.1.1 compares this buffer with `== 1`, which without a valueOf turns all of it
      // into a string: 50 MB/s instead of 300 (and 190 with no buffer, a 2 MiB window each).
      Object.defineProperty(target, 'valueOf', { value: () => 0 });
      const out = zstdDecompress(compressed, target);
      data = Buffer.from(out.buffer, out.byteOffset, out.byteLength);
    } else if (compression === 'gzip') {
      data = await gunzipAsync(compressed, { maxOutputLength: chunk.size });
    } else if (compression === 'xz') {
      throw new SimError(
        'REMOTE_BAD_DATA',
        `Chunk ${chunk.id} from the server is xz-compressed, which sim does not read.`,
        "Ask the publisher to publish with casync's default compression, zstd (sim image publish does).",
      );
    } else {
      throw badChunk(chunk, `it is ${compressed.length ? 'neither zstd nor gzip data' : 'empty'}`);
    }
  } catch (error) {
    if (error instanceof SimError) throw error;
    throw badChunk(chunk, `it does not decompress to ${chunk.size} bytes (${(error as Error).message})`);
  }
  if (data.length !== chunk.size) throw badChunk(chunk, `it decompresses to ${data.length} bytes, not ${chunk.size}`);
  if (chunkId(digest, data) !== chunk.id) throw badChunk(chunk, 'its content does not match its id');
  return data;
}

/** At most `limit` holders at once; waiters go in order. */
function semaphore(limit: number) {
  let free = limit;
  const waiting: (() => void)[] = [];
  return {
    async acquire(): Promise<void> {
      if (free > 0) free--;
      else await new Promise<void>((resolve) => waiting.push(resolve));
    },
    release(): void {
      const next = waiting.shift();
      if (next) next();
      else free++;
    },
  };
}

interface SeedChunk {
  handle: FileHandle;
  start: number;
}

/** Each chunk id a seed holds, first seed first. Seeds with another digest cannot share ids; unreadable seed files are skipped. */
async function openSeeds(seeds: AssembleOptions['seeds'], digest: ChunkDigest, out: string): Promise<{ chunks: Map<string, SeedChunk>; handles: FileHandle[] }> {
  // The output is truncated before anything is copied: a seed that is the output would be read as zeros.
  const itself = seeds.find((seed) => path.resolve(seed.file) === path.resolve(out));
  if (itself) throw new Error(`The seed ${itself.file} is the output file itself.`);
  const chunks = new Map<string, SeedChunk>();
  const handles: FileHandle[] = [];
  for (const seed of seeds) {
    if (seed.index.digest !== digest) continue;
    const handle = await open(seed.file, 'r').catch(() => undefined);
    if (!handle) continue;
    handles.push(handle);
    for (const chunk of seed.index.chunks) if (!chunks.has(chunk.id)) chunks.set(chunk.id, { handle, start: chunk.start });
  }
  return { chunks, handles };
}

async function readExactly(handle: FileHandle, size: number, position: number): Promise<Buffer | undefined> {
  const data = Buffer.allocUnsafe(size);
  const { bytesRead } = await handle.read(data, 0, size, position);
  return bytesRead === size ? data : undefined;
}

export async function assembleBlob(options: AssembleOptions): Promise<AssembleResult> {
  const { index, fetchChunk, chunkCache, onProgress } = options;
  const concurrency = Math.max(1, options.concurrency ?? 8);
  const stop = new AbortController();
  const onAbort = () => stop.abort(options.signal?.reason);
  options.signal?.addEventListener('abort', onAbort, { once: true });

  const progress: AssembleProgress = { doneBytes: 0, totalBytes: index.size, reusedBytes: 0, fetchedBytes: 0, transferredBytes: 0 };
  let chunksFetched = 0;
  const hash = createHash('sha256');
  const slots = semaphore(concurrency);
  let zeros = Buffer.alloc(0);
  const zeroBytes = (size: number) => {
    if (zeros.length < size) zeros = Buffer.alloc(Math.max(size, Math.min(index.chunkSize.max, 4 << 20)));
    return zeros.subarray(0, size);
  };

  const seeds = await openSeeds(options.seeds, index.digest, options.out);
  let output: FileHandle;
  try {
    output = await open(options.out, 'w+');
    // Sparse: the all-zero chunks are never written.
    await output.truncate(index.size);
  } catch (error) {
    await Promise.allSettled(seeds.handles.map((handle) => handle.close()));
    throw error;
  }
  // Chunks whose bytes are still to be written, shared by the repeats of an id within the window.
  const pending = new Map<string, Promise<Obtained>>();
  // Ids written already: repeats are read back from the output (zeros need nothing).
  const written = new Map<string, { start: number; size: number; zero: boolean }>();

  const fromSeed = async (chunk: BlobChunk): Promise<Buffer | undefined> => {
    const seed = seeds.chunks.get(chunk.id);
    if (!seed) return undefined;
    const data = await readExactly(seed.handle, chunk.size, seed.start).catch(() => undefined);
    // A damaged seed must not poison the result: its chunk is fetched instead.
    return data && chunkId(index.digest, data) === chunk.id ? data : undefined;
  };

  const cachePath = (id: string) => path.join(chunkCache!, chunkStorePath(id));
  const fromCache = async (chunk: BlobChunk): Promise<Buffer | undefined> => {
    if (!chunkCache) return undefined;
    const compressed = await readFile(cachePath(chunk.id)).catch(() => undefined);
    if (!compressed) return undefined;
    try {
      return await decodeChunk(compressed, chunk, index.digest);
    } catch {
      await rm(cachePath(chunk.id), { force: true });
      return undefined;
    }
  };

  const fromServer = async (chunk: BlobChunk): Promise<Obtained> => {
    await slots.acquire();
    let compressed: Buffer;
    try {
      stop.signal.throwIfAborted();
      compressed = await fetchChunk(chunk.id, stop.signal);
    } finally {
      slots.release();
    }
    const data = await decodeChunk(compressed, chunk, index.digest);
    // Kept even when the run is failing meanwhile: it is verified, and the next run needs it.
    if (chunkCache) await writeFileAtomic(cachePath(chunk.id), compressed);
    return { data, transferred: compressed.length };
  };

  const obtain = async (chunk: BlobChunk): Promise<Obtained> => {
    const data = (await fromSeed(chunk)) ?? (await fromCache(chunk));
    return data ? { data } : fromServer(chunk);
  };

  const schedule = (chunk: BlobChunk): Promise<Obtained> => {
    let promise = pending.get(chunk.id);
    if (!promise) {
      promise = obtain(chunk);
      // Awaited in order by the writer; this only keeps an early failure from being "unhandled".
      promise.catch(() => undefined);
      pending.set(chunk.id, promise);
    }
    return promise;
  };

  const window: { chunk: BlobChunk; bytes: Promise<Obtained> | undefined }[] = [];
  let windowBytes = 0;
  let next = 0;
  const fill = () => {
    while (next < index.chunks.length && window.length < concurrency * AHEAD_PER_SLOT) {
      const chunk = index.chunks[next]!;
      if (window.length > 0 && windowBytes + chunk.size > AHEAD_BYTES) break;
      // A repeat of a written chunk is resolved when its turn comes (it may be read back then).
      window.push({ chunk, bytes: written.has(chunk.id) ? undefined : schedule(chunk) });
      windowBytes += chunk.size;
      next++;
    }
  };

  try {
    for (fill(); window.length > 0; fill()) {
      if (options.signal?.aborted) throw interrupted(chunkCache);
      const { chunk, bytes } = window.shift()!;
      windowBytes -= chunk.size;
      const done = written.get(chunk.id);
      // Ids are digests: the same id with another size is the index's fault.
      if (done && done.size !== chunk.size) throw twoSizes(chunk);
      let data: Buffer;
      let zero: boolean;
      let transferred: number | undefined;
      if (done) {
        zero = done.zero;
        const again = zero ? zeroBytes(chunk.size) : await readExactly(output, chunk.size, done.start);
        if (!again) throw new Error(`${options.out} lost the chunk written at ${done.start}.`);
        data = again;
      } else {
        ({ data, transferred } = await bytes!);
        // Shared with an earlier occurrence in the window, decoded at that one's size.
        if (data.length !== chunk.size) throw twoSizes(chunk);
        zero = data.equals(zeroBytes(data.length));
      }
      if (!zero) await output.write(data, 0, data.length, chunk.start);
      hash.update(data);
      if (!done) {
        written.set(chunk.id, { start: chunk.start, size: chunk.size, zero });
        pending.delete(chunk.id);
      }
      progress.doneBytes += chunk.size;
      // Only the first occurrence of a fetched chunk counts as fetched: its repeats are read back.
      if (transferred !== undefined && !done) {
        chunksFetched++;
        progress.fetchedBytes += chunk.size;
        progress.transferredBytes += transferred;
      } else progress.reusedBytes += chunk.size;
      onProgress?.({ ...progress });
    }
  } catch (error) {
    stop.abort();
    // Let fetches and cache writes in flight end before the files close under them.
    await Promise.allSettled(pending.values());
    throw options.signal?.aborted ? interrupted(chunkCache) : error;
  } finally {
    options.signal?.removeEventListener('abort', onAbort);
    await Promise.allSettled([output.close(), ...seeds.handles.map((handle) => handle.close())]);
  }
  return { ...progress, sha256: hash.digest('hex'), chunksFetched, chunksReused: index.chunks.length - chunksFetched };
}

function twoSizes(chunk: BlobChunk): SimError {
  return new SimError('REMOTE_BAD_DATA', `The casync index lists chunk ${chunk.id} with two different sizes.`, 'Nothing was stored. Tell the publisher: the index is inconsistent.');
}

function interrupted(chunkCache: string | undefined): SimError {
  return new SimError(
    'INTERRUPTED',
    'The download of the image was interrupted.',
    chunkCache ? 'Run it again to go on: the chunks fetched so far are kept.' : 'Run it again when you like; nothing was stored.',
  );
}
