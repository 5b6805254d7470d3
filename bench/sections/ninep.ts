/**
 * The 9p overlay, measured in the guest (Debian, direct mode): how long a program takes to start
 * when its libraries come from the overlay vs from the image, and read throughput of a big file,
 * for the msize and cache mode sim uses (cache=loose, msize=512000: sim drops what its syncs
 * replace, test/integration/overlay-cache.test.ts) and the alternatives. Path mode: merge mode
 * layers the share under overlayfs, which keeps it busy (it cannot be mounted again). Each
 * configuration remounts the share, so every first read is cold in the guest.
 */
import { OVERLAY_TAG } from '../../src/boot/plan.js';
import { simOk } from '../lib/proc.js';
import type { Results } from '../lib/results.js';
import { ninePPrefix, type Workspace } from '../lib/workspace.js';
import { simBoot } from './boot.js';

const SECTION = '9p overlay (in the guest)';
export const AFTER_BOOT = 'gio version in a detached simulator once ready';
export const afterBootRow = (which: 'first' | 'later', from: 'prefix' | 'image') =>
  `${AFTER_BOOT}, ${which === 'first' ? 'first start' : 'later starts'}, GLib from ${from === 'prefix' ? 'the prefix (sim: merge, cache=loose, prefetched)' : 'the image'}`;

/** The same comparison inside the prefix's simulator, the two interleaved start by start (see afterBoot). */
export const SAME_GUEST = 'gio version, later starts, in one guest';
export const sameGuestRow = (from: 'prefix' | 'image') =>
  `${SAME_GUEST}: GLib from ${from === 'prefix' ? "the prefix (through sim's layers, from the hot layer)" : "the image (its root's own files, no layer)"}`;

/**
 * What a developer meets: a detached simulator (sim's defaults: merge mode, cache=loose, the
 * prefix read into the guest's cache once ready), then the first start of `gio version` and
 * five more — beside a simulator of the same image without the prefix. Timed in the guest.
 */
async function afterBoot(ws: Workspace, prefix: string | undefined): Promise<{ first: number[]; later: number[]; sameGuest: { prefix: number[]; image: number[] } }> {
  const env = { ...ws.env, SIM_ACCEL: 'tcg' };
  const name = `bench-9p-${prefix ? 'prefix' : 'image'}`;
  const sim = async (args: string[]) => (await simOk(args, env)).stdout;
  await sim(['boot', '--detach', '--name', name, '--image', ws.debian.ref, ...(prefix ? ['--overlay', prefix] : [])]);
  try {
    const script = [
      // Once ready, as a developer's first command would be: the prefetch done (a few seconds at most).
      'for i in $(seq 300); do [ -e /run/sim/prefetched ] || [ ! -e /run/sim/overlay-mode ] && break; sleep 0.1; done',
      'ns() { date +%s%N; }',
      't0=$(ns); gio version > /dev/null; t1=$(ns); echo "first $(( (t1 - t0) / 1000 ))"',
      // The later starts are the day's: once the guest has settled (a resume's attach restarts
      // the services that map a replaced library, and udev works through the new devices for a
      // few seconds), in both simulators alike.
      'udevadm settle > /dev/null 2>&1; systemctl is-system-running --wait > /dev/null 2>&1; sleep 3',
      // They vary more than the first under emulation: ten of them, each its own sample.
      'for i in $(seq 10); do t0=$(ns); gio version > /dev/null; t1=$(ns); echo "again $(( (t1 - t0) / 1000 ))"; done',
      prefix ? "grep -q ' /run/sim/overlay ' /proc/self/mountinfo || echo no-overlay" : '',
      // Two simulators differ by more than their files (a machine that slows down between
      // them, what each still does after ready): in the prefix's simulator, the same start
      // through sim's layers and from the root's own files (a bind mount of the root fs,
      // which carries no layer, with the running system's /proc, /sys, /dev, /run and /tmp as
      // the merged root has them: a program that finds no /proc takes other paths),
      // interleaved. In a mount namespace of its own: the guest's root is a shared mount.
      ...(prefix
        ? [
            "unshare -m --propagation private sh -c '",
            '  ns() { date +%s%N; }',
            '  mkdir -p /run/bench-image && mount --bind / /run/bench-image',
            '  for m in proc sys dev run tmp; do mount --rbind /$m /run/bench-image/$m; done',
            '  for i in $(seq 13); do t0=$(ns); chroot / /usr/bin/gio version > /dev/null; t1=$(ns); chroot /run/bench-image /usr/bin/gio version > /dev/null; t2=$(ns); echo "same-prefix $(( (t1 - t0) / 1000 ))"; echo "same-image $(( (t2 - t1) / 1000 ))"; done',
            "'",
            // The prefix's GLib copied into the hot layer, which is layered (else the row compares the share).
            "grep -q 'lowerdir=/run/sim/hot/usr:' /proc/mounts && ls /run/sim/hot/usr/lib/x86_64-linux-gnu/libglib-2.0.so.0.* > /dev/null || echo no-hot",
          ]
        : []),
    ].join('\n');
    const out = await sim(['exec', name, '--', 'sh', '-c', script]);
    if (out.includes('no-overlay')) throw new Error('the simulator has no prefix mounted');
    if (out.includes('no-hot')) throw new Error("the prefix's GLib is not in the hot layer");
    const ms = (what: string) => [...out.matchAll(new RegExp(`^${what} (\\d+)$`, 'gm'))].map((m) => Number(m[1]) / 1000);
    // The first of each interleaved pair warms what the chroot itself reads: left out.
    return { first: ms('first'), later: ms('again'), sameGuest: { prefix: ms('same-prefix').slice(1), image: ms('same-image').slice(1) } };
  } finally {
    await sim(['stop', name]);
  }
}
export const BIG_MIB = 64;

