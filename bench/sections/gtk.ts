/**
 * A GTK app's start in the GNOME session (issue #18, item 1): fixtures/gtk-start, built into a
 * prefix with `sim build`, times itself from its exec to its window's first painted frame. Two
 * detached simulators of the gnome image, one after the other: with GTK from the image (the
 * prefix holds only the app), and with GTK from the prefix (a copy of the host's libgtk-4, Debian
 * 12's like the image's). In each, once the shell is on screen and the prefix was read into the
 * cache, the first start and five more. Opt-in (BENCH_ONLY=gtk): the GNOME image is large.
 */
import { cp, mkdir, mkdtemp, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildImage } from '../../src/index.js';
import { Screen } from '../../test/helpers/gnome-session.js';
import { sim } from '../../test/helpers/sim.js';
import type { Results } from '../lib/results.js';
import type { Workspace } from '../lib/workspace.js';

const SECTION = 'a GTK app in the GNOME session (to its first frame)';
const FIXTURE = fileURLToPath(new URL('../../fixtures/gtk-start/', import.meta.url));
const HOST_LIBDIR = '/usr/lib/x86_64-linux-gnu';
export const gtkRow = (which: 'first' | 'later', from: 'prefix' | 'image') =>
  `${which === 'first' ? 'first start' : 'later starts'}, GTK from ${from === 'prefix' ? 'the prefix (sim: merge, cache=loose, prefetched)' : 'the image'}`;

/** The app's starts, in ms: the first, then five more. */
const SCRIPT = [
  'for i in $(seq 600); do [ -e /run/sim/prefetched ] && break; sleep 0.1; done',
  'uid=$(id -u sim)',
  // The date is taken in the user's shell just before the exec, so runuser's own start is not counted.
  `start() { runuser -u sim -- env XDG_RUNTIME_DIR=/run/user/$uid WAYLAND_DISPLAY=wayland-0 DBUS_SESSION_BUS_ADDRESS=unix:path=/run/user/$uid/bus GDK_BACKEND=wayland sh -c 'exec /usr/bin/sim-gtk-start "$(date +%s%N)"'; }`,
  'for i in 1 2 3 4 5 6; do start || exit 1; done',
].join('\n');

async function starts(name: string, env: Record<string, string>, image: string, prefix: string, shots: string): Promise<number[]> {
  const boot = await sim(['boot', '--detach', '--image', image, '--name', name, '--overlay', prefix, '--display', 'none', '--memory', '2G', '--timeout', '900'], env);
  if (boot.exitCode !== 0) throw new Error(`the GNOME image did not boot: ${String(boot.stderr).slice(-2000)}`);
  try {
    const screen = new Screen(name, env, shots);
    if (!(await screen.waitForShell(15 * 60_000, 2_000)).on) throw new Error('no shell on screen after 15 minutes');
    await screen.settled();
    const run = await sim(['exec', name, '--', 'sh', '-c', SCRIPT], env, { timeout: 10 * 60_000 });
    const us = [...String(run.stdout).matchAll(/^first-frame-us=(\d+)$/gm)].map((m) => Number(m[1]));
    if (run.exitCode !== 0 || us.length !== 6) throw new Error(`the GTK app did not start six times (exit ${run.exitCode}): ${String(run.stdout).slice(-1000)}${String(run.stderr).slice(-1000)}`);
    return us.map((n) => n / 1000);
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
    log(`GTK app starts, run ${i + 1}: GTK from the image, then from the prefix`);
    const fromImage = await starts(`bench-gtk-image-${i}`, env, image.id, appOnly, shots);
    const fromPrefix = await starts(`bench-gtk-prefix-${i}`, env, image.id, withGtk, shots);
    results.add(SECTION, gtkRow('first', 'prefix'), 'ms', fromPrefix.slice(0, 1), { vs: gtkRow('first', 'image') });
    results.add(SECTION, gtkRow('first', 'image'), 'ms', fromImage.slice(0, 1));
    results.add(SECTION, gtkRow('later', 'prefix'), 'ms', fromPrefix.slice(1), { vs: gtkRow('later', 'image') });
    results.add(SECTION, gtkRow('later', 'image'), 'ms', fromImage.slice(1));
  }
}
