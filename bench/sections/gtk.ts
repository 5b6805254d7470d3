/**
 * A GTK app's start in the GNOME session (issue #18, item 1): fixtures/gtk-start, built into a
 * prefix with `sim build`, times itself from its exec to its window's first painted frame. Two
 * detached simulators of the gnome image, one after the other (which first alternates run by
 * run; two GNOME sessions at once would load each other): with GTK from the image (the prefix
 * holds only the app), and with GTK from the prefix (a copy of the host's libgtk-4, Debian 12's
 * like the image's). In each, once the shell is on screen and the prefix was read into the
 * cache, the first start and five more; then, in the one with GTK from the prefix, later starts
 * with the prefix's GTK, which sim settled on the root's disk, and with the image's own, which
 * it kept aside, interleaved. Last, those later starts once more in a simulator whose time
 * counts instructions. Opt-in (BENCH_ONLY=gtk): the GNOME image is large.
 */
import { cp, mkdir, mkdtemp, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildImage } from '../../src/index.js';
import { Screen } from '../../test/helpers/gnome-session.js';
import { sim } from '../../test/helpers/sim.js';
import { ICOUNT_SHIFT, ROOT_FUNCTION, ROOTS_FUNCTION } from '../lib/guest-roots.js';
import type { Results } from '../lib/results.js';
import type { Workspace } from '../lib/workspace.js';

const SECTION = 'a GTK app in the GNOME session (to its first frame)';
const FIXTURE = fileURLToPath(new URL('../../fixtures/gtk-start/', import.meta.url));
const HOST_LIBDIR = '/usr/lib/x86_64-linux-gnu';
export const gtkRow = (which: 'first' | 'later', from: 'prefix' | 'image') =>
  `${which === 'first' ? 'first start' : 'later starts'}, GTK from ${from === 'prefix' ? 'the prefix (sim: merge, usr/ settled, cache=loose)' : 'the image'}`;

const LAUNCH_ENV = 'XDG_RUNTIME_DIR=/run/user/$uid WAYLAND_DISPLAY=wayland-0 DBUS_SESSION_BUS_ADDRESS=unix:path=/run/user/$uid/bus GDK_BACKEND=wayland';

const sameGuestFrom = (from: 'prefix' | 'image') =>
  `GTK from ${from === 'prefix' ? "the prefix (settled by sim on the root's disk)" : "the image (its own files, which sim kept aside)"}`;
export const gtkSameGuestRow = (from: 'prefix' | 'image') => `later starts in one guest, interleaved: ${sameGuestFrom(from)}`;
/** The same-guest starts in a guest whose time counts instructions (SIM_ICOUNT=3, one CPU): to the first frame, and the app's CPU time. */
export const gtkCountedRow = (what: 'time' | 'cpu', from: 'prefix' | 'image') =>
  `later starts in one guest whose time counts instructions (SIM_ICOUNT=${ICOUNT_SHIFT}, one CPU), ${what === 'time' ? 'to the first frame' : "the app's CPU time"}: ${sameGuestFrom(from)}`;
/** What those starts took beside their time, as the app counts it (fixtures/gtk-start). */
export const gtkSameGuestWorkRow = (what: 'cpu' | 'faults', from: 'prefix' | 'image') =>
  `the same starts, ${what === 'cpu' ? "the app's CPU time (all threads)" : "the app's page faults"}: ${sameGuestFrom(from)}`;

/**
 * Waits (up to 3 minutes) until the guest's CPUs are busy less than a quarter of 5 s; prints
 * "settled-after-s N". A resumed GNOME session works for a minute or more after the shell is on
 * screen (gnome-shell, the settings daemons, D-Bus; the prefix's attach and copies add their
 * part), and a start in that minute waits for it: up to 3x its own CPU time.
 */
const SETTLE = [
  'idle() { read -r _ u n s i w x y z _ < /proc/stat; echo $((u + n + s + i + w + x + y + z)) $i; }',
  'waited=0; while [ $waited -lt 180 ]; do set -- $(idle); sleep 5; waited=$((waited + 5)); set -- $1 $2 $(idle); [ $(( 100 * ($4 - $2) / ($3 - $1) )) -ge 75 ] && break; done',
  'echo "settled-after-s $waited"',
].join('\n');

