/**
 * The image store: base disks imported once into the cache (import.ts), keyed by content, with
 * the kernel and modules extracted beside them. A stored disk is never written again; sessions
 * put a copy-on-write overlay on top. Looking images up needs none of the import's code (every
 * boot and build looks one up).
 */
import { readdir, readFile, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { tempSibling, writeFileAtomic, writeJsonAtomic } from '../core/atomic.js';
import { withLock } from '../core/lock.js';
import { imageMetaSchema, type ImageMeta } from './meta.js';
import { SimError } from '../core/errors.js';
import type { SimContext } from '../core/context.js';
import { sha256File } from './hash.js';

export function imageDir(ctx: SimContext, meta: Pick<ImageMeta, 'id'>): string {
  return path.join(ctx.dirs.images, meta.id);
}

/** Absolute path of a file recorded in the metadata (relative to the image's directory). */
export function imageFile(ctx: SimContext, meta: ImageMeta, relative: string): string {
  return path.join(imageDir(ctx, meta), relative);
}

/** The metadata of the store entry in `dir`; undefined when there is none. */
export async function readMeta(dir: string): Promise<ImageMeta | undefined> {
  let text: string;
  try {
    text = await readFile(path.join(dir, 'meta.json'), 'utf8');
  } catch {
    return undefined;
  }
  const parsed = imageMetaSchema.safeParse(JSON.parse(text));
  if (!parsed.success) {
    throw new SimError('IMAGE_CORRUPTED', `The cached image metadata in ${dir} is damaged.`, `Remove it with 'sim image rm ${path.basename(dir)}' and import the image again.`);
  }
  return parsed.data;
}

export async function listImages(ctx: SimContext): Promise<ImageMeta[]> {
  const root = ctx.dirs.images;
  const entries = await readdir(root).catch(() => [] as string[]);
  const metas: ImageMeta[] = [];
  for (const entry of entries.sort()) {
    if (!/^[0-9a-f]{64}$/.test(entry)) continue;
    const meta = await readMeta(path.join(root, entry)).catch(() => undefined);
    if (meta) metas.push(meta);
  }
  return metas;
}

/** Find an image by name, full id or an id prefix of at least 8 characters. */
export async function findImage(ctx: SimContext, ref: string): Promise<ImageMeta | undefined> {
  const images = await listImages(ctx);
  return images.find((m) => m.names.includes(ref)) ?? images.find((m) => m.id === ref) ?? (ref.length >= 8 ? images.find((m) => m.id.startsWith(ref)) : undefined);
}

export async function resolveImage(ctx: SimContext, ref: string): Promise<ImageMeta> {
  const meta = await findImage(ctx, ref);
  if (!meta) {
    const names = (await listImages(ctx)).flatMap((m) => m.names);
    throw new SimError(
      'IMAGE_NOT_FOUND',
      `There is no image named '${ref}' in the store.`,
      names.length ? `Known images: ${names.join(', ')}. Add one with 'sim image add FILE --name ${ref}'.` : `Add one with 'sim image add FILE --name ${ref}', or build the default with 'sim image build'.`,
    );
  }
  return meta;
}

/** Give `name` to the image `id`, taking it away from any other image (names are unique). */
export async function assignName(ctx: SimContext, id: string, name: string): Promise<ImageMeta> {
  return withLock(path.join(ctx.dirs.images, '.names.lock'), async () => {
    for (const other of await listImages(ctx)) {
      if (other.id !== id && other.names.includes(name)) {
        await writeJsonAtomic(path.join(imageDir(ctx, other), 'meta.json'), { ...other, names: other.names.filter((n) => n !== name) });
      }
    }
    const meta = (await readMeta(path.join(ctx.dirs.images, id)))!;
    if (meta.names.includes(name)) return meta;
    const updated = { ...meta, names: [...meta.names, name] };
    await writeJsonAtomic(path.join(imageDir(ctx, meta), 'meta.json'), updated);
    return updated;
  });
}

/**
 * Check the stored base disk is the one imported. Cheap by default (size + mtime); the full
 * sha256 runs when those changed or when asked.
 */
export async function verifyImage(ctx: SimContext, meta: ImageMeta, options: { full?: boolean } = {}): Promise<void> {
  const disk = imageFile(ctx, meta, meta.disk.file);
  const corrupted = (why: string) =>
    new SimError('IMAGE_CORRUPTED', `The cached base disk of image '${meta.names[0] ?? meta.id.slice(0, 12)}' ${why}.`, `Remove it with 'sim image rm ${meta.names[0] ?? meta.id}' and import or build it again.`);
  const info = await stat(disk).catch(() => undefined);
  if (!info) throw corrupted('is missing');
  if (!options.full && info.size === meta.disk.bytes && info.mtimeMs === meta.disk.mtimeMs) return;
  if ((await sha256File(disk)) !== meta.disk.sha256) throw corrupted('does not match its recorded sha256');
}

/** Remove an image from the store. Running sessions keep their open files. */
export async function removeImage(ctx: SimContext, ref: string): Promise<ImageMeta> {
  const meta = await resolveImage(ctx, ref);
  const dir = imageDir(ctx, meta);
  await withLock(`${dir}.lock`, async () => {
    const doomed = tempSibling(dir);
    await rename(dir, doomed);
    await rm(doomed, { recursive: true, force: true });
  });
  return meta;
}

/** Record a pulled image's server side (and keep its casync index: the next update's seed). */
export async function recordRemote(ctx: SimContext, id: string, remote: NonNullable<ImageMeta['remote']>, index?: Uint8Array): Promise<ImageMeta> {
  const dir = path.join(ctx.dirs.images, id);
  return withLock(`${dir}.lock`, async () => {
    const meta = await readMeta(dir);
    if (!meta) throw new SimError('IMAGE_NOT_FOUND', `The image ${id.slice(0, 12)} left the store while it was being recorded.`, 'Pull it again.');
    if (index) await writeFileAtomic(path.join(dir, REMOTE_INDEX), index, 0o444);
    const updated: ImageMeta = { ...meta, remote: { ...remote, ...(index ? { index: REMOTE_INDEX } : meta.remote?.index ? { index: meta.remote.index } : {}) } };
    await writeJsonAtomic(path.join(dir, 'meta.json'), updated);
    return updated;
  });
}

/** Where a pulled image keeps the casync index of its version. */
const REMOTE_INDEX = 'remote.caibx';
