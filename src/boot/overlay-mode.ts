/**
 * How the overlay prefix wins over the image (issue #11). `merge` (the default) layers each
 * top-level directory of the prefix over the image's with overlayfs before the image's init
 * starts, so a file of the prefix is the file at that path for every process; `path` puts the
 * prefix's libdirs first in the linker cache and its bindirs first in PATH (the behaviour
 * before merge mode, for kernels or images where the merge cannot be done).
 *
 * The guest carries the mode out (guest/lib/overlay-merge.sh, overlay-path.sh) and falls back
 * to path mode when overlayfs is missing; the host's part is what this module returns: the
 * kernel module the initramfs loads, the /sim/config setting and the lines sim prints. Pure.
 */

export const OVERLAY_MODES = ['merge', 'path'] as const;
export type OverlayMode = (typeof OVERLAY_MODES)[number];
export const DEFAULT_OVERLAY_MODE: OverlayMode = 'merge';

/** Kernel modules merge mode needs (Debian builds overlayfs as a module). */
export const mergeModules: readonly string[] = ['overlay'];

export interface OverlayContribution {
  mode: OverlayMode;
  /** Loaded softly by the initramfs: without them the guest falls back to path mode. */
  modules: readonly string[];
  /** The /sim/config settings (src/initramfs/guest-config.ts). */
  guest: { overlayMode: OverlayMode };
}

/** What the overlay mode adds to a boot; nothing without an overlay. */
export function overlayContribution(mode: OverlayMode | undefined, hasOverlay: boolean): OverlayContribution | undefined {
  if (!hasOverlay) return undefined;
  const wanted = mode ?? DEFAULT_OVERLAY_MODE;
  return { mode: wanted, modules: wanted === 'merge' ? mergeModules : [], guest: { overlayMode: wanted } };
}

/** A warning before the boot when the image's stored kernel lacks (`unavailable`) a module the mode needs. */
export function overlayWarning(contribution: OverlayContribution | undefined, unavailable: readonly string[]): string | undefined {
  const lacking = (contribution?.modules ?? []).filter((m) => unavailable.includes(m));
  if (!lacking.length) return undefined;
  return `the image's stored kernel has no ${lacking.join(', ')} module: merge mode falls back to path mode unless the kernel has overlayfs built in (import the image again to keep the module)`;
}

/** The log line for the mode the guest used, as reported with `overlay-mounted PATH MODE`. */
export function overlayModeLine(used: string | undefined, requested: OverlayMode | undefined): string {
  const wanted = requested ?? DEFAULT_OVERLAY_MODE;
  if (used === 'merge') return "overlay: merge mode — the prefix is layered over the image's /usr, /etc and its other top-level directories";
  const why = wanted === 'merge' ? ' (merge mode could not be done in this guest; the console says why)' : '';
  return `overlay: path mode — the prefix's libraries win through the linker cache and its programs through PATH${why}`;
}