export const CONFIGS: { cache: string; msize: number }[] = [
  { cache: 'loose', msize: 512000 },
  { cache: 'none', msize: 512000 },
  { cache: 'mmap', msize: 512000 },
  { cache: 'none', msize: 131072 },
];

/** The guest-side script; prints "R <what> <cache> <msize> <microseconds>" lines. */
export function guestScript(runs: number): string {
  const configs = CONFIGS.map((c) => `"${c.cache} ${c.msize}"`).join(' ');
  return [
    'set -e',
    'O=/run/sim/overlay; L=usr/lib/x86_64-linux-gnu; LD=/lib64/ld-linux-x86-64.so.2',
    'ns() { date +%s%N; }',
    `for cfg in ${configs}; do`,
    '  set -- $cfg',
    `  for i in $(seq ${runs}); do`,
    '    umount $O',
    `    mount -t 9p -o trans=virtio,version=9p2000.L,msize=$2,ro,cache=$1 ${OVERLAY_TAG} $O`,
    '    t0=$(ns); cat $O/usr/share/bench/big > /dev/null; t1=$(ns); cat $O/usr/share/bench/big > /dev/null; t2=$(ns)',
    '    echo "R read-cold $1 $2 $(( (t1 - t0) / 1000 ))"; echo "R read-warm $1 $2 $(( (t2 - t1) / 1000 ))"',
    // The same loader invocation for both, so only where the libraries come from differs.
    '    t0=$(ns); $LD --inhibit-cache --library-path $O/$L:/$L /usr/bin/gio version > /dev/null; t1=$(ns)',
    '    $LD --inhibit-cache --library-path $O/$L:/$L /usr/bin/gio version > /dev/null; t2=$(ns)',
    '    $LD --inhibit-cache --library-path /$L /usr/bin/gio version > /dev/null; t3=$(ns)',
    '    echo "R start-overlay-first $1 $2 $(( (t1 - t0) / 1000 ))"; echo "R start-overlay-again $1 $2 $(( (t2 - t1) / 1000 ))"; echo "R start-image $1 $2 $(( (t3 - t2) / 1000 ))"',
    '  done',
    'done',
    // Proof that the overlay's GLib is what the loader picked.
    '$LD --inhibit-cache --library-path $O/$L:/$L --list /usr/bin/gio | grep -q "$O/$L/libglib" && echo "R overlay-libs-used none 0 1"',
  ].join('\n');
}

