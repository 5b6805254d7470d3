/**
 * casync's blob index (.caibx): which chunks, in order, make a file. Layout from casync's
 * src/caformat.h, all integers little-endian u64:
 *
 *   INDEX  size=48 type feature_flags chunk_size_min chunk_size_avg chunk_size_max
 *   TABLE  size=UINT64_MAX type
 *   items  { end offset of the chunk in the file; 32-byte chunk id } ...
 *   tail   0 0 index_offset=48 table_size marker
 *
 * A chunk's id is the digest of its uncompressed bytes: SHA-512/256 when the flags carry
 * CA_FORMAT_SHA512_256 (casync's default), else SHA-256. Pure.
 */
import { createHash } from 'node:crypto';
import { SimError } from '../core/errors.js';

export type ChunkDigest = 'sha256' | 'sha512-256';

export interface BlobChunk {
  /** Offset in the blob. */
  start: number;
  size: number;
  /** 64 lowercase hex digits. */
  id: string;
}

export interface BlobIndex {
  digest: ChunkDigest;
  chunkSize: { min: number; avg: number; max: number };
  chunks: BlobChunk[];
  /** The blob's size: the end of the last chunk. */
  size: number;
}

const INDEX_TYPE = 0x96824d9c7b129ff9n;
const TABLE_TYPE = 0xe75b9e112f17417dn;
const TABLE_TAIL_MARKER = 0x4b4f050e5549ecd1n;
const UINT64_MAX = 0xffffffffffffffffn;

const SHA512_256 = 0x2000000000000000n;
const EXCLUDE_FILE = 0x1000000000000000n;
const EXCLUDE_NODUMP = 0x8000000000000000n;
/** CA_FORMAT_FEATURE_FLAGS_MAX: every WITH_ bit (0-32) and the four EXCLUDE_/SHA512_256 bits. */
const KNOWN_FLAGS = 0xf0000001ffffffffn;
/** casync refuses chunk sizes outside CA_CHUNK_SIZE_LIMIT_MIN..MAX. */
const CHUNK_SIZE_LIMIT = { min: 1, max: 128 * 1024 * 1024 };

const INDEX_SIZE = 48;
const TABLE_HEADER_SIZE = 16;
const ITEM_SIZE = 40;
const TAIL_SIZE = 40;
const ID_SIZE = 32;

function damaged(why: string): SimError {
  return new SimError('REMOTE_BAD_DATA', `The casync index is damaged: ${why}.`, 'Nothing was stored. Try again; if it persists, tell the publisher (casync make writes valid indexes).');
}

/** A u64 read as a number, refused when beyond 2^53 (no image is that large). */
function safeNumber(value: bigint, what: string): number {
  if (value > BigInt(Number.MAX_SAFE_INTEGER)) throw damaged(`${what} ${value} is out of range`);
  return Number(value);
}

export function parseBlobIndex(bytes: Buffer): BlobIndex {
  const head = INDEX_SIZE + TABLE_HEADER_SIZE;
  if (bytes.length < head + TAIL_SIZE) throw damaged(`it has ${bytes.length} bytes, fewer than an empty index`);
  if (bytes.readBigUInt64LE(0) !== BigInt(INDEX_SIZE) || bytes.readBigUInt64LE(8) !== INDEX_TYPE) throw damaged('it does not start with an INDEX object (not a .caibx file?)');
  const flags = bytes.readBigUInt64LE(16);
  if ((flags & ~KNOWN_FLAGS) !== 0n) throw damaged(`its feature flags 0x${flags.toString(16)} have unknown bits`);
  const [min, avg, max] = [24, 32, 40].map((at, i) => safeNumber(bytes.readBigUInt64LE(at), ['minimum', 'average', 'maximum'][i]! + ' chunk size')) as [number, number, number];
  if ([min, avg, max].some((size) => size < CHUNK_SIZE_LIMIT.min || size > CHUNK_SIZE_LIMIT.max) || !(min <= avg && avg <= max)) {
    throw damaged(`its chunk sizes ${min}/${avg}/${max} are not ordered within 1 byte..128 MiB`);
  }
  // The table's size is left at UINT64_MAX so casync can write it incrementally; the tail repeats it.
  if (bytes.readBigUInt64LE(INDEX_SIZE) !== UINT64_MAX || bytes.readBigUInt64LE(INDEX_SIZE + 8) !== TABLE_TYPE) throw damaged('the INDEX is not followed by a TABLE');
  if ((bytes.length - head - TAIL_SIZE) % ITEM_SIZE !== 0) throw damaged(`its ${bytes.length} bytes are not a whole number of table items`);

  const tail = bytes.length - TAIL_SIZE;
  const count = (tail - head) / ITEM_SIZE;
  if (bytes.readBigUInt64LE(tail + 32) !== TABLE_TAIL_MARKER) throw damaged('the table tail marker is missing (cut short, or trailing bytes?)');
  if (bytes.readBigUInt64LE(tail) !== 0n || bytes.readBigUInt64LE(tail + 8) !== 0n) throw damaged('the table tail is not zero-filled');
  if (bytes.readBigUInt64LE(tail + 16) !== BigInt(INDEX_SIZE)) throw damaged('the table tail does not point back at the INDEX');
  if (bytes.readBigUInt64LE(tail + 24) !== BigInt(TABLE_HEADER_SIZE + count * ITEM_SIZE + TAIL_SIZE)) throw damaged(`the table tail's size does not match its ${count} items`);

  const chunks: BlobChunk[] = [];
  let start = 0;
  for (let i = 0; i < count; i++) {
    const at = head + i * ITEM_SIZE;
    const end = safeNumber(bytes.readBigUInt64LE(at), `chunk ${i}'s end offset`);
    if (end <= start) throw damaged(`chunk ${i} ends at ${end}, not after its start ${start}`);
    if (end - start > max) throw damaged(`chunk ${i} has ${end - start} bytes, above the maximum chunk size ${max}`);
    chunks.push({ start, size: end - start, id: bytes.toString('hex', at + 8, at + 8 + ID_SIZE) });
    start = end;
  }
  return { digest: (flags & SHA512_256) !== 0n ? 'sha512-256' : 'sha256', chunkSize: { min, avg, max }, chunks, size: start };
}