const PREFETCHED = 'for i in $(seq 600); do [ -e /run/sim/prefetched ] && break; sleep 0.1; done';

/** The app's starts, in ms: the first once ready, then five more once the session has settled. */
const SCRIPT = [
  PREFETCHED,
  'uid=$(id -u sim)',
  // The date is taken in the user's shell just before the exec, so runuser's own start is not counted.
  `start() { runuser -u sim -- env ${LAUNCH_ENV} sh -c 'exec /usr/bin/sim-gtk-start "$(date +%s%N)"'; }`,
  'start || exit 1',
  SETTLE,
  'for i in 1 2 3 4 5; do start || exit 1; done',
].join('\n');

/**
 * Rounds of four: the first is left out. Each start's time varies by ±15% with the emulated
 * CPU's speed (its CPU time with it, its page faults by 0.1%), so more pairs than for gio.
 */
const SAME_GUEST_ROUNDS = 8;
/** In a guest whose time counts instructions a start varies by about 1%, and takes 15 s (one CPU). */
const COUNTED_ROUNDS = 6;

type AppStart = { ms: number; cpuMs: number; faults: number };

/** The app's lines ("first-frame-us=N cpu-us=C minflt=F ..."), each after `tag`: times in ms. */
export function appStarts(out: string, tag: string): AppStart[] {
  return [...out.matchAll(new RegExp(`^${tag}first-frame-us=(\\d+) cpu-us=(\\d+) minflt=(\\d+)`, 'gm'))].map((m) => ({
    ms: Number(m[1]) / 1000,
    cpuMs: Number(m[2]) / 1000,
    faults: Number(m[3]),
  }));
}

/**
 * The same later starts in one guest (the GTK-from-the-prefix simulator's), as for gio in the 9p
 * section: with the prefix's GTK that sim settled and with the image's own, which it kept aside
 * (ROOTS_FUNCTION: two binds of the root fs, no layer; the running /proc, /sys, /dev, /run and
 * /tmp in them, so the same session and the same caches), interleaved, which goes first
 * alternating. The app is the prefix's, settled at its path in both (the image has none). Run
 * with `unshare -m` (a mount namespace of its own: the guest's root is a shared mount); prints
 * the app's line after "same-prefix " or "same-image ".
 */
const sameGuestScript = (rounds: number) => [
  'set -e',
  ROOT_FUNCTION,
  ROOTS_FUNCTION,
  'kept=$(roots /run/bench-prefix /run/bench-image)',
  '[ "$kept" != no-kept ] || { echo "sim kept none of the image files aside: nothing to compare" >&2; exit 1; }',
  'uid=$(id -u sim)',
  `start() { out=$(chroot "$2" runuser -u sim -- env ${LAUNCH_ENV} sh -c "exec /usr/bin/sim-gtk-start \\"\\$(date +%s%N)\\""); echo "same-$1 $out"; }`,
  `for i in $(seq ${rounds}); do start prefix /run/bench-prefix; start image /run/bench-image; start image /run/bench-image; start prefix /run/bench-prefix; done`,
].join('\n');

/** The same-guest starts (sameGuestScript), the first round left out, both of each (which goes first alternates within a round). */
async function sameGuestStarts(name: string, env: Record<string, string>, rounds: number): Promise<{ prefix: AppStart[]; image: AppStart[] }> {
  const same = await sim(['exec', name, '--', 'unshare', '-m', '--propagation', 'private', 'sh', '-c', sameGuestScript(rounds)], env, { timeout: 20 * 60_000 });
  const of = (from: string) => appStarts(String(same.stdout), `same-${from} `).slice(2);
  const want = 2 * (rounds - 1);
  if (same.exitCode !== 0 || of('prefix').length !== want || of('image').length !== want) throw new Error(`the same-guest starts failed (exit ${same.exitCode}): ${String(same.stdout).slice(-1000)}${String(same.stderr).slice(-1000)}`);
  return { prefix: of('prefix'), image: of('image') };
}

