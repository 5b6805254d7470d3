/**
 * `sim image pull URL` and `sim image update NAME`: an image from a server, verified before
 * anything is stored, then imported like `sim image add`. A published directory is assembled
 * from casync chunks: an update fetches only the chunks the stored version lacks. A single image
 * file is downloaded whole (resumable), checked and decompressed. Partial downloads wait in the
 * cache's downloads/ directory for the next attempt; the store only ever sees finished,
 * verified images, and the previous version stays bootable until the new one is stored.
 */
import { mkdir, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { SimError, isSimError, noSpaceError } from '../core/errors.js';
import { emit, type EventSink } from '../core/events.js';
import { withLock } from '../core/lock.js';
import { run } from '../core/process.js';
import type { SimContext } from '../core/context.js';
import { sha256, sha256File } from '../images/hash.js';
import type { ImageMeta } from '../images/meta.js';
import { assignName, findImage, imageDir, imageFile, listImages, recordRemote, resolveImage } from '../images/store.js';
import { importImage } from '../images/import.js';
import { parseBlobIndex, chunkStorePath, type BlobIndex } from './casync-index.js';
import { assembleBlob } from './chunk-assembly.js';
import { detectCompression, decompressFile } from './decompress.js';
import { downloadFile, fetchBytes, type Validators } from './http.js';
import { CHECKSUMS, listedChecksum, parseChecksums, parseManifest, SIGNATURE, MANIFEST, type Manifest } from './published.js';
import { verifySignature } from './signature.js';
import { classifyUrl, defaultName, publishedUrl, type RemoteSource } from './source.js';
import { retireVersions } from './versions.js';

export interface PullOptions {
  name?: string;
  /** The sha256 of the file as served, or, for a published directory, of its raw disk (the image id). */
  sha256?: string;
  /** An OpenPGP keyring: the checksum list published beside the image must carry a good signature by one of its keys. */
  keyring?: string;
  /** Store the image unverified (no --sha256 or --keyring). */
  verify?: boolean;
  events?: EventSink;
  signal?: AbortSignal;
}

export interface UpdateOptions {
  /** The new version's sha256 (images pulled with --sha256 have nothing else to check it against). */
  sha256?: string;
  /** Older versions to keep (named NAME-VERSION); the others are removed once no simulator uses them. */
  keep?: number;
  events?: EventSink;
  signal?: AbortSignal;
}

export interface PullResult {
  meta: ImageMeta;
  /** False when the server had nothing newer than the store (update), or the content was stored already. */
  changed: boolean;
  /** Bytes received from the server, and the image's size: the update's saving in one line. */
  transferredBytes: number;
  imageBytes: number;
  /** Bytes taken from the stored version instead of the server (published directories). */
  reusedBytes: number;
  removed: string[];
  kept: string[];
}

type Verification = { by: 'keyring'; keyring: string } | { by: 'sha256'; sha256: string } | { by: 'none' };

function verificationOf(options: { sha256?: string; keyring?: string; verify?: boolean }): Verification {
  if (options.keyring) return { by: 'keyring', keyring: path.resolve(options.keyring) };
  if (options.sha256) return { by: 'sha256', sha256: options.sha256.toLowerCase() };
  if (options.verify === false) return { by: 'none' };
  throw new SimError(
    'IMAGE_UNVERIFIED',
    'sim stores a downloaded image only once it is verified, and nothing to verify it against was given.',
    'Give --keyring FILE (the publisher\'s OpenPGP keys; the checksum list beside the image must be signed) or --sha256 HEX; --no-verify stores it unchecked.',
  );
}

/** A throttled transfer-progress reporter: about 4 events a second. */
function byteProgress(events: EventSink | undefined, message: string) {
  let last = 0;
  return (done: number, total?: number) => {
    const now = Date.now();
    if (now - last < 250) return;
    last = now;
    emit(events, { type: 'progress', task: 'image-pull', message, bytes: { done, ...(total ? { total } : {}) } });
  };
}

/** The downloads of one URL: kept across attempts so an interrupted transfer resumes. */
function downloadsDir(ctx: SimContext, url: string): string {
  return path.join(ctx.dirs.cache, 'downloads', sha256(url).slice(0, 16));
}

const STALE_DOWNLOAD_MS = 14 * 24 * 3600 * 1000;

/** Downloads nobody resumed for two weeks. */
async function sweepStaleDownloads(ctx: SimContext): Promise<void> {
  const root = path.join(ctx.dirs.cache, 'downloads');
  for (const entry of await readdir(root).catch(() => [] as string[])) {
    const info = await stat(path.join(root, entry)).catch(() => undefined);
    if (info?.isDirectory() && Date.now() - info.mtimeMs > STALE_DOWNLOAD_MS) await rm(path.join(root, entry), { recursive: true, force: true });
  }
}

function mismatch(what: string, expected: string, actual: string, hint: string): SimError {
  return new SimError('IMAGE_CHECKSUM_MISMATCH', `${what} has sha256 ${actual.slice(0, 16)}…, not the expected ${expected.slice(0, 16)}….`, hint);
}

interface PublishedState {
  manifest: Manifest;
  index: BlobIndex;
  indexBytes: Buffer;
  validators: Validators;
  signer?: string;
}

/**
 * The published directory's checksum list (its signature checked), manifest and index, each
 * checked against the list. Undefined when the list is unchanged since `since`. A publish
 * running meanwhile can pair a new list with an old manifest: that is tried once more.
 */
async function readPublished(source: RemoteSource, verification: Verification, work: string, options: { since?: Validators; signal?: AbortSignal }, attempt = 1): Promise<PublishedState | undefined> {
  const sumsUrl = publishedUrl(source.base, CHECKSUMS);
  const sums = await fetchBytes(sumsUrl, { signal: options.signal, ifNoneMatch: options.since, maxBytes: 1 << 20 });
  if (sums.notModified) return undefined;
  const sumsFile = path.join(work, CHECKSUMS);
  await writeFile(sumsFile, sums.body!);
  let signer: string | undefined;
  if (verification.by === 'keyring') {
    const signature = await fetchBytes(publishedUrl(source.base, SIGNATURE), { signal: options.signal, maxBytes: 1 << 20 }).catch((error: unknown) => {
      if (isSimError(error) && error.code === 'REMOTE_NOT_FOUND') {
        throw new SimError('IMAGE_SIGNATURE_BAD', `${source.base} publishes no signature (${SIGNATURE}) of its checksum list.`, 'Nothing was stored. Ask the publisher to sign (sim image publish --sign-key KEY), or pull with --sha256 HEX instead of --keyring.');
      }
      throw error;
    });
    const signatureFile = path.join(work, SIGNATURE);
    await writeFile(signatureFile, signature.body!);
    try {
      signer = (await verifySignature(sumsFile, signatureFile, verification.keyring, publishedUrl(source.base, CHECKSUMS))).signer;
    } catch (error) {
      if (attempt === 1) return readPublished(source, verification, work, options, 2);
      throw error;
    }
  }
  const listed = parseChecksums(sums.body!.toString('utf8'));
  const manifestUrl = publishedUrl(source.base, MANIFEST);
  const manifestBody = (await fetchBytes(manifestUrl, { signal: options.signal, maxBytes: 1 << 20 })).body!;
  if (sha256(manifestBody) !== listedChecksum(listed, MANIFEST, sumsUrl)) {
    if (attempt === 1) return readPublished(source, verification, work, options, 2);
    throw mismatch(manifestUrl, listedChecksum(listed, MANIFEST, sumsUrl), sha256(manifestBody), 'Nothing was stored. The server\'s files do not match their checksum list: try again after the publisher\'s upload has finished, or tell the publisher.');
  }
  const manifest = parseManifest(manifestBody.toString('utf8'), manifestUrl);
  if (verification.by === 'sha256' && verification.sha256 !== manifest.raw.sha256) {
    throw mismatch(`The image published at ${source.base} (version ${manifest.version})`, verification.sha256, manifest.raw.sha256, 'Nothing was stored. For a published directory --sha256 is the sha256 of its raw disk (the image id `sim image publish` printed); check the value, or verify with --keyring.');
  }
  const indexUrl = publishedUrl(source.base, manifest.index);
  const indexBytes = (await fetchBytes(indexUrl, { signal: options.signal, maxBytes: 256 << 20 })).body!;
  if (sha256(indexBytes) !== listedChecksum(listed, manifest.index, sumsUrl)) {
    if (attempt === 1) return readPublished(source, verification, work, options, 2);
    throw mismatch(indexUrl, listedChecksum(listed, manifest.index, sumsUrl), sha256(indexBytes), 'Nothing was stored. Try again after the publisher\'s upload has finished, or tell the publisher.');
  }
  const index = parseBlobIndex(indexBytes);
  if (index.size !== manifest.raw.bytes) throw new SimError('REMOTE_BAD_DATA', `The index at ${indexUrl} describes ${index.size} bytes, not the ${manifest.raw.bytes} its manifest says.`, 'Nothing was stored. Tell the publisher: the directory is inconsistent.');
  return { manifest, index, indexBytes, validators: sums.validators, ...(signer ? { signer } : {}) };
}

/** The stored version as a casync seed: its raw bytes (converted from qcow2) and its index. */
async function seedOf(ctx: SimContext, meta: ImageMeta | undefined, work: string, events?: EventSink): Promise<{ index: BlobIndex; file: string }[]> {
  if (!meta?.remote?.index) return [];
  const indexBytes = await readFile(path.join(imageDir(ctx, meta), meta.remote.index)).catch(() => undefined);
  if (!indexBytes) return [];
  emit(events, { type: 'progress', task: 'image-pull', message: 'reading the stored version, to reuse its chunks' });
  const file = path.join(work, 'seed.raw');
  await rm(file, { force: true });
  await run('qemu-img', ['convert', '-f', 'qcow2', '-O', 'raw', imageFile(ctx, meta, meta.disk.file), file]);
  return [{ index: parseBlobIndex(indexBytes), file }];
}

/** A full disk while downloading or storing is the user's to fix: NO_SPACE naming where. */
function noSpaceMapped<T>(fn: () => Promise<T>): Promise<T> {
  return fn().catch((error: unknown) => {
    throw noSpaceError(error) ?? error;
  });
}

interface Attempt {
  ctx: SimContext;
  source: RemoteSource;
  verification: Verification;
  name?: string;
  /** The stored version being updated (its chunks are reused; a 304 against its validators means up to date). */
  current?: ImageMeta;
  events?: EventSink;
  signal?: AbortSignal;
}

async function pullPublished(attempt: Attempt, work: string): Promise<PullResult | 'unchanged'> {
  const { ctx, source, verification, current, events, signal } = attempt;
  emit(events, { type: 'progress', task: 'image-pull', message: `reading ${source.base}` });
  const since = current?.remote ? { etag: current.remote.etag, lastModified: current.remote.lastModified } : undefined;
  const state = await readPublished(source, verification, work, { since, signal });
  const now = new Date().toISOString();
  const remoteOf = (s: PublishedState, pulledAt: string): NonNullable<ImageMeta['remote']> => ({
    url: source.url,
    kind: 'published',
    version: s.manifest.version,
    ...(s.validators.etag ? { etag: s.validators.etag } : {}),
    ...(s.validators.lastModified ? { lastModified: s.validators.lastModified } : {}),
    verifiedBy: verification.by,
    ...(verification.by === 'keyring' ? { keyring: verification.keyring } : {}),
    ...(s.signer ? { signer: s.signer } : {}),
    pulledAt,
    checkedAt: now,
  });
  if (!state || state.manifest.raw.sha256 === current?.id) {
    if (current?.remote) await recordRemote(ctx, current.id, { ...current.remote, ...(state ? remoteOf(state, current.remote.pulledAt) : {}), checkedAt: now });
    return 'unchanged';
  }
  const name = attempt.name ?? current?.names[0] ?? defaultName(source, state.manifest.name);
  const stored = await findImage(ctx, state.manifest.raw.sha256);
  let transferredBytes = 0;
  let reusedBytes = 0;
  if (!stored) {
    const seeds = await seedOf(ctx, current, work, events);
    const out = path.join(work, 'disk.raw');
    const storeUrl = publishedUrl(source.base, `${state.manifest.store}/`);
    const report = byteProgress(events, `fetching ${state.manifest.name} ${state.manifest.version}${seeds.length ? ' (only what changed)' : ''}`);
    const assembled = await noSpaceMapped(() =>
      assembleBlob({
        index: state.index,
        out,
        seeds,
        chunkCache: path.join(work, 'chunks'),
        signal,
        fetchChunk: async (id, chunkSignal) => (await fetchBytes(publishedUrl(storeUrl, chunkStorePath(id)), { signal: chunkSignal ?? signal, maxBytes: 64 << 20 })).body!,
        onProgress: (p) => report(p.doneBytes, p.totalBytes),
      }),
    );
    const mib = (bytes: number) => `${(bytes / 1048576).toFixed(1)} MiB`;
    emit(events, { type: 'progress', task: 'image-pull', message: `fetched ${mib(assembled.transferredBytes)} for a ${mib(assembled.totalBytes)} disk${seeds.length ? ` (${mib(assembled.reusedBytes)} reused from the stored version)` : ''}`, done: true });
    if (assembled.sha256 !== state.manifest.raw.sha256) {
      throw mismatch(`The image assembled from ${source.base}`, state.manifest.raw.sha256, assembled.sha256, 'Nothing was stored. Tell the publisher: the chunks do not make the disk the manifest names.');
    }
    transferredBytes = assembled.transferredBytes;
    reusedBytes = assembled.reusedBytes;
    await rm(path.join(work, 'seed.raw'), { force: true });
    await noSpaceMapped(() => importImage(ctx, out, { id: assembled.sha256, name, source: { kind: 'url', path: source.url }, events }));
  } else {
    await assignName(ctx, stored.id, name);
  }
  const meta = await recordRemote(ctx, state.manifest.raw.sha256, remoteOf(state, now), state.indexBytes);
  return { meta, changed: true, transferredBytes, imageBytes: state.manifest.raw.bytes, reusedBytes, removed: [], kept: [] };
}

async function pullFile(attempt: Attempt, work: string): Promise<PullResult | 'unchanged'> {
  const { ctx, source, verification, current, events, signal } = attempt;
  const download = path.join(work, 'download');
  const report = byteProgress(events, `downloading ${source.fileName}`);
  const since = current?.remote ? { etag: current.remote.etag, lastModified: current.remote.lastModified } : undefined;
  const result = await noSpaceMapped(() => downloadFile(source.url, download, { signal, ifNoneMatch: since, onProgress: (p) => report(p.received, p.total) }));
  const now = new Date().toISOString();
  if (result.notModified) {
    if (current?.remote) await recordRemote(ctx, current.id, { ...current.remote, checkedAt: now });
    return 'unchanged';
  }
  emit(events, { type: 'progress', task: 'image-pull', message: `downloaded ${source.fileName} (${(result.transferred / 1048576).toFixed(1)} MiB${result.resumedFrom ? `, resumed at ${(result.resumedFrom / 1048576).toFixed(1)} MiB` : ''})`, done: true });
  const compression = await detectCompression(download);
  // Hashed to check it, or to be the id of an uncompressed image; not for an unchecked compressed one.
  const hashed = verification.by !== 'none' || !compression;
  if (hashed) emit(events, { type: 'progress', task: 'image-pull', message: 'verifying the download' });
  const actual = hashed ? await sha256File(download) : '';
  let signer: string | undefined;
  if (verification.by === 'sha256' && !verification.sha256) {
    // Kept in the downloads directory: the run with --sha256 does not download it again.
    throw new SimError('IMAGE_UNVERIFIED', `${source.url} changed since '${current?.names[0] ?? source.fileName}' was pulled with --sha256, which only named that version.`, "Give the new version's sha256: sim image update NAME --sha256 HEX (the download is kept and not repeated).");
  }
  if (verification.by !== 'none') {
    let expected: string;
    if (verification.by === 'sha256') {
      expected = verification.sha256;
    } else {
      const sums = await fetchBytes(publishedUrl(source.base, CHECKSUMS), { signal, maxBytes: 1 << 20 });
      const signature = await fetchBytes(publishedUrl(source.base, SIGNATURE), { signal, maxBytes: 1 << 20 });
      await writeFile(path.join(work, CHECKSUMS), sums.body!);
      await writeFile(path.join(work, SIGNATURE), signature.body!);
      signer = (await verifySignature(path.join(work, CHECKSUMS), path.join(work, SIGNATURE), verification.keyring, publishedUrl(source.base, CHECKSUMS))).signer;
      expected = listedChecksum(parseChecksums(sums.body!.toString('utf8')), source.fileName!, publishedUrl(source.base, CHECKSUMS));
    }
    if (actual !== expected) {
      // A bad file must not be resumed from: the next attempt starts again.
      await rm(download, { force: true });
      throw mismatch(`The file downloaded from ${source.url}`, expected, actual, verification.by === 'sha256' ? 'Nothing was stored. Check the --sha256 value; if it is right, the server sent other bytes: try again, or tell the publisher.' : 'Nothing was stored. The server sent other bytes than the signed checksum list names: try again, or tell the publisher.');
    }
  }
  let image = download;
  if (compression) {
    emit(events, { type: 'progress', task: 'image-pull', message: `decompressing (${compression})` });
    image = path.join(work, 'image');
    await noSpaceMapped(() => decompressFile(download, compression, image));
    await rm(download, { force: true });
  }
  const name = attempt.name ?? current?.names[0] ?? defaultName(source);
  // An uncompressed download was hashed above: its sha256 is the id, no second pass.
  const imported = await noSpaceMapped(() => importImage(ctx, image, { name, source: { kind: 'url', path: source.url }, events, ...(compression ? {} : { id: actual }) }));
  const meta = await recordRemote(ctx, imported.id, {
    url: source.url,
    kind: 'file',
    ...(result.validators.etag ? { etag: result.validators.etag } : {}),
    ...(result.validators.lastModified ? { lastModified: result.validators.lastModified } : {}),
    verifiedBy: verification.by,
    ...(verification.by === 'keyring' ? { keyring: verification.keyring } : {}),
    ...(signer ? { signer } : {}),
    pulledAt: now,
    checkedAt: now,
  });
  return { meta, changed: imported.id !== current?.id, transferredBytes: result.transferred, imageBytes: result.bytes, reusedBytes: 0, removed: [], kept: [] };
}

/** One attempt in the URL's downloads directory, under its lock; the directory goes once the image is stored. */
async function attemptIn(attempt: Attempt): Promise<PullResult | 'unchanged'> {
  const work = downloadsDir(attempt.ctx, attempt.source.url);
  await mkdir(path.dirname(work), { recursive: true });
  await sweepStaleDownloads(attempt.ctx);
  return withLock(`${work}.lock`, async () => {
    await mkdir(work, { recursive: true });
    const result = attempt.source.kind === 'published' ? await pullPublished(attempt, work) : await pullFile(attempt, work);
    await rm(work, { recursive: true, force: true });
    return result;
  });
}

export async function pullImage(ctx: SimContext, url: string, options: PullOptions = {}): Promise<PullResult> {
  const source = classifyUrl(url);
  const verification = verificationOf(options);
  if (verification.by === 'none') emit(options.events, { type: 'log', level: 'warn', message: `storing ${source.url} without verifying it (--no-verify)` });
  // Pulling a URL pulled before is an update of that image: its chunks are reused, an unchanged server is a no-op.
  const current = newestOf(await listImages(ctx), source.url);
  const result = await attemptIn({ ctx, source, verification, name: options.name, current, events: options.events, signal: options.signal });
  if (result === 'unchanged') {
    const meta = options.name ? await assignName(ctx, current!.id, options.name) : current!;
    emit(options.events, { type: 'progress', task: 'image-pull', message: `${meta.names[0]} is up to date`, done: true });
    return { meta, changed: false, transferredBytes: 0, imageBytes: 0, reusedBytes: 0, removed: [], kept: [] };
  }
  emit(options.events, { type: 'progress', task: 'image-pull', message: `stored ${result.meta.names.join(', ')} (${result.meta.id.slice(0, 12)})`, done: true });
  return result;
}

/** Fetch what changed of a pulled image's newest version; older versions go as `keep` says once unused. */
export async function updateImage(ctx: SimContext, ref: string, options: UpdateOptions = {}): Promise<PullResult> {
  const current = await resolveImage(ctx, ref);
  const remote = current.remote;
  if (!remote) {
    throw new SimError('USAGE', `The image '${ref}' was not pulled from a server, so there is nothing to update it from.`, "Images pulled with 'sim image pull URL' can be updated; rebuild a built image with 'sim image build --force'.");
  }
  const verification: Verification =
    options.sha256 ? { by: 'sha256', sha256: options.sha256.toLowerCase() } : remote.verifiedBy === 'keyring' ? { by: 'keyring', keyring: remote.keyring! } : remote.verifiedBy === 'none' ? { by: 'none' } : { by: 'sha256', sha256: '' };
  if (verification.by === 'sha256' && !verification.sha256 && remote.kind === 'published') {
    throw new SimError('IMAGE_UNVERIFIED', `'${ref}' was pulled with --sha256, which only names that version.`, "Give the new version's sha256 with --sha256 HEX, or pull with --keyring to follow the publisher's signed versions.");
  }
  const source = classifyUrl(remote.url);
  const name = current.names[0] ?? ref;
  const result = await attemptIn({ ctx, source, verification, name, current, events: options.events, signal: options.signal });
  if (result === 'unchanged') {
    emit(options.events, { type: 'progress', task: 'image-pull', message: `${name} is up to date${remote.version ? ` (${remote.version})` : ''}`, done: true });
    const meta = (await findImage(ctx, current.id))!;
    const retired = await retireVersions(ctx, meta, options.keep ?? 0, options.events);
    return { meta, changed: false, transferredBytes: 0, imageBytes: 0, reusedBytes: 0, ...retired };
  }
  const retired = await retireVersions(ctx, result.meta, options.keep ?? 0, options.events);
  const saving = result.imageBytes ? ` (${((100 * result.transferredBytes) / result.imageBytes).toFixed(1)}% of the image transferred)` : '';
  emit(options.events, { type: 'progress', task: 'image-pull', message: `updated ${name} to ${result.meta.remote?.version ?? result.meta.id.slice(0, 12)}${saving}`, done: true });
  return { ...result, ...retired };
}

/** The newest version pulled from `url`, if any. Pure. */
export function newestOf(images: readonly ImageMeta[], url: string): ImageMeta | undefined {
  return images.filter((meta) => meta.remote?.url === url).sort((a, b) => b.remote!.pulledAt.localeCompare(a.remote!.pulledAt))[0];
}

/** The newest version of each URL pulled, for `sim image update` without a name. */
export async function pulledImages(ctx: SimContext): Promise<ImageMeta[]> {
  const images = await listImages(ctx);
  const urls = [...new Set(images.flatMap((meta) => (meta.remote ? [meta.remote.url] : [])))];
  return urls.map((url) => newestOf(images, url)!);
}
