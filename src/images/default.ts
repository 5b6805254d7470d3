/**
 * Which image a boot uses: the one named, else the project's, else the default Debian image.
 * An image named like a recipe shipped in images/ (debian, debian13, gnome, kiosk) is built from it the
 * first time it is asked for.
 */
import type { ImageMeta } from './meta.js';
import type { SimContext } from '../core/context.js';
import type { EventSink } from '../core/events.js';
import { listRecipes } from './recipe.js';
import { findImage, resolveImage } from './store.js';

/** The image `sim boot` uses when none is named: images/debian.json. */
export const DEFAULT_IMAGE = 'debian';

export async function resolveOrBuildImage(ctx: SimContext, ref: string, options: { events?: EventSink; signal?: AbortSignal } = {}): Promise<ImageMeta> {
  // Looked up once: each look reads and validates every stored image's metadata (every boot and build comes here).
  const found = await findImage(ctx, ref);
  if (found) return found;
  if (ref === DEFAULT_IMAGE || (await listRecipes()).includes(ref)) {
    // The image builder's code is loaded only to build one.
    const { buildImage } = await import('./build.js');
    return buildImage(ctx, { recipe: ref, name: ref, events: options.events, signal: options.signal });
  }
  // Not there, and no recipe builds it: the store's error, which names the images it has.
  return resolveImage(ctx, ref);
}