/**
 * The .caibx bytes of `index`. Its feature flags are those `casync make` writes for a blob
 * (exclude-nodump, exclude-file, and sha512-256 by digest): the other bits only describe
 * directory archives, so an index from casync's defaults comes back byte for byte. Throws a
 * plain Error for an inconsistent index: that is a bug in the caller, not damaged input.
 */
export function formatBlobIndex(index: BlobIndex): Buffer {
  const { min, avg, max } = index.chunkSize;
  if (!(CHUNK_SIZE_LIMIT.min <= min && min <= avg && avg <= max && max <= CHUNK_SIZE_LIMIT.max)) throw new Error(`Chunk sizes ${min}/${avg}/${max} are not ordered within 1 byte..128 MiB.`);
  const count = index.chunks.length;
  const bytes = Buffer.alloc(INDEX_SIZE + TABLE_HEADER_SIZE + count * ITEM_SIZE + TAIL_SIZE);
  const flags = EXCLUDE_NODUMP | EXCLUDE_FILE | (index.digest === 'sha512-256' ? SHA512_256 : 0n);
  [BigInt(INDEX_SIZE), INDEX_TYPE, flags, BigInt(min), BigInt(avg), BigInt(max), UINT64_MAX, TABLE_TYPE].forEach((value, i) => bytes.writeBigUInt64LE(value, i * 8));
  let end = 0;
  index.chunks.forEach((chunk, i) => {
    if (chunk.start !== end || chunk.size < 1 || chunk.size > max) throw new Error(`Chunk ${i} (${chunk.start}+${chunk.size}) does not follow the previous one within the maximum size ${max}.`);
    if (!/^[0-9a-f]{64}$/.test(chunk.id)) throw new Error(`Chunk ${i}'s id '${chunk.id}' is not 64 lowercase hex digits.`);
    end += chunk.size;
    const at = INDEX_SIZE + TABLE_HEADER_SIZE + i * ITEM_SIZE;
    bytes.writeBigUInt64LE(BigInt(end), at);
    bytes.write(chunk.id, at + 8, ID_SIZE, 'hex');
  });
  if (end !== index.size) throw new Error(`The chunks end at ${end}, not at the index's size ${index.size}.`);
  const tail = bytes.length - TAIL_SIZE;
  bytes.writeBigUInt64LE(BigInt(INDEX_SIZE), tail + 16);
  bytes.writeBigUInt64LE(BigInt(TABLE_HEADER_SIZE + count * ITEM_SIZE + TAIL_SIZE), tail + 24);
  bytes.writeBigUInt64LE(TABLE_TAIL_MARKER, tail + 32);
  return bytes;
}

/** Where a chunk lives in a casync store, relative to the store: `abcd/abcd….cacnk`. */
export function chunkStorePath(id: string): string {
  return `${id.slice(0, 4)}/${id}.cacnk`;
}

/** A chunk's id: the index's digest of its uncompressed bytes, in hex. */
export function chunkId(digest: ChunkDigest, data: Uint8Array): string {
  return createHash(digest).update(data).digest('hex');
}