export function parseGuestResults(stdout: string): { what: string; cache: string; msize: number; us: number }[] {
  return [...stdout.matchAll(/^R (\S+) (\S+) (\d+) (\d+)$/gm)].map((m) => ({ what: m[1]!, cache: m[2]!, msize: Number(m[3]), us: Number(m[4]) }));
}

export async function ninePSection(ws: Workspace, results: Results, runs: number): Promise<void> {
  const prefix = await ninePPrefix(ws, BIG_MIB);
  for (let i = 0; i < runs; i++) {
    // Alternating which boots first, so that a drift of the machine's speed evens out.
    const [withPrefix, image] = i % 2 ? [await afterBoot(ws, prefix), await afterBoot(ws, undefined)] : await afterBoot(ws, undefined).then(async (img) => [await afterBoot(ws, prefix), img] as const);
    results.add(SECTION, afterBootRow('first', 'prefix'), 'ms', withPrefix.first, { vs: afterBootRow('first', 'image') });
    results.add(SECTION, afterBootRow('first', 'image'), 'ms', image.first);
    results.add(SECTION, afterBootRow('later', 'prefix'), 'ms', withPrefix.later, { vs: afterBootRow('later', 'image') });
    results.add(SECTION, afterBootRow('later', 'image'), 'ms', image.later);
    results.add(SECTION, sameGuestRow('prefix'), 'ms', withPrefix.sameGuest.prefix, { vs: sameGuestRow('image') });
    results.add(SECTION, sameGuestRow('image'), 'ms', withPrefix.sameGuest.image);
  }
  const run = await simBoot(ws, { image: ws.debian, accel: 'tcg', noInit: true, overlay: prefix, command: ['/bin/sh', '-c', guestScript(runs)], extra: ['--timeout', '900', '--overlay-mode', 'path', '--cold'] });
  const rows = parseGuestResults(run.stdout);
  if (!rows.some((r) => r.what === 'overlay-libs-used')) results.note('9p: the loader did not pick the overlay GLib; the program-start figures compare nothing');
  const label = (c: { cache: string; msize: number }) => `cache=${c.cache} msize=${c.msize}${c.cache === 'loose' && c.msize === 512000 ? ' (sim)' : ''}`;
  const sim = label(CONFIGS[0]!);
  for (const c of CONFIGS) {
    const pick = (what: string) => rows.filter((r) => r.what === what && r.cache === c.cache && r.msize === c.msize).map((r) => r.us / 1000);
    const mibps = (ms: number[]) => ms.map((t) => BIG_MIB / (t / 1000));
    const isSim = label(c) === sim;
    results.add(SECTION, `read ${BIG_MIB} MiB, first, ${label(c)}`, 'MiB/s', mibps(pick('read-cold')), isSim ? {} : { vs: `read ${BIG_MIB} MiB, first, ${sim}`, higherIsBetter: true });
    results.add(SECTION, `read ${BIG_MIB} MiB, again, ${label(c)}`, 'MiB/s', mibps(pick('read-warm')), isSim ? {} : { vs: `read ${BIG_MIB} MiB, again, ${sim}`, higherIsBetter: true });
    results.add(SECTION, `gio version, GLib from overlay, first, ${label(c)}`, 'ms', pick('start-overlay-first'), { vs: 'gio version, GLib from the image' });
    results.add(SECTION, `gio version, GLib from overlay, again, ${label(c)}`, 'ms', pick('start-overlay-again'), { vs: 'gio version, GLib from the image' });
    results.add(SECTION, 'gio version, GLib from the image', 'ms', pick('start-image'));
  }
}
