/**
 * The GNOME session (images/gnome.json): from `sim boot --detach` to guest-ready and to the shell
 * on screen (its top bar and wallpaper in `sim screenshot`), and how long after `sim input --key
 * super` the screen shows the overview closed (GNOME starts in it). Opt-in (BENCH_ONLY=gnome): the image is large (about five minutes
 * to build, once) and a boot takes minutes under TCG.
 */
import { mkdtemp } from 'node:fs/promises';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { buildImage } from '../../src/index.js';
import { overviewShown, Screen } from '../../test/helpers/gnome-session.js';
import { sim } from '../../test/helpers/sim.js';
import type { Results } from '../lib/results.js';
import type { Workspace } from '../lib/workspace.js';

const SECTION = 'GNOME session (images/gnome.json, 2 GiB)';

export async function gnomeSection(ws: Workspace, results: Results, runs: number, log: (line: string) => void): Promise<void> {
  const t0 = performance.now();
  const image = await buildImage({ recipe: 'gnome', name: 'gnome', env: ws.userEnv });
  log(`gnome image ready in ${((performance.now() - t0) / 1000).toFixed(0)} s (a cache hit after the first build)`);
  // The user's cache (where the image is; sim() passes the rest of this environment on), the bench's runtime dir.
  const env = { SIM_RUNTIME_DIR: String(ws.env.SIM_RUNTIME_DIR), DISPLAY: '', WAYLAND_DISPLAY: '' };
  const shots = await mkdtemp(path.join(ws.root, 'gnome-shots-'));
  for (let i = 0; i < runs; i++) {
    const name = `bench-gnome-${i}`;
    const started = performance.now();
    const start = await sim(['boot', '--detach', '--image', image.id, '--name', name, '--display', 'none', '--memory', '2G', '--timeout', '900'], env);
    if (start.exitCode !== 0) throw new Error(`the GNOME image did not boot: ${String(start.stderr).slice(-2000)}`);
    const ready = performance.now() - started;
    try {
      const screen = new Screen(name, env, shots);
      const shell = await screen.waitForShell(15 * 60_000, 2_000);
      if (!shell.on) throw new Error(`no shell on screen after 15 minutes (${shell.colours} colours)`);
      const onScreen = performance.now() - started;
      await screen.settled();
      const pressed = performance.now();
      await sim(['input', name, '--key', 'super'], env);
      let overviewMs = NaN;
      for (const deadline = Date.now() + 60_000; Date.now() < deadline; ) {
        if (!overviewShown(await screen.shot())) {
          overviewMs = performance.now() - pressed;
          break;
        }
      }
      results.add(SECTION, 'boot to guest-ready', 'ms', [ready]);
      results.add(SECTION, 'boot to the shell on screen', 'ms', [onScreen]);
      if (Number.isFinite(overviewMs)) results.add(SECTION, 'Super to the overview closed on screen', 'ms', [overviewMs]);
    } finally {
      await sim(['stop', name, '--timeout', '20'], env);
    }
  }
}
