/**
 * The snapshot store: one directory per key under the cache (ctx.dirs.snapshots), written whole
 * in a temporary sibling and renamed into place, never changed afterwards. A resume maps the RAM
 * file copy-on-write and puts a session disk over the disk file, so any number of boots resume
 * one snapshot at once, and removing it never pulls anything from under them.
 */
import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import type { SimContext } from '../core/context.js';
import { sweepDeadTemps, tempSibling, writeJsonAtomic } from '../core/atomic.js';
import { SimError } from '../core/errors.js';
import { SNAPSHOT_FORMAT, snapshotFiles } from './plan.js';

export const snapshotMetaSchema = z.object({
  format: z.literal(SNAPSHOT_FORMAT),
  key: z.string(),
  image: z.object({ id: z.string(), name: z.string() }),
  label: z.string(),
  /** The machine configuration (QEMU's argv, paths aside); another key for the same machine is stale. */
  machine: z.string(),
  created: z.string(),
  memoryMiB: z.number().int(),
  state: z.object({ size: z.number().int(), sha256: z.string() }),
  /** How long the boot took to reach the saved point (a cold boot's cost, for the figures). */
  bootMs: z.number().optional(),
});
export type SnapshotMeta = z.infer<typeof snapshotMetaSchema>;

export interface StoredSnapshot {
  meta: SnapshotMeta;
  dir: string;
  /** Bytes the snapshot takes on disk (allocated blocks: the RAM file is sparse). */
  diskBytes: number;
}

export function snapshotDir(ctx: SimContext, key: string): string {
  return path.join(ctx.dirs.snapshots, key);
}

/** An empty directory: the share a snapshot's 9p device exports while no prefix is attached. */
export async function placeholderShare(ctx: SimContext): Promise<string> {
  const dir = path.join(ctx.dirs.snapshots, 'empty-share');
  await mkdir(dir, { recursive: true });
  return dir;
}

async function allocatedBytes(dir: string): Promise<number> {
  let total = 0;
  for (const name of await readdir(dir).catch(() => [] as string[])) {
    const info = await stat(path.join(dir, name)).catch(() => undefined);
    if (info?.isFile()) total += info.blocks * 512;
  }
  return total;
}

/**
 * The snapshot for `key` when it is whole; `damaged` says why one that exists is not (its files
 * missing, cut short, or its state not the bytes that were saved). Never throws for a bad one.
 */
