/**
 * The GNOME session (images/gnome.json): from `sim boot --detach` to guest-ready and to the shell
 * on screen (its top bar and wallpaper in `sim screenshot`), and how long after `sim input --key
 * super` the screen shows the overview closed (GNOME starts in it). Then the developer's round
 * trip on that session: a change to gnome-shell's js/ui/panel.js, `sim rebuild-and-boot` into the
 * running simulator (build, reboot in place) until the rebuilt shell is on screen — side by side
 * with the alternative, rebuilding the image (measured once, in a private cache) and booting it to
 * the shell. The gnome-shell project is the GNOME test's (Debian's source with the demo's change),
 * fetched into the bench's workspace, so its first build is cold. Opt-in (BENCH_ONLY=gnome): the
 * image is large (minutes to build) and a boot takes minutes under TCG.
 */
import { appendFile, mkdtemp, readFile } from 'node:fs/promises';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { buildImage } from '../../src/index.js';
import { overviewShown, Screen } from '../../test/helpers/gnome-session.js';
import { gnomeShellRun } from '../../test/helpers/gnome-shell-project.js';
import { parseEvents, sim } from '../../test/helpers/sim.js';
import type { Results } from '../lib/results.js';
import type { Workspace } from '../lib/workspace.js';

const SECTION = 'GNOME session (images/gnome.json, 2 GiB)';
const ROUND_TRIP = 'a gnome-shell change (js/ui/panel.js) to the rebuilt shell on screen: sim rebuild-and-boot into the running session';
const REBUILD_IMAGE = 'the same by rebuilding the image (sim image build gnome) and booting it to the shell';

export async function gnomeSection(ws: Workspace, results: Results, runs: number, log: (line: string) => void): Promise<void> {
  const t0 = performance.now();
  const image = await buildImage({ recipe: 'gnome', name: 'gnome', env: ws.userEnv });
  log(`gnome image ready in ${((performance.now() - t0) / 1000).toFixed(0)} s (a cache hit after the first build)`);
  // The user's cache (where the image is; sim() passes the rest of this environment on), the bench's runtime dir.
  const env = { SIM_RUNTIME_DIR: String(ws.env.SIM_RUNTIME_DIR), DISPLAY: '', WAYLAND_DISPLAY: '' };
  const shots = await mkdtemp(path.join(ws.root, 'gnome-shots-'));
  const projects = path.join(ws.root, 'gnome-shell');
  for (let i = 0; i < runs; i++) {
    const name = `bench-gnome-${i}`;
    // Each run's prefix starts empty (the stock session); the build dir is shared by the runs.
    const project = await gnomeShellRun(projects);
    const started = performance.now();
    const start = await sim(['boot', '--detach', '--image', image.id, '--name', name, '--overlay', project.prefix, '--display', 'none', '--memory', '2G', '--timeout', '900'], env);
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

      // The developer's change, then rebuild-and-boot into this session until the rebuilt shell is on screen.
      const panel = path.join(project.source, 'js', 'ui', 'panel.js');
      await appendFile(panel, `// bench run ${i} ${new Date().toISOString()}\n`);
      const changed = performance.now();
      const rebuild = await sim(['rebuild-and-boot', '--config', project.configPath, 'gnome-shell', '--json'], env, { timeout: 60 * 60_000 });
      if (rebuild.exitCode !== 0) throw new Error(`sim rebuild-and-boot gnome-shell failed: ${String(rebuild.stdout).slice(-2000)}${String(rebuild.stderr).slice(-2000)}`);
      const built = parseEvents(String(rebuild.stdout)).find((e) => e.type === 'progress' && e.task === 'build gnome-shell' && e.done);
      const rebuilt = await screen.waitForShell(15 * 60_000, 2_000);
      if (!rebuilt.on) throw new Error(`no rebuilt shell on screen after 15 minutes (${rebuilt.colours} colours)`);
      results.add(SECTION, ROUND_TRIP, 'ms', [performance.now() - changed], { vs: REBUILD_IMAGE });
      const buildMs = built?.type === 'progress' ? Number(/in (\d+) ms/.exec(built.message)?.[1]) : NaN;
      if (Number.isFinite(buildMs)) results.add(SECTION, `of which building gnome-shell${i === 0 ? ' (the first run: a cold build)' : ''}`, 'ms', [buildMs]);
    } finally {
      await sim(['stop', name, '--timeout', '20'], env);
      await project.remove();
    }
  }

  // The alternative: bake the change into a new image (a private cache, so the user's stays), then boot it to the shell.
  const imageEnv = { ...ws.userEnv, SIM_CACHE_DIR: path.join(ws.root, 'gnome-image-cache') };
  const buildStarted = performance.now();
  await buildImage({ recipe: 'gnome', name: 'gnome', env: imageEnv });
  const imageBuildMs = performance.now() - buildStarted;
  const toShell = results.samples(SECTION, 'boot to the shell on screen');
  results.add(SECTION, REBUILD_IMAGE, 'ms', [imageBuildMs + toShell.sort((a, b) => a - b)[Math.floor(toShell.length / 2)]!], {
    note: `sim image build gnome ${(imageBuildMs / 1000).toFixed(0)} s (once, its own package downloads cached by apt) + the median boot to the shell`,
  });
  log(`rebuilt the gnome image in a private cache in ${(imageBuildMs / 1000).toFixed(0)} s (${await readFile('/proc/loadavg', 'utf8')})`);
}
