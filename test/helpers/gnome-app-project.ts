/**
 * A GNOME app the GNOME test rebuilds beside gnome-shell (opt-in: SIM_TEST_GNOME_APP=1): Files
 * (nautilus), Debian 12's own source for the gnome image, with a checkable change — its
 * `--version` says it was rebuilt — fetched once into the fixture cache like gnome-shell's.
 * GNOME starts it by D-Bus activation (org.gnome.Nautilus.service: Exec=/usr/bin/nautilus
 * --gapplication-service), so the rebuilt binary wins through the merge mode.
 */
import { createHash } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { fetchSource, missingRequirements, type Requirement, type SourceSpec } from '../../src/demo/demo.js';
import { GNOME_SHELL_IMAGE } from '../../src/demo/gnome-shell.js';
import { run } from '../../src/core/process.js';
import { loadRecipe } from '../../src/images/recipe.js';

export const APP_MODULE = 'nautilus';
export const APP_ID = 'org.gnome.Nautilus';
export const APP_MARKER = 'rebuilt by sim';

const VERSION_LINE = '"GNOME nautilus " PACKAGE_VERSION "\\n"';

const NAUTILUS_SOURCE: SourceSpec = {
  package: 'nautilus',
  label: 'Files (nautilus)',
  file: path.join('src', 'nautilus-application.c'),
  patch: (text) => (text.includes(VERSION_LINE) ? text.replace(VERSION_LINE, `"GNOME nautilus " PACKAGE_VERSION " (${APP_MARKER})\\n"`) : undefined),
  mismatchHint: 'The test expects the nautilus 43 sources of Debian 12.',
};

/** Without tests, docs, extensions (gexiv2, GStreamer), introspection, PackageKit and SELinux. */
const NAUTILUS_MESON_OPTIONS = ['-Dtests=none', '-Ddocs=false', '-Dextensions=false', '-Dintrospection=false', '-Dpackagekit=false', '-Dselinux=false', '--wrap-mode=nodownload'];

const pkgConfig = (module: string, pkg: string): Requirement => ({
  need: 'build',
  what: `${module}.pc`,
  pkg,
  present: async (env) => (await run('pkg-config', ['--exists', module], { env, allowFailure: true })).exitCode === 0,
});

/** What NAUTILUS_MESON_OPTIONS need beyond gnome-shell's build dependencies. */
const NAUTILUS_REQUIREMENTS: Requirement[] = [
  pkgConfig('libadwaita-1', 'libadwaita-1-dev'),
  pkgConfig('gnome-autoar-0', 'libgnome-autoar-0-dev'),
  pkgConfig('gnome-desktop-4', 'libgnome-desktop-4-dev'),
  pkgConfig('libportal-gtk4', 'libportal-gtk4-dev'),
  pkgConfig('tracker-sparql-3.0', 'libtracker-sparql-3.0-dev'),
  pkgConfig('cloudproviders', 'libcloudproviders-dev'),
];

/** The Debian packages nautilus's build needs that are missing here. */
export async function missingAppPackages(): Promise<string[]> {
  return (await missingRequirements(['build'], process.env, NAUTILUS_REQUIREMENTS)).map((r) => r.pkg);
}

/** Fetches (once) and patches the source; the module entry for a gnome-shell run's sim.json. */
export async function appModule(cacheDir: string): Promise<Record<string, unknown>> {
  const { recipe, key: recipeKey } = await loadRecipe(GNOME_SHELL_IMAGE);
  const key = createHash('sha256').update(JSON.stringify({ recipeKey, marker: APP_MARKER })).digest('hex').slice(0, 16);
  const dir = path.join(cacheDir, `nautilus-${key}`);
  await mkdir(dir, { recursive: true });
  const source = await fetchSource(dir, recipe, NAUTILUS_SOURCE, undefined, process.env);
  // An app: nothing maps it before it starts, so a rebuild needs no reboot.
  return { [APP_MODULE]: { source: path.join(dir, source.dir), buildSystem: 'meson', kind: 'app', options: NAUTILUS_MESON_OPTIONS } };
}
