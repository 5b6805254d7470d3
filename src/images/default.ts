/**
 * Which image a boot uses: the one named, else the project's, else the default Debian image —
 * built from its recipe the first time it is asked for.
 */
import type { ImageMeta } from './meta.js';
import type { SimContext } from '../core/context.js';
import type { EventSink } from '../core/events.js';
import { buildImage } from './build.js';
import { findImage, resolveImage } from './store.js';

/** The image `sim boot` uses when none is named: images/debian.json. */
export const DEFAULT_IMAGE = 'debian';

export async function resolveOrBuildImage(ctx: SimContext, ref: string, options: { events?: EventSink; signal?: AbortSignal } = {}): Promise<ImageMeta> {
  if (ref === DEFAULT_IMAGE && !(await findImage(ctx, ref))) {
    return buildImage(ctx, { recipe: DEFAULT_IMAGE, name: DEFAULT_IMAGE, events: options.events, signal: options.signal });
  }
  return resolveImage(ctx, ref);
}