async function starts(name: string, env: Record<string, string>, image: string, prefix: string, shots: string, sameGuest: boolean): Promise<{ ms: number[]; settledS: number; same?: { prefix: AppStart[]; image: AppStart[] } }> {
  const boot = await sim(['boot', '--detach', '--image', image, '--name', name, '--overlay', prefix, '--display', 'none', '--memory', '2G', '--timeout', '900'], env);
  if (boot.exitCode !== 0) throw new Error(`the GNOME image did not boot: ${String(boot.stderr).slice(-2000)}`);
  try {
    const screen = new Screen(name, env, shots);
    if (!(await screen.waitForShell(15 * 60_000, 2_000)).on) throw new Error('no shell on screen after 15 minutes');
    await screen.settled();
    const run = await sim(['exec', name, '--', 'sh', '-c', SCRIPT], env, { timeout: 10 * 60_000 });
    const ms = appStarts(String(run.stdout), '').map((start) => start.ms);
    if (run.exitCode !== 0 || ms.length !== 6) throw new Error(`the GTK app did not start six times (exit ${run.exitCode}): ${String(run.stdout).slice(-1000)}${String(run.stderr).slice(-1000)}`);
    const settledS = Number(/^settled-after-s (\d+)$/m.exec(String(run.stdout))?.[1]);
    if (!sameGuest) return { ms, settledS };
    return { ms, settledS, same: await sameGuestStarts(name, env, SAME_GUEST_ROUNDS) };
  } finally {
    await sim(['stop', name, '--timeout', '20'], env);
  }
}

/**
 * The same-guest starts once more, in a simulator whose time counts instructions (SIM_ICOUNT, one
 * CPU; its own snapshot, saved on its first boot): a start's time there is the work done by the
 * app and by the session for its frame, whatever the host's speed.
 */
async function countedStarts(env: Record<string, string>, image: string, prefix: string, shots: string): Promise<{ prefix: AppStart[]; image: AppStart[] }> {
  const name = 'bench-gtk-counted';
  const boot = await sim(['boot', '--detach', '--image', image, '--name', name, '--overlay', prefix, '--display', 'none', '--memory', '2G', '--timeout', '1500'], { ...env, SIM_ICOUNT: ICOUNT_SHIFT });
  if (boot.exitCode !== 0) throw new Error(`the GNOME image did not boot counting instructions: ${String(boot.stderr).slice(-2000)}`);
  try {
    const screen = new Screen(name, env, shots);
    if (!(await screen.waitForShell(15 * 60_000, 2_000)).on) throw new Error('no shell on screen after 15 minutes (counting instructions)');
    await screen.settled();
    const ready = await sim(['exec', name, '--', 'sh', '-c', `${PREFETCHED}\n${SETTLE}`], env, { timeout: 10 * 60_000 });
    if (ready.exitCode !== 0) throw new Error(`the counted session did not settle: ${String(ready.stderr).slice(-1000)}`);
    return await sameGuestStarts(name, env, COUNTED_ROUNDS);
  } finally {
    await sim(['stop', name, '--timeout', '20'], env);
  }
}

