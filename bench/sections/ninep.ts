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
import { ICOUNT_SHIFT, ROOT_FUNCTION, ROOTS_FUNCTION } from '../lib/guest-roots.js';
import { ninePPrefix, type Workspace } from '../lib/workspace.js';
import { simBoot } from './boot.js';

const SECTION = '9p overlay (in the guest)';
export const AFTER_BOOT = 'gio version in a detached simulator once ready';
export const afterBootRow = (which: 'first' | 'later', from: 'prefix' | 'image') =>
  `${AFTER_BOOT}, ${which === 'first' ? 'first start' : 'later starts'}, GLib from ${from === 'prefix' ? 'the prefix (sim: merge, usr/ settled, cache=loose)' : 'the image'}`;

/** The same comparison inside the prefix's simulator, the two interleaved start by start (see afterBoot). */
export const SAME_GUEST = 'gio version, later starts, in one guest';
const glibFrom = (from: 'prefix' | 'image') =>
  `GLib from ${from === 'prefix' ? "the prefix (settled by sim on the root's disk)" : "the image (its own files, which sim kept aside)"}`;
export const sameGuestRow = (from: 'prefix' | 'image') => `${SAME_GUEST}: ${glibFrom(from)}`;
/** The work of such a start, which the machine's speed does not move: its page faults. */
export const sameGuestFaultsRow = (from: 'prefix' | 'image') => `${SAME_GUEST}, page faults of a start: ${glibFrom(from)}`;

/**
 * The one-guest comparison once more, in a guest whose time counts instructions (SIM_ICOUNT, one
 * CPU): under TCG a start's wall time swings by several percent with the host, its instruction
 * count by a fraction of one. A third root tells what overlayfs itself costs: the image's own
 * files under an overlay of an empty layer over its /usr.
 */
export const COUNTED = `gio version, later starts, in one guest whose time counts instructions (SIM_ICOUNT=${ICOUNT_SHIFT}, one CPU)`;
export type CountedRoot = 'prefix' | 'image' | 'overlay';
const countedRoot: Record<CountedRoot, string> = {
  prefix: glibFrom('prefix'),
  image: glibFrom('image'),
  overlay: "GLib from the root's disk, its /usr under overlayfs (an empty layer over it: what merge mode's overlay over /usr cost before usr/ was settled)",
};
export const countedRow = (root: CountedRoot) => `${COUNTED}: ${countedRoot[root]}`;

type Sim = { name: string; prefix: boolean; sim: (args: string[]) => Promise<string> };

/** `gio version` started n times in a row, each timed in the guest (µs lines "<tag> N"). */
const timedStarts = (tag: string, n: number) => `ns() { date +%s%N; }; for i in $(seq ${n}); do t0=$(ns); gio version > /dev/null; t1=$(ns); echo "${tag} $(( (t1 - t0) / 1000 ))"; done`;
/** The numbers of a guest script's "<tag> N" lines. */
const numbersOf = (out: string, tag: string) => [...out.matchAll(new RegExp(`^${tag} (\\d+)$`, 'gm'))].map((m) => Number(m[1]));
/** The "<tag> N" lines of a guest script's output (µs), in ms. */
export const msOf = (out: string, tag: string) => numbersOf(out, tag).map((us) => us / 1000);

/**
 * A detached simulator, with sim's defaults (merge mode, cache=loose, the prefix's usr/ settled
 * on the session's disk) or without the prefix. Both stay up, so that the later starts can be
 * taken side by side. `counted`: the guest's time counts instructions (COUNTED).
 */
async function bootSim(ws: Workspace, prefix: string | undefined, counted = false): Promise<Sim> {
  const env = { ...ws.env, SIM_ACCEL: 'tcg', ...(counted ? { SIM_ICOUNT: ICOUNT_SHIFT } : {}) };
  const sim: Sim = { name: `bench-9p-${counted ? 'counted' : prefix ? 'prefix' : 'image'}`, prefix: !!prefix, sim: async (args) => (await simOk(args, env)).stdout };
  await sim.sim(['boot', '--detach', '--name', sim.name, '--image', ws.debian.ref, ...(prefix ? ['--overlay', prefix] : [])]);
  return sim;
}

