/**
 * How the overlay prefix wins over the image (issue #11), as one boot contribution
 * (src/boot/contribution.ts). `merge` (the default) layers each top-level directory of the
 * prefix over the image's with overlayfs before the image's init starts, so a file of the prefix
 * is the file at that path for every process; `path` puts the prefix's libdirs first in the
 * linker cache and its bindirs first in PATH (the behaviour before merge mode, for kernels or
 * images where the merge cannot be done).
 *
 * The guest carries the mode out (guest/lib/overlay-merge.sh, overlay-path.sh) and falls back
 * to path mode when overlayfs is missing; the host's part is what this returns: the kernel
 * module (optional), the /sim/config variable and the summary. Pure.
 */
import type { BootContribution } from './contribution.js';

export const OVERLAY_MODES = ['merge', 'path'] as const;
export type OverlayMode = (typeof OVERLAY_MODES)[number];
export const DEFAULT_OVERLAY_MODE: OverlayMode = 'merge';

/** Kernel modules merge mode needs (Debian builds overlayfs as a module); images keep a copy at import. */
export const mergeModules: readonly string[] = ['overlay'];

/** What the overlay mode adds to a boot; nothing without an overlay. */
export function overlayModeContribution(mode: OverlayMode | undefined, hasOverlay: boolean): BootContribution {
  if (!hasOverlay) return { name: 'overlayMode' };
  const wanted = mode ?? DEFAULT_OVERLAY_MODE;
  return {
    name: 'overlayMode',
    initramfsModules: wanted === 'merge' ? mergeModules.map((name) => ({ name, optional: { lost: 'merge mode falls back to path mode unless the kernel has overlayfs built in' } })) : [],
    guestConfig: { SIM_OVERLAY_MODE: wanted },
    summary: { line: `overlay: ${wanted} mode asked for`, detail: { asked: wanted } },
  };
}

/** The log line for the mode the guest used, as reported with `overlay-mounted PATH MODE`. */
export function overlayModeLine(used: string | undefined, requested: string | undefined): string {
  const wanted = requested ?? DEFAULT_OVERLAY_MODE;
  if (used === 'merge') return "overlay: merge mode — the prefix is layered over the image's /usr, /etc and its other top-level directories";
  const why = wanted === 'merge' ? ' (merge mode could not be done in this guest; the console says why)' : '';
  return `overlay: path mode — the prefix's libraries win through the linker cache and its programs through PATH${why}`;
}