export async function readSnapshot(ctx: SimContext, key: string): Promise<{ snapshot?: StoredSnapshot; damaged?: string }> {
  const dir = snapshotDir(ctx, key);
  const files = snapshotFiles(dir);
  const text = await readFile(files.meta, 'utf8').catch(() => undefined);
  if (text === undefined) return {};
  let meta: SnapshotMeta;
  try {
    meta = snapshotMetaSchema.parse(JSON.parse(text));
  } catch {
    return { damaged: 'its meta.json is not valid' };
  }
  const [ram, disk, state] = await Promise.all([files.ram, files.disk, files.state].map((f) => stat(f).catch(() => undefined)));
  if (!ram || ram.size !== meta.memoryMiB * 1024 * 1024) return { damaged: 'its RAM file is missing or cut short' };
  if (!disk?.isFile()) return { damaged: 'its disk is missing' };
  if (!state || state.size !== meta.state.size) return { damaged: 'its saved state is missing or cut short' };
  // The state is small (the RAM is not in it): hash it every time.
  const sha = createHash('sha256').update(await readFile(files.state)).digest('hex');
  if (sha !== meta.state.sha256) return { damaged: 'its saved state is not the bytes that were saved' };
  return { snapshot: { meta, dir, diskBytes: await allocatedBytes(dir) } };
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/** Every stored snapshot (damaged ones too, with meta when it can be read), newest first. */
export async function listSnapshots(ctx: SimContext): Promise<StoredSnapshot[]> {
  const out: StoredSnapshot[] = [];
  for (const key of await readdir(ctx.dirs.snapshots).catch(() => [] as string[])) {
    if (key.startsWith('.') || key === 'empty-share' || key.endsWith('.json')) continue;
    const dir = snapshotDir(ctx, key);
    const text = await readFile(snapshotFiles(dir).meta, 'utf8').catch(() => undefined);
    const parsed = text === undefined ? undefined : snapshotMetaSchema.safeParse(parseJson(text));
    if (!parsed?.success) continue;
    out.push({ meta: parsed.data, dir, diskBytes: await allocatedBytes(dir) });
  }
  return out.sort((a, b) => b.meta.created.localeCompare(a.meta.created));
}

/** Bytes all snapshots take (for `sim doctor` and `sim image ls`), per image id. */
export async function snapshotUsage(ctx: SimContext): Promise<Map<string, number>> {
  const usage = new Map<string, number>();
  for (const s of await listSnapshots(ctx)) usage.set(s.meta.image.id, (usage.get(s.meta.image.id) ?? 0) + s.diskBytes);
  return usage;
}

/** A fresh directory to save into; `commitSnapshot` moves it into place. */
export async function newSnapshotDir(ctx: SimContext, key: string): Promise<string> {
  await mkdir(ctx.dirs.snapshots, { recursive: true });
  await sweepDeadTemps(ctx.dirs.snapshots);
  const dir = tempSibling(snapshotDir(ctx, key));
  await mkdir(dir, { mode: 0o700 });
  return dir;
}

/**
 * Put a saved snapshot in place. Two first boots of one configuration at once both save: the
 * first to finish wins, the other's copy is dropped. Older snapshots of the same image and
 * machine (stale: another QEMU, initramfs or guest config) are removed.
 */
export async function commitSnapshot(ctx: SimContext, tempDir: string, meta: SnapshotMeta): Promise<string> {
  await writeJsonAtomic(snapshotFiles(tempDir).meta, meta);
  const target = snapshotDir(ctx, meta.key);
  try {
    await rename(tempDir, target);
  } catch (error) {
    await rm(tempDir, { recursive: true, force: true });
    if (!['ENOTEMPTY', 'EEXIST'].includes((error as NodeJS.ErrnoException).code ?? '')) throw error;
    return target;
  }
  for (const other of await listSnapshots(ctx)) {
    if (other.meta.key !== meta.key && other.meta.image.id === meta.image.id && other.meta.machine === meta.machine) await rm(other.dir, { recursive: true, force: true });
  }
  return target;
}

/** Remove one snapshot by key (or a unique prefix of it). */
export async function removeSnapshot(ctx: SimContext, ref: string): Promise<SnapshotMeta> {
  const matches = (await listSnapshots(ctx)).filter((s) => s.meta.key.startsWith(ref));
  if (matches.length !== 1) {
    throw new SimError('SNAPSHOT_NOT_FOUND', matches.length ? `'${ref}' names ${matches.length} snapshots.` : `There is no snapshot '${ref}'.`, 'List them with `sim snapshot ls`; give more of the key.');
  }
  await rm(matches[0]!.dir, { recursive: true, force: true });
  return matches[0]!.meta;
}

/** Remove every snapshot of an image (it was removed from the store). */
export async function removeImageSnapshots(ctx: SimContext, imageId: string): Promise<number> {
  const gone = (await listSnapshots(ctx)).filter((s) => s.meta.image.id === imageId);
  for (const s of gone) await rm(s.dir, { recursive: true, force: true });
  return gone.length;
}

/** Remove a damaged or unusable snapshot directory by key (no error when it is gone). */
export async function dropSnapshot(ctx: SimContext, key: string): Promise<void> {
  await rm(snapshotDir(ctx, key), { recursive: true, force: true });
}

/** A machine configuration QEMU refused to save (a device that cannot migrate): remembered, so that its boots go cold at once. */
export async function markUnsaveable(ctx: SimContext, key: string, reason: string): Promise<void> {
  await writeJsonAtomic(path.join(ctx.dirs.snapshots, `${key}.unsaveable.json`), { reason });
}

export async function unsaveableReason(ctx: SimContext, key: string): Promise<string | undefined> {
  const text = await readFile(path.join(ctx.dirs.snapshots, `${key}.unsaveable.json`), 'utf8').catch(() => undefined);
  if (text === undefined) return undefined;
  const reason = (parseJson(text) as { reason?: unknown } | undefined)?.reason;
  return typeof reason === 'string' ? reason : 'QEMU could not save it';
}