/** What a developer meets: the first start of `gio version` once ready. Timed in the guest. */
async function firstStart(sim: Sim): Promise<number> {
  const prefix = sim.prefix;
  const script = [
    // Once ready, as a developer's first command would be: the prefetch done (a few seconds at most).
    'for i in $(seq 300); do [ -e /run/sim/prefetched ] || [ ! -e /run/sim/overlay-mode ] && break; sleep 0.1; done',
    timedStarts('first', 1),
    prefix ? "grep -q ' /run/sim/overlay ' /proc/self/mountinfo || echo no-overlay" : '',
    // The prefix's GLib settled, the image's kept aside (else the rows compare something else).
    prefix ? "grep -qx usr/lib/x86_64-linux-gnu /run/sim/settled && ls /usr/.sim/kept/usr/lib/x86_64-linux-gnu/libglib-2.0.so.0.* > /dev/null || echo not-settled" : '',
  ].join('\n');
  const out = await sim.sim(['exec', sim.name, '--', 'sh', '-c', script]);
  if (out.includes('no-overlay')) throw new Error('the simulator has no prefix mounted');
  if (out.includes('not-settled')) throw new Error("the prefix's GLib is not settled");
  return msOf(out, 'first')[0]!;
}

/**
 * The later starts are the day's: once the guest has settled (a resume's attach restarts the
 * services that map a replaced library, and udev works through the new devices for a few
 * seconds). Two guests differ by more than their files (a machine that slows down, or one QEMU
 * that runs faster than the other for a while): both are up at once and take turns, a few
 * starts each, the turn's order alternating, so that the machine's drift hits them alike.
 */
async function laterStarts(sims: [Sim, Sim], rounds: number, perTurn: number): Promise<Map<Sim, number[]>> {
  const settle = 'udevadm settle > /dev/null 2>&1; systemctl is-system-running --wait > /dev/null 2>&1; sleep 3';
  await Promise.all(sims.map((s) => s.sim(['exec', s.name, '--', 'sh', '-c', settle])));
  const later = new Map<Sim, number[]>(sims.map((s) => [s, []]));
  for (let r = 0; r < rounds; r++) {
    for (const s of r % 2 ? [...sims].reverse() : sims) {
      later.get(s)!.push(...msOf(await s.sim(['exec', s.name, '--', 'sh', '-c', timedStarts('again', perTurn)]), 'again'));
    }
  }
  return later;
}

/**
 * In the prefix's simulator, the same start with the prefix's GLib that sim settled and with the
 * image's own, which it kept aside (ROOTS_FUNCTION: two binds of the root fs, which carry no
 * layer, with the running system's /proc, /sys, /dev, /run and /tmp in them: a program that finds
 * no /proc takes other paths), interleaved, in a mount namespace of its own (the guest's root is
 * a shared mount).
 */
async function sameGuest(s: Sim): Promise<{ prefix: number[]; image: number[]; faults: { prefix: number[]; image: number[] } }> {
  const script = [
    "unshare -m --propagation private sh -c '",
    '  ns() { date +%s%N; }',
    `  ${ROOT_FUNCTION}`,
    `  ${ROOTS_FUNCTION}`,
    '  roots /run/bench-prefix /run/bench-image',
    '  start() { t0=$(ns); chroot $2 /usr/bin/gio version > /dev/null; t1=$(ns); echo "same-$1 $(( (t1 - t0) / 1000 ))"; }',
    // Which goes first alternates: the second of two starts in a row is quicker (1-2%, measured
    // with the same root twice), whatever its files.
    '  for i in $(seq 9); do start prefix /run/bench-prefix; start image /run/bench-image; start image /run/bench-image; start prefix /run/bench-prefix; done',
    // Then the page faults of a start (busybox time: the minor faults of the chroot and of gio).
    '  faults() { /run/sim/busybox time -f "faults-$1 %R" chroot $2 /usr/bin/gio version 2>&1 > /dev/null; }',
    '  for i in 1 2 3; do faults prefix /run/bench-prefix; faults image /run/bench-image; done',
    "'",
  ].join('\n');
  const out = await s.sim(['exec', s.name, '--', 'sh', '-c', script]);
  if (out.includes('no-kept')) throw new Error('sim kept none of the image files aside: nothing to compare');
  // The first round warms what the chroot itself reads: left out, both of each.
  return {
    prefix: msOf(out, 'same-prefix').slice(2),
    image: msOf(out, 'same-image').slice(2),
    faults: { prefix: numbersOf(out, 'faults-prefix'), image: numbersOf(out, 'faults-image') },
  };
}

