/**
 * What the one-guest comparisons share (bench/sections/ninep.ts, gtk.ts): the guest's clock in
 * the counted simulators, and shell functions that make roots of the guest's own files.
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

/**
 * `roots PREFIX IMAGE` (after ROOT_FUNCTION): two roots of the guest's own files, one with the
 * prefix's files that sim settled at their paths on the root's disk (guest/lib/settle.sh), one
 * with the image's own files they replaced (kept aside under /usr/.sim/kept). Each such file is
 * a bind mount at its path in both roots, so that a start in either crosses the same mounts and
 * the two differ by the files alone. Prints "no-kept" when sim replaced none of the image's files.
 */
export const ROOTS_FUNCTION = [
  'roots() { root $1; root $2; n=0',
  '  for f in $(cd /usr/.sim/kept 2>/dev/null && find . -type f); do f=${f#./}; [ -f /$f ] || continue; mount --bind /$f $1/$f; mount --bind /usr/.sim/kept/$f $2/$f; n=$((n + 1)); done',
  '  [ $n -gt 0 ] || echo no-kept; }',
].join('\n');
