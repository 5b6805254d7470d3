/**
 * What the one-guest comparisons share (bench/sections/ninep.ts, gtk.ts): the guest's clock in
 * the counted simulators, and a shell function that makes a root of the guest's own files.
 */

/** SIM_ICOUNT of the counted simulators: 8 ns of guest time per instruction. */
export const ICOUNT_SHIFT = '3';

/**
 * `root DIR`: the root filesystem's own files at DIR (a bind mount of it, which carries no
 * layer), with the running system's /proc, /sys, /dev, /run and /tmp in it as the merged root
 * has them (a program that finds no /proc takes other paths). No single quotes: the scripts
 * that use it may be quoted in them. Run in a mount namespace of its own (the guest's root is a
 * shared mount).
 */
export const ROOT_FUNCTION = 'root() { mkdir -p $1 && mount --bind / $1; for m in proc sys dev run tmp; do mount --rbind /$m $1/$m; done; }';
