/**
 * `sim image publish`: the files a static web server needs to serve an image to `sim image pull`
 * and `update` — the raw disk cut into casync's content-defined chunks (zstd-compressed, named by
 * their digest, so a new version shares every unchanged chunk with the last), its blob index, a
 * manifest, the checksum list and its signature, and a copy of the image for plain downloads.
 * Runs Debian's casync to make the index and the store, and to collect chunks no kept version uses.
 */
import { copyFile, mkdir, readdir, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { sweepDeadTemps, tempSibling, writeFileAtomic } from '../core/atomic.js';
import { SimError } from '../core/errors.js';
import { emit, type EventSink } from '../core/events.js';
import { withLock } from '../core/lock.js';
import { run } from '../core/process.js';
import { sha256File } from '../images/hash.js';
import { CHECKSUMS, CHUNK_STORE, formatChecksums, INDEX, MANIFEST, SIGNATURE, VERSIONS_DIR, versionFromDate, type Manifest } from './published.js';
import { signDetached } from './signature.js';

export interface PublishOptions {
  /** The name pull gives the image by default (default: the file's name without extensions). */
  name?: string;
  /** The version's name (default: the UTC date and time, e.g. 2026-12-03T0412Z). */
  version?: string;
  /** Sign the checksum list with this GnuPG key (id, fingerprint or e-mail). */
  signKey?: string;
  /** Do not copy the image file itself (only chunks, index and manifest). */
  indexOnly?: boolean;
  /** Versions whose chunks stay in the store (clients mid-update still fetch them). Default 3. */
  keep?: number;
  events?: EventSink;
}

export interface PublishResult {
  dir: string;
  manifest: Manifest;
  /** Chunk files added to the store by this version (the rest were there already). */
  newChunks: number;
  chunks: number;
}

async function countChunks(store: string): Promise<number> {
  let count = 0;
  for (const dir of await readdir(store).catch(() => [] as string[])) count += (await readdir(path.join(store, dir)).catch(() => [] as string[])).length;
  return count;
}

async function diskFormat(file: string): Promise<string> {
  const result = await run('qemu-img', ['info', '--output=json', file], { allowFailure: true });
  if (result.exitCode !== 0) throw new SimError('IMAGE_UNREADABLE', `${file} is not a disk image QEMU can read.`, 'Publish a qcow2 or raw disk image.');
  return (JSON.parse(result.stdout) as { format: string }).format;
}

export async function publishImage(file: string, outDir: string, options: PublishOptions = {}): Promise<PublishResult> {
  const events = options.events;
  const source = path.resolve(file);
  const dir = path.resolve(outDir);
  const info = await stat(source).catch(() => undefined);
  if (!info?.isFile()) throw new SimError('IMAGE_NOT_FOUND', `The image file ${file} does not exist.`, 'Give the path of a qcow2 or raw disk image.');
  await mkdir(dir, { recursive: true });
  return withLock(path.join(dir, '.publish.lock'), async () => {
    await sweepDeadTemps(dir);
    const work = tempSibling(path.join(dir, 'publish'));
    await mkdir(work, { recursive: true });
    try {
      const format = await diskFormat(source);
      let raw = source;
      if (format !== 'raw') {
        emit(events, { type: 'progress', task: 'image-publish', message: `reading ${format} image` });
        raw = path.join(work, 'disk.raw');
        await run('qemu-img', ['convert', '-f', format, '-O', 'raw', source, raw]);
      }
      const rawBytes = (await stat(raw)).size;

      const store = path.join(dir, CHUNK_STORE);
      const chunksBefore = await countChunks(store);
      emit(events, { type: 'progress', task: 'image-publish', message: 'cutting the disk into chunks (casync make)' });
      const index = path.join(work, INDEX);
      // With sha256 chunk ids casync prints the whole blob's sha256: the raw disk's, the image id pull checks.
      const made = await run('casync', ['make', '--digest=sha256', `--store=${store}`, index, raw]);
      const rawSha = /^[0-9a-f]{64}$/m.exec(made.stdout)?.[0];
      if (!rawSha) throw new SimError('TOOL_FAILED', `casync make printed no digest of ${path.basename(raw)}.`, 'Check that casync works: casync make --digest=sha256 --store=DIR x.caibx FILE');
      const chunks = await countChunks(store);

      const version = options.version ?? versionFromDate(new Date());
      const name = options.name ?? path.basename(source).replace(/\.(qcow2|raw|img|iso)$/i, '');
      let fileEntry: Manifest['file'];
      if (!options.indexOnly) {
        emit(events, { type: 'progress', task: 'image-publish', message: `copying ${path.basename(source)}` });
        const copy = path.join(work, 'file');
        await copyFile(source, copy);
        fileEntry = { name: path.basename(source), sha256: raw === source ? rawSha : await sha256File(copy), bytes: info.size };
        await rename(copy, path.join(dir, fileEntry.name));
      }
      const manifest: Manifest = { format: 'sim-image/1', name, version, published: new Date().toISOString(), raw: { sha256: rawSha, bytes: rawBytes }, index: INDEX, store: CHUNK_STORE, ...(fileEntry ? { file: fileEntry } : {}) };

      await mkdir(path.join(dir, VERSIONS_DIR), { recursive: true });
      await copyFile(index, path.join(dir, VERSIONS_DIR, `${version}.caibx`));
      await rename(index, path.join(dir, INDEX));
      const manifestText = `${JSON.stringify(manifest, null, 2)}\n`;
      await writeFileAtomic(path.join(dir, MANIFEST), manifestText);

      const sums = new Map<string, string>([[MANIFEST, await sha256File(path.join(dir, MANIFEST))], [INDEX, await sha256File(path.join(dir, INDEX))]]);
      if (fileEntry) sums.set(fileEntry.name, fileEntry.sha256);
      const sumsFile = path.join(work, CHECKSUMS);
      await writeFileAtomic(sumsFile, formatChecksums(sums));
      // The signature lands before the list it signs: a client that reads the new list finds its signature.
      if (options.signKey) {
        emit(events, { type: 'progress', task: 'image-publish', message: `signing ${CHECKSUMS} with ${options.signKey}` });
        const signature = path.join(work, SIGNATURE);
        await signDetached(sumsFile, signature, options.signKey);
        await rename(signature, path.join(dir, SIGNATURE));
      } else {
        await rm(path.join(dir, SIGNATURE), { force: true });
      }
      await rename(sumsFile, path.join(dir, CHECKSUMS));

      await pruneVersions(dir, options.keep ?? 3, events);
      const newChunks = Math.max(0, chunks - chunksBefore);
      emit(events, { type: 'progress', task: 'image-publish', message: `published ${name} ${version}: ${newChunks} new chunk(s) of ${chunks}`, done: true });
      return { dir, manifest, newChunks, chunks };
    } finally {
      await rm(work, { recursive: true, force: true });
    }
  });
}

/**
 * Keep the newest `keep` versions' indexes and remove chunks none of them uses (casync gc).
 * Version names sort by date when publish chose them; other names sort by the index's mtime.
 */
async function pruneVersions(dir: string, keep: number, events?: EventSink): Promise<void> {
  const versionsDir = path.join(dir, VERSIONS_DIR);
  const entries = (await readdir(versionsDir)).filter((name) => name.endsWith('.caibx'));
  const dated = await Promise.all(entries.map(async (name) => ({ name, mtime: (await stat(path.join(versionsDir, name))).mtimeMs })));
  dated.sort((a, b) => b.mtime - a.mtime);
  const doomed = dated.slice(Math.max(1, keep));
  if (!doomed.length) return;
  for (const { name } of doomed) await rm(path.join(versionsDir, name), { force: true });
  emit(events, { type: 'progress', task: 'image-publish', message: `removing chunks only versions older than the last ${Math.max(1, keep)} used` });
  const kept = dated.slice(0, Math.max(1, keep)).map(({ name }) => path.join(versionsDir, name));
  await run('casync', ['gc', `--store=${path.join(dir, CHUNK_STORE)}`, ...kept]);
}
