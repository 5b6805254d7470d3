/**
 * Older versions of a pulled image after an update: the newest `keep` stay, named NAME-VERSION
 * so they can still be booted; the rest are removed, except those a running simulator was started
 * from (it keeps its version: they are named too, and go at a later update once unused).
 */
import type { SimContext } from '../core/context.js';
import { emit, type EventSink } from '../core/events.js';
import type { ImageMeta } from '../images/meta.js';
import { assignName, listImages, removeImage } from '../images/store.js';
import { listSimulators } from '../simulators/registry.js';
import { removeImageSnapshots } from '../snapshots/store.js';

export interface RetirePlan {
  keep: { meta: ImageMeta; name: string; inUse: boolean }[];
  remove: ImageMeta[];
}

/** The name an older version keeps: the current name and its version (or its pull date). Pure. */
export function versionName(name: string, meta: ImageMeta): string {
  const version = meta.remote?.version ?? meta.remote?.pulledAt.replace(/:\d\d\.\d+Z$/, 'Z').replace(/:/g, '') ?? meta.id.slice(0, 12);
  return `${name}-${version.replace(/[^A-Za-z0-9._-]/g, '-')}`;
}

/** Which older versions of `current`'s URL stay and which go. Pure. */
export function planRetirement(current: ImageMeta, images: readonly ImageMeta[], keep: number, inUse: ReadonlySet<string>): RetirePlan {
  const name = current.names[0] ?? current.id.slice(0, 12);
  const older = images
    .filter((meta) => meta.id !== current.id && meta.remote?.url === current.remote?.url)
    .sort((a, b) => b.remote!.pulledAt.localeCompare(a.remote!.pulledAt));
  const plan: RetirePlan = { keep: [], remove: [] };
  older.forEach((meta, i) => {
    if (i < keep || inUse.has(meta.id)) plan.keep.push({ meta, name: versionName(name, meta), inUse: inUse.has(meta.id) });
    else plan.remove.push(meta);
  });
  return plan;
}

export async function retireVersions(ctx: SimContext, current: ImageMeta, keep: number, events?: EventSink): Promise<{ removed: string[]; kept: string[] }> {
  if (!current.remote) return { removed: [], kept: [] };
  const inUse = new Set((await listSimulators(ctx)).map((state) => state.imageId));
  const plan = planRetirement(current, await listImages(ctx), keep, inUse);
  const kept: string[] = [];
  for (const { meta, name, inUse: used } of plan.keep) {
    if (!meta.names.includes(name)) await assignName(ctx, meta.id, name);
    kept.push(name);
    if (used) emit(events, { type: 'log', level: 'info', message: `kept ${name}: a running simulator uses it (removed at a later update once it stops)` });
  }
  const removed: string[] = [];
  for (const meta of plan.remove) {
    await removeImage(ctx, meta.id);
    await removeImageSnapshots(ctx, meta.id);
    removed.push(meta.remote?.version ?? meta.id.slice(0, 12));
  }
  if (removed.length) emit(events, { type: 'log', level: 'info', message: `removed ${removed.length} older version(s): ${removed.join(', ')}` });
  return { removed, kept };
}