/** The roots of `sameGuest`, and the overlay-only one (COUNTED), interleaved; µs lines "counted-<root> N". */
async function countedStarts(s: Sim, rounds: number): Promise<Record<CountedRoot, number[]>> {
  const script = [
    "unshare -m --propagation private sh -c '",
    '  ns() { date +%s%N; }',
    `  ${ROOT_FUNCTION}`,
    `  ${ROOTS_FUNCTION}`,
    '  roots /run/bench-prefix /run/bench-image; root /run/bench-overlay',
    // overlayfs wants two lower layers when it has no upper one.
    '  mkdir -p /run/bench-empty && mount -t overlay -o lowerdir=/run/bench-empty:/run/bench-overlay/usr bench-usr /run/bench-overlay/usr',
    '  start() { t0=$(ns); chroot $2 /usr/bin/gio version > /dev/null; t1=$(ns); echo "counted-$1 $(( (t1 - t0) / 1000 ))"; }',
    `  for i in $(seq ${rounds}); do start prefix /run/bench-prefix; start image /run/bench-image; start overlay /run/bench-overlay; start overlay /run/bench-overlay; start image /run/bench-image; start prefix /run/bench-prefix; done`,
    "'",
  ].join('\n');
  const out = await s.sim(['exec', s.name, '--', 'sh', '-c', script]);
  if (out.includes('no-kept')) throw new Error('sim kept none of the image files aside: nothing to compare');
  // The first round warms what the chroot itself reads: left out, both of each.
  const of = (root: CountedRoot) => msOf(out, `counted-${root}`).slice(2);
  return { prefix: of('prefix'), image: of('image'), overlay: of('overlay') };
}

/** A detached simulator with the prefix whose time counts instructions: booted, measured, stopped. */
async function countedSection(ws: Workspace, results: Results, prefix: string, rounds: number): Promise<void> {
  const sim = await bootSim(ws, prefix, true);
  try {
    await firstStart(sim);
    const counted = await countedStarts(sim, rounds);
    results.add(SECTION, countedRow('prefix'), 'ms', counted.prefix, { vs: countedRow('image') });
    results.add(SECTION, countedRow('overlay'), 'ms', counted.overlay, { vs: countedRow('image') });
    results.add(SECTION, countedRow('image'), 'ms', counted.image);
  } finally {
    await sim.sim(['stop', sim.name]).catch((e: unknown) => results.note(`9p: could not stop ${sim.name}: ${String(e)}`));
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
    const booted: Sim[] = [];
    const first = new Map<Sim, number>();
    try {
      for (const p of i % 2 ? [prefix, undefined] : [undefined, prefix]) {
        const sim = await bootSim(ws, p);
        booted.push(sim);
        first.set(sim, await firstStart(sim));
      }
      const [withPrefix, image] = booted[0]!.prefix ? [booted[0]!, booted[1]!] : [booted[1]!, booted[0]!];
      const later = await laterStarts([withPrefix, image], 6, 3);
      const same = await sameGuest(withPrefix);
      results.add(SECTION, afterBootRow('first', 'prefix'), 'ms', [first.get(withPrefix)!], { vs: afterBootRow('first', 'image') });
      results.add(SECTION, afterBootRow('first', 'image'), 'ms', [first.get(image)!]);
      results.add(SECTION, afterBootRow('later', 'prefix'), 'ms', later.get(withPrefix)!, { vs: afterBootRow('later', 'image') });
      results.add(SECTION, afterBootRow('later', 'image'), 'ms', later.get(image)!);
      results.add(SECTION, sameGuestRow('prefix'), 'ms', same.prefix, { vs: sameGuestRow('image') });
      results.add(SECTION, sameGuestRow('image'), 'ms', same.image);
      results.add(SECTION, sameGuestFaultsRow('prefix'), 'count', same.faults.prefix, { vs: sameGuestFaultsRow('image') });
      results.add(SECTION, sameGuestFaultsRow('image'), 'count', same.faults.image);
    } finally {
      for (const b of booted) await b.sim(['stop', b.name]).catch((e: unknown) => results.note(`9p: could not stop ${b.name}: ${String(e)}`));
    }
  }
  await countedSection(ws, results, prefix, 4 * runs + 2);
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
