/**
 * The gnome-shell project the GNOME tests rebuild: Debian's own source for the gnome image's
 * suite with the demo's visible change (src/demo/gnome-shell.ts), fetched once into the fixture
 * cache, keyed by the recipe, the patch and the meson options, because its build is the
 * expensive part (minutes on 2 cores). Its build directory lives there too and is shared by
 * every run (the builder's lock serialises builds); each run gets a sim.json of its own naming a
 * prefix of its own, so that a run starts from an empty prefix (the stock session) and its
 * `sim rebuild-and-boot` is the developer's: build into the prefix, reboot the simulator.
 */
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fetchSource, missingRequirements } from '../../src/demo/demo.js';
import { ACTIVITIES_MARKER, GNOME_SHELL_IMAGE, GNOME_SHELL_MESON_OPTIONS, GNOME_SHELL_HOST_REQUIREMENTS, GNOME_SHELL_SOURCE, gnomeShellProjectFile, patchActivitiesLabel } from '../../src/demo/gnome-shell.js';
import { loadRecipe } from '../../src/images/recipe.js';
import { fixtureCacheDir } from './fixture-image.js';

export interface GnomeShellRun {
  /** This run's sim.json (beside the shared source and build dir). */
  configPath: string;
  /** This run's prefix: empty until `sim rebuild-and-boot` fills it. */
  prefix: string;
  /** The patched source tree (shared by the runs of this cache). */
  source: string;
  /** Removes this run's sim.json and prefix (the source and build dir stay cached). */
  remove: () => Promise<void>;
}

/**
 * Why gnome-shell cannot be rebuilt here, or undefined. It builds against the host's mutter 11
 * (Debian 12, the gnome image's release): another host release skips, even in CI. A missing
 * build dependency on Debian 12 is a skip, except in CI, where it throws.
 */
export async function gnomeShellBuildSkipReason(): Promise<string | undefined> {
  const release = await readFile('/etc/os-release', 'utf8').catch(() => '');
  if (!/^VERSION_CODENAME=bookworm$/m.test(release)) return "the host is not Debian 12 (gnome-shell 43 builds against Debian 12's mutter 11)";
  const missing = await missingRequirements(['source', 'build'], process.env, GNOME_SHELL_HOST_REQUIREMENTS);
  if (!missing.length) return undefined;
  const reason = `gnome-shell's build dependencies are missing: ${[...new Set(missing.map((r) => r.pkg))].join(' ')} (scripts/setup-host.sh test installs them)`;
  if (process.env.CI === 'true') throw new Error(`the rebuilt gnome-shell test cannot run in CI: ${reason}`);
  return reason;
}

/** A run killed before its clean-up leaves its sim.json and prefix: removed a day later. */
async function sweepOldRuns(dir: string): Promise<void> {
  const dayAgo = Date.now() - 24 * 3600_000;
  for (const name of await readdir(dir)) {
    if (!/^(sim-)?run-/.test(name)) continue;
    const old = await stat(path.join(dir, name)).then((s) => s.mtimeMs < dayAgo, () => false);
    if (old) await rm(path.join(dir, name), { recursive: true, force: true });
  }
}

/**
 * Fetches (once) and patches the source; writes a sim.json and an empty prefix for this run.
 * `modules`: more modules for the same prefix (an app the test rebuilds too).
 */
export async function gnomeShellRun(cacheDir = fixtureCacheDir(), modules: Record<string, unknown> = {}): Promise<GnomeShellRun> {
  const { recipe, key: recipeKey } = await loadRecipe(GNOME_SHELL_IMAGE);
  const key = createHash('sha256')
    .update(JSON.stringify({ recipeKey, options: GNOME_SHELL_MESON_OPTIONS, marker: ACTIVITIES_MARKER, patch: patchActivitiesLabel.toString() }))
    .digest('hex')
    .slice(0, 16);
  const dir = path.join(cacheDir, `gnome-shell-${key}`);
  await mkdir(dir, { recursive: true });
  const source = await fetchSource(dir, recipe, GNOME_SHELL_SOURCE, undefined, process.env);
  await sweepOldRuns(dir);
  const runDir = await mkdtemp(path.join(dir, 'run-'));
  const prefix = path.join(runDir, 'prefix');
  await mkdir(prefix);
  const configPath = path.join(dir, `sim-${path.basename(runDir)}.json`);
  const file = gnomeShellProjectFile(source);
  await writeFile(configPath, `${JSON.stringify({ ...file, prefix, modules: { ...(file.modules as Record<string, unknown>), ...modules } }, null, 2)}\n`);
  return {
    configPath,
    prefix,
    source: path.join(dir, source.dir),
    remove: async () => {
      await rm(configPath, { force: true });
      await rm(runDir, { recursive: true, force: true });
    },
  };
}
