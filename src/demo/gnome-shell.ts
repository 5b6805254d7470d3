/**
 * `sim demo gnome-shell`: Debian's own gnome-shell source for the gnome image's suite, fetched like
 * the GLib demo's (apt-get source with private apt state), with one visible change — the top
 * bar's "Activities" button says it was rebuilt — and a sim project around it
 * (<cache>/demo/gnome-shell/sim.json: the gnome image, one meson module with Debian's options,
 * a library module: a rebuild reboots the simulator in place).
 *
 * Then `sim boot --detach --image gnome --overlay <its prefix> --memory 2G` boots the gnome image
 * with it, and `sim rebuild-and-boot --config <that sim.json> gnome-shell` rebuilds it and
 * reboots that simulator in place. gnome-shell finds its private
 * libraries (libgnome-shell.so, which holds the JavaScript, libst-1.0.so) and typelibs through its
 * RUNPATH in /usr/lib/x86_64-linux-gnu/gnome-shell, so the rebuilt ones win only where the prefix
 * is layered over /usr (the merge overlay mode), not through the linker cache.
 */
import { access, mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { writeFileAtomic } from '../core/atomic.js';
import type { SimContext } from '../core/context.js';
import type { EventSink } from '../core/events.js';
import { loadRecipe } from '../images/recipe.js';
import { which, run } from '../core/process.js';
import type { ImageMeta } from '../images/meta.js';
import { findImage } from '../images/store.js';
import { resolveOrBuildImage } from '../images/default.js';
import { buildModules, type BuildModulesResult } from '../builders/index.js';
import { loadProject } from '../config/project.js';
import { DEMO_REQUIREMENTS, fetchSource, missingPackagesError, missingRequirements, progress, readSourceState, type DemoSource, type Requirement, type SourceSpec } from './demo.js';

export const GNOME_SHELL_IMAGE = 'gnome';
export const GNOME_SHELL_MODULE = 'gnome-shell';

/** What the rebuilt top bar says instead of "Activities". */
export const ACTIVITIES_MARKER = 'Activities (rebuilt by sim)';

const ACTIVITIES_LINE = "text: _('Activities'),";

/** The visible change: the top bar's Activities button names the rebuild. Pure. */
export function patchActivitiesLabel(panelJs: string): string | undefined {
  if (!panelJs.includes(ACTIVITIES_LINE)) return undefined;
  return panelJs.replace(ACTIVITIES_LINE, `text: ${JSON.stringify(ACTIVITIES_MARKER).replace(/"/g, "'")},`);
}

export const GNOME_SHELL_SOURCE: SourceSpec = {
  package: 'gnome-shell',
  label: 'gnome-shell',
  file: path.join('js', 'ui', 'panel.js'),
  patch: (text) => patchActivitiesLabel(text),
  mismatchHint: 'The demo expects the gnome-shell 43 sources of Debian 12; check the suite in images/gnome.json.',
};

/**
 * Debian's own configuration (debian/rules) without tests, manuals, API docs, the extension
 * tools and NetworkManager (the gnome image has no NetworkManager), which keeps the host's build
 * dependencies to the ones listed below; never a download of a missing dependency.
 */
export const GNOME_SHELL_MESON_OPTIONS = [
  '-Dtests=false',
  '-Dman=false',
  '-Dgtk_doc=false',
  '-Dextensions_tool=false',
  '-Dextensions_app=false',
  '-Dnetworkmanager=false',
  '-Dsystemd=true',
  '-Dsoup2=false',
  '--wrap-mode=nodownload',
];

const program = (name: string) => async (env: NodeJS.ProcessEnv) => Boolean(await which(name, env));
const pkgConfig = (module: string) => async (env: NodeJS.ProcessEnv) =>
  Boolean(await which('pkg-config', env)) && (await run('pkg-config', ['--exists', module], { env, allowFailure: true })).exitCode === 0;

/**
 * gnome-shell's build dependencies (Debian 12) for GNOME_SHELL_MESON_OPTIONS, as `sim doctor`, the
 * demo and the tests name them: what its meson.build files look up with these options (the gvc
 * subproject without ALSA, shew with GTK 4) and the programs the build runs. scripts/setup-host.sh
 * installs the same packages for the tests.
 */
export const GNOME_SHELL_REQUIREMENTS: Requirement[] = [
  { need: 'build', what: 'meson', pkg: 'meson', present: program('meson') },
  { need: 'build', what: 'sassc', pkg: 'sassc', present: program('sassc') },
  { need: 'build', what: 'gjs', pkg: 'gjs', present: program('gjs') },
  { need: 'build', what: 'g-ir-scanner', pkg: 'gobject-introspection', present: program('g-ir-scanner') },
  { need: 'build', what: 'msgfmt', pkg: 'gettext', present: program('msgfmt') },
  ...([
    ['libmutter-11', 'libmutter-11-dev'],
    ['gjs-1.0', 'libgjs-dev'],
    ['gnome-desktop-3.0', 'libgnome-desktop-3-dev'],
    ['libecal-2.0', 'libecal2.0-dev'],
    ['libedataserver-1.2', 'libedataserver1.2-dev'],
    ['gcr-base-3', 'libgcr-3-dev'],
    ['gobject-introspection-1.0', 'libgirepository1.0-dev'],
    ['gtk4', 'libgtk-4-dev'],
    ['gtk+-3.0', 'libgtk-3-dev'],
    ['ibus-1.0', 'libibus-1.0-dev'],
    ['libpulse-mainloop-glib', 'libpulse-dev'],
    ['polkit-agent-1', 'libpolkit-agent-1-dev'],
    ['libstartup-notification-1.0', 'libstartup-notification0-dev'],
    ['libsystemd', 'libsystemd-dev'],
    ['systemd', 'systemd'],
    ['gsettings-desktop-schemas', 'gsettings-desktop-schemas-dev'],
    ['atk-bridge-2.0', 'libatk-bridge2.0-dev'],
    ['libxml-2.0', 'libxml2-dev'],
    ['x11', 'libx11-dev'],
  ] as const).map(([module, pkg]): Requirement => ({ need: 'build', what: `${module}.pc`, pkg, present: pkgConfig(module) })),
];

/** Everything the demo (and the tests' rebuild) needs on the host: boot, source and build. */
export const GNOME_SHELL_HOST_REQUIREMENTS: Requirement[] = [
  ...DEMO_REQUIREMENTS.filter((r) => r.need !== 'build' || ['cc', 'ninja', 'pkg-config', 'the C library headers'].includes(r.what)),
  ...GNOME_SHELL_REQUIREMENTS,
];

/** The project's sim.json: the gnome image, gnome-shell as a library module (a rebuild reboots). Pure. */
export function gnomeShellProjectFile(source: DemoSource): Record<string, unknown> {
  return {
    image: GNOME_SHELL_IMAGE,
    prefix: 'prefix',
    modules: {
      [GNOME_SHELL_MODULE]: {
        source: source.dir,
        buildSystem: 'meson',
        // Its private libraries (libgnome-shell.so holds the JavaScript) are mapped by the running
        // shell: a rebuild reboots the simulator in place. (Restarting GDM instead was measured to
        // start the new shell with pages of the old library still cached over 9p.)
        kind: 'library',
        options: GNOME_SHELL_MESON_OPTIONS,
      },
    },
  };
}

export interface GnomeShellProject {
  dir: string;
  configPath: string;
  source: DemoSource & { path: string };
}

/** Fetch (once) and patch gnome-shell's source, and write the project around it. */
export async function prepareGnomeShellProject(ctx: SimContext, events?: EventSink): Promise<GnomeShellProject> {
  const dir = path.join(ctx.dirs.demo, GNOME_SHELL_MODULE);
  await mkdir(dir, { recursive: true });
  const recipe = (await loadRecipe(GNOME_SHELL_IMAGE)).recipe;
  const source = (await readSourceState(dir)) ?? (await fetchSource(dir, recipe, GNOME_SHELL_SOURCE, events, ctx.env));
  const configPath = path.join(dir, 'sim.json');
  const text = `${JSON.stringify(gnomeShellProjectFile(source), null, 2)}\n`;
  if ((await readFile(configPath, 'utf8').catch(() => undefined)) !== text) await writeFileAtomic(configPath, text);
  progress(events, `gnome-shell ${source.version}: ${path.join(dir, source.dir)}`);
  await access(path.join(dir, source.dir));
  return { dir, configPath, source: { ...source, path: path.join(dir, source.dir) } };
}

export interface GnomeShellDemoResult extends GnomeShellProject {
  image: ImageMeta;
  build: BuildModulesResult;
}

/**
 * The host side of the gnome-shell demo: check the build dependencies (naming the missing
 * packages), the gnome image (built on first use), the source and project, and a build into the
 * project's prefix. Booting it is `sim boot --detach --overlay` (see nextGnomeShellSteps).
 */
export async function runGnomeShellDemo(ctx: SimContext, options: { events?: EventSink; signal?: AbortSignal } = {}): Promise<GnomeShellDemoResult> {
  const { events, signal } = options;
  progress(events, 'checking the host for the packages the gnome-shell build needs');
  const stored = await findImage(ctx, GNOME_SHELL_IMAGE);
  const needs = ['boot', 'source', 'build', ...(stored ? [] : ['image'])] as Parameters<typeof missingRequirements>[0];
  const missing = await missingRequirements(needs, ctx.env, GNOME_SHELL_HOST_REQUIREMENTS);
  if (missing.length) throw missingPackagesError(missing, process.getuid?.() === 0);
  const image = await resolveOrBuildImage(ctx, GNOME_SHELL_IMAGE, { events, signal });
  signal?.throwIfAborted();
  const project = await prepareGnomeShellProject(ctx, events);
  const loaded = await loadProject({ configPath: project.configPath });
  progress(events, `building gnome-shell ${project.source.version} into ${loaded.prefix} (the first build takes minutes)`);
  const build = await buildModules([GNOME_SHELL_MODULE], { project: loaded, libdir: image.libdir, events });
  return { ...project, image, build };
}

/** What to run next. Pure. */
export function nextGnomeShellSteps(result: Pick<GnomeShellProject, 'configPath' | 'source'>): string[] {
  const prefix = path.join(path.dirname(result.configPath), 'prefix');
  return [
    `gnome-shell's source: ${result.source.path} (js/ui/panel.js: the top bar says '${ACTIVITIES_MARKER}')`,
    `Boot the GNOME image with it: sim boot --detach --name gnome-shell --image ${GNOME_SHELL_IMAGE} --overlay ${prefix} --memory 2G --display gtk`,
    `After a change: sim rebuild-and-boot --config ${result.configPath} gnome-shell — it rebuilds and reboots that simulator in place, and the session comes back with the rebuilt shell.`,
  ];
}