export async function gtkSection(ws: Workspace, results: Results, runs: number, log: (line: string) => void): Promise<void> {
  const image = await buildImage({ recipe: 'gnome', name: 'gnome', env: ws.userEnv });
  const env = { SIM_RUNTIME_DIR: String(ws.env.SIM_RUNTIME_DIR), DISPLAY: '', WAYLAND_DISPLAY: '' };
  const project = path.join(ws.root, 'gtk');
  await mkdir(project, { recursive: true });
  await cp(FIXTURE, path.join(project, 'gtk-start'), { recursive: true });
  await writeFile(path.join(project, 'sim.json'), JSON.stringify({ image: image.id, prefix: 'app-only', modules: { 'gtk-start': { source: 'gtk-start' } } }));
  const built = await sim(['build', '--config', project, 'gtk-start'], env);
  if (built.exitCode !== 0) throw new Error(`sim build of the GTK app failed: ${String(built.stderr).slice(-2000)}`);
  const appOnly = path.join(project, 'app-only');
  const withGtk = path.join(project, 'with-gtk');
  await cp(appOnly, withGtk, { recursive: true, verbatimSymlinks: true });
  const libdir = path.join(withGtk, 'usr/lib/x86_64-linux-gnu');
  await mkdir(libdir, { recursive: true });
  for (const file of (await readdir(HOST_LIBDIR)).filter((n) => /^libgtk-4\.so\.1(\.\d+)*$/.test(n))) {
    await cp(path.join(HOST_LIBDIR, file), path.join(libdir, file), { verbatimSymlinks: true });
  }
  const shots = await mkdtemp(path.join(ws.root, 'gtk-shots-'));
  for (let i = 0; i < runs; i++) {
    // Alternating which boots first, so that a drift of the machine's speed (and what the host
    // still caches of the image's disk) evens out.
    const order = i % 2 === 0 ? (['image', 'prefix'] as const) : (['prefix', 'image'] as const);
    log(`GTK app starts, run ${i + 1}: GTK from the ${order[0]}, then from the ${order[1]}`);
    const got = new Map<'image' | 'prefix', number[]>();
    let same: { prefix: AppStart[]; image: AppStart[] } | undefined;
    for (const from of order) {
      const run = await starts(`bench-gtk-${from}-${i}`, env, image.id, from === 'image' ? appOnly : withGtk, shots, from === 'prefix');
      got.set(from, run.ms);
      results.note(`gtk: run ${i + 1}, GTK from the ${from}: the session settled ${run.settledS} s after the first start`);
      same ??= run.same;
    }
    const [fromImage, fromPrefix] = [got.get('image')!, got.get('prefix')!];
    results.add(SECTION, gtkRow('first', 'prefix'), 'ms', fromPrefix.slice(0, 1), { vs: gtkRow('first', 'image') });
    results.add(SECTION, gtkRow('first', 'image'), 'ms', fromImage.slice(0, 1));
    results.add(SECTION, gtkRow('later', 'prefix'), 'ms', fromPrefix.slice(1), { vs: gtkRow('later', 'image') });
    results.add(SECTION, gtkRow('later', 'image'), 'ms', fromImage.slice(1));
    results.add(SECTION, gtkSameGuestRow('prefix'), 'ms', same!.prefix.map((s) => s.ms), { vs: gtkSameGuestRow('image') });
    results.add(SECTION, gtkSameGuestRow('image'), 'ms', same!.image.map((s) => s.ms));
    results.add(SECTION, gtkSameGuestWorkRow('cpu', 'prefix'), 'ms', same!.prefix.map((s) => s.cpuMs), { vs: gtkSameGuestWorkRow('cpu', 'image') });
    results.add(SECTION, gtkSameGuestWorkRow('cpu', 'image'), 'ms', same!.image.map((s) => s.cpuMs));
    results.add(SECTION, gtkSameGuestWorkRow('faults', 'prefix'), 'count', same!.prefix.map((s) => s.faults), { vs: gtkSameGuestWorkRow('faults', 'image') });
    results.add(SECTION, gtkSameGuestWorkRow('faults', 'image'), 'count', same!.image.map((s) => s.faults));
  }
  log('GTK app starts in one guest whose time counts instructions (SIM_ICOUNT, one CPU)');
  const counted = await countedStarts(env, image.id, withGtk, shots);
  results.add(SECTION, gtkCountedRow('time', 'prefix'), 'ms', counted.prefix.map((s) => s.ms), { vs: gtkCountedRow('time', 'image') });
  results.add(SECTION, gtkCountedRow('time', 'image'), 'ms', counted.image.map((s) => s.ms));
  results.add(SECTION, gtkCountedRow('cpu', 'prefix'), 'ms', counted.prefix.map((s) => s.cpuMs), { vs: gtkCountedRow('cpu', 'image') });
  results.add(SECTION, gtkCountedRow('cpu', 'image'), 'ms', counted.image.map((s) => s.cpuMs));
}
