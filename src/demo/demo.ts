/**
 * `sim demo`: the main job in one command. GLib is rebuilt from Debian's own source package for
 * the default image's suite (with a one-line change that makes `gio version` say so), built by
 * sim's meson builder into a prefix, and the default image is booted with that prefix; in the
 * guest a script shows the rebuilt program and library winning over the image's own — for a
 * PATH lookup, the dynamic linker and a systemd service.
 *
 * Everything lives in <cache>/demo/, laid out like any sim project (sim.json, prefix/, .sim/build/),
 * so that `sim rebuild-and-boot --config <cache>/demo` continues from there. A second run fetches
 * nothing, its build is a no-op and the boot reuses the cached image and initramfs.
 * Nothing is installed on the host: missing Debian packages are named, with the apt-get command.
 */
import { access, mkdir, mkdtemp, readdir, readFile, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { boot, type BootResult } from '../boot/boot.js';
import { buildModules, type BuildModulesResult } from '../builders/index.js';
import { writeFileAtomic, writeJsonAtomic } from '../core/atomic.js';
import { withLock } from '../core/lock.js';
import type { ImageMeta } from '../images/meta.js';
import { SimError } from '../core/errors.js';
import { emit, stopwatch, type EventSink } from '../core/events.js';
import { loadRecipe, type Recipe } from '../images/recipe.js';
import { findImage } from '../images/store.js';
import { DEFAULT_IMAGE, resolveOrBuildImage } from '../images/default.js';
import { findStaticBusybox } from '../initramfs/busybox.js';
import type { SimContext } from '../core/context.js';
import { packageRoot } from '../core/paths.js';
import { run, which } from '../core/process.js';
import { loadProject } from '../config/project.js';

/** Debian's source package and the module name in the demo's sim.json. */
export const DEMO_SOURCE_PACKAGE = 'glib2.0';
export const DEMO_MODULE = 'glib';

/**
 * A cheap GLib configuration: no tests, docs, introspection or optional system libraries, and
 * never a download of a missing dependency (the pre-check names the package instead).
 * The ABI is GLib's own, so the image's programs run with the rebuilt libraries.
 */
export const DEMO_MESON_OPTIONS = [
  '-Dtests=false',
  '-Dinstalled_tests=false',
  '-Dgtk_doc=false',
  '-Dman=false',
  '-Dlibmount=disabled',
  '-Dselinux=disabled',
  '-Dlibelf=disabled',
  '-Dnls=disabled',
  '-Dsysprof=disabled',
  '-Ddtrace=false',
  '-Dsystemtap=false',
  '--wrap-mode=nodownload',
];

const DEBIAN_KEYRING = '/usr/share/keyrings/debian-archive-keyring.gpg';

// ---------------------------------------------------------------------------------------------
// What the host needs

type Need = 'boot' | 'image' | 'source' | 'build';

export interface Requirement {
  need: Need;
  /** What is looked for, as shown to the user: a program, a pkg-config module, a file. */
  what: string;
  /** The Debian package that provides it. */
  pkg: string;
  present: (env: NodeJS.ProcessEnv) => Promise<boolean>;
}

const program = (name: string) => async (env: NodeJS.ProcessEnv) => Boolean(await which(name, env));
const file = (p: string) => async () => access(p).then(() => true, () => false);
const pkgConfig = (module: string) => async (env: NodeJS.ProcessEnv) =>
  Boolean(await which('pkg-config', env)) && (await run('pkg-config', ['--exists', module], { env, allowFailure: true })).exitCode === 0;
const python = (module: string) => async (env: NodeJS.ProcessEnv) =>
  Boolean(await which('python3', env)) && (await run('python3', ['-c', `import ${module}`], { env, allowFailure: true })).exitCode === 0;

export const DEMO_REQUIREMENTS: Requirement[] = [
  { need: 'boot', what: 'qemu-system-x86_64', pkg: 'qemu-system-x86', present: program('qemu-system-x86_64') },
  { need: 'boot', what: 'qemu-img', pkg: 'qemu-utils', present: program('qemu-img') },
  { need: 'boot', what: 'a static busybox', pkg: 'busybox-static', present: (env) => findStaticBusybox(env).then(() => true, () => false) },
  { need: 'image', what: 'mmdebstrap', pkg: 'mmdebstrap', present: program('mmdebstrap') },
  { need: 'image', what: 'mke2fs', pkg: 'e2fsprogs', present: program('mke2fs') },
  { need: 'image', what: 'debugfs', pkg: 'e2fsprogs', present: program('debugfs') },
  { need: 'image', what: 'sfdisk', pkg: 'fdisk', present: program('sfdisk') },
  // A normal user builds the image in a user namespace (see src/images/userns.ts).
  { need: 'image', what: 'newuidmap', pkg: 'uidmap', present: async (env) => process.getuid?.() === 0 || program('newuidmap')(env) },
  { need: 'source', what: 'apt-get', pkg: 'apt', present: program('apt-get') },
  { need: 'source', what: 'dpkg-source', pkg: 'dpkg-dev', present: program('dpkg-source') },
  { need: 'source', what: 'xz', pkg: 'xz-utils', present: program('xz') },
  { need: 'source', what: DEBIAN_KEYRING, pkg: 'debian-archive-keyring', present: file(DEBIAN_KEYRING) },
  { need: 'build', what: 'meson', pkg: 'meson', present: program('meson') },
  { need: 'build', what: 'ninja', pkg: 'ninja-build', present: program('ninja') },
  { need: 'build', what: 'cc', pkg: 'gcc', present: program('cc') },
  { need: 'build', what: 'the C library headers', pkg: 'libc6-dev', present: file('/usr/include/stdio.h') },
  { need: 'build', what: 'pkg-config', pkg: 'pkgconf', present: program('pkg-config') },
  { need: 'build', what: "python3's distutils", pkg: 'python3-distutils', present: python('distutils.version') },
  { need: 'build', what: 'libffi.pc', pkg: 'libffi-dev', present: pkgConfig('libffi') },
  { need: 'build', what: 'libpcre2-8.pc', pkg: 'libpcre2-dev', present: pkgConfig('libpcre2-8') },
  { need: 'build', what: 'zlib.pc', pkg: 'zlib1g-dev', present: pkgConfig('zlib') },
];

/** The requirements not met for the given needs. */
export async function missingRequirements(needs: readonly Need[], env: NodeJS.ProcessEnv = process.env, requirements = DEMO_REQUIREMENTS): Promise<Requirement[]> {
  const wanted = requirements.filter((r) => needs.includes(r.need));
  const present = await Promise.all(wanted.map((r) => r.present(env).catch(() => false)));
  return wanted.filter((_, i) => !present[i]);
}

/** One error naming every missing package and the command that installs them. Pure. */
export function missingPackagesError(missing: readonly Pick<Requirement, 'what' | 'pkg'>[], asRoot: boolean): SimError {
  const packages = [...new Set(missing.map((r) => r.pkg))];
  const list = packages
    .map((pkg) => {
      const what = missing.filter((r) => r.pkg === pkg && r.what !== pkg).map((r) => r.what);
      return what.length ? `${pkg} (${what.join(', ')})` : pkg;
    })
    .join(', ');
  return new SimError(
    'TOOL_MISSING',
    `The demo needs ${packages.length === 1 ? 'a Debian package that is' : `${packages.length} Debian packages that are`} not installed: ${list}.`,
    `Install ${packages.length === 1 ? 'it' : 'them'} with: ${asRoot ? '' : 'sudo '}apt-get install ${packages.join(' ')}`,
  );
}

// ---------------------------------------------------------------------------------------------
// GLib's source, from the image's suite

/**
 * deb-src lines for the suite the image is built from: the recipe's mirror, else what
 * mmdebstrap uses by default (the suite, its -updates and its -security). Pure.
 */
export function aptSourcesList(recipe: Pick<Recipe, 'suite' | 'mirror'>, keyring?: string): string {
  const options = keyring ? ` [signed-by=${keyring}]` : '';
  const line = (uri: string, suite: string) => `deb-src${options} ${uri} ${suite} main\n`;
  if (recipe.mirror) return line(recipe.mirror, recipe.suite);
  const rolling = ['sid', 'unstable', 'experimental', 'rc-buggy'].includes(recipe.suite);
  return [
    line('http://deb.debian.org/debian', recipe.suite),
    ...(rolling ? [] : [line('http://deb.debian.org/debian', `${recipe.suite}-updates`), line('http://deb.debian.org/debian-security', `${recipe.suite}-security`)]),
  ].join('');
}

/** apt-get options that keep every bit of apt state in `aptDir` (the system's apt is untouched). */
export function privateAptOptions(aptDir: string, asRoot: boolean): string[] {
  const o = (setting: string) => ['-o', setting];
  return [
    '-q',
    ...o(`Dir::Etc::SourceList=${path.join(aptDir, 'sources.list')}`),
    ...o('Dir::Etc::SourceParts=/dev/null'),
    ...o(`Dir::State::Lists=${path.join(aptDir, 'lists')}`),
    ...o(`Dir::Cache=${path.join(aptDir, 'cache')}`),
    // As root apt downloads as _apt, who cannot write into the cache dir; there is nothing to gain.
    ...(asRoot ? o('APT::Sandbox::User=root') : []),
  ];
}

/** The text that marks the rebuilt `gio version`. */
export function demoMarker(debianVersion: string): string {
  return `rebuilt by sim from Debian's ${DEMO_SOURCE_PACKAGE} ${debianVersion}`;
}

const GIO_VERSION_LINE = 'g_print ("%d.%d.%d\\n", glib_major_version, glib_minor_version, glib_micro_version);';

/** The one-line visible change: `gio version` says which source it was rebuilt from. Pure. */
export function patchGioVersion(source: string, debianVersion: string): string | undefined {
  if (!/^[A-Za-z0-9.+~:-]+$/.test(debianVersion) || !source.includes(GIO_VERSION_LINE)) return undefined;
  const patched = `g_print ("%d.%d.%d (${demoMarker(debianVersion)})\\n", glib_major_version, glib_minor_version, glib_micro_version);`;
  return source.replace(GIO_VERSION_LINE, patched);
}

const sourceStateSchema = z.object({ package: z.string(), version: z.string(), dir: z.string() });
export type DemoSource = z.infer<typeof sourceStateSchema>;

export async function readSourceState(dir: string): Promise<DemoSource | undefined> {
  const text = await readFile(path.join(dir, 'source.json'), 'utf8').catch(() => undefined);
  const parsed = text ? sourceStateSchema.safeParse(JSON.parse(text)) : undefined;
  if (!parsed?.success) return undefined;
  const isDir = await stat(path.join(dir, parsed.data.dir)).then((s) => s.isDirectory(), () => false);
  return isDir ? parsed.data : undefined;
}

export function progress(events: EventSink | undefined, message: string, done?: boolean): void {
  emit(events, { type: 'progress', task: 'demo', message, ...(done ? { done } : {}) });
}

/** A Debian source package to fetch, and the one visible change made to it. */
export interface SourceSpec {
  /** Debian's source package. */
  package: string;
  /** For messages: "GLib". */
  label: string;
  /** The file changed, relative to the unpacked tree. */
  file: string;
  /** The change; undefined when the file is not what it expects. Pure. */
  patch: (text: string, debianVersion: string) => string | undefined;
  /** Said when the patch does not apply. */
  mismatchHint: string;
}

export const GLIB_SOURCE: SourceSpec = {
  package: DEMO_SOURCE_PACKAGE,
  label: 'GLib',
  file: path.join('gio', 'gio-tool.c'),
  patch: patchGioVersion,
  mismatchHint: 'The demo expects the GLib 2.7x sources of Debian 12; check the suite in images/debian.json.',
};

/**
 * apt-get update + apt-get source with a private state dir, then the patch; published atomically
 * as `dir/src/PACKAGE-VERSION` with `dir/source.json` naming it. A second call finds it there.
 */
export async function fetchSource(dir: string, recipe: Recipe, spec: SourceSpec, events: EventSink | undefined, env: NodeJS.ProcessEnv): Promise<DemoSource> {
  return withLock(path.join(dir, '.source.lock'), async () => {
    const again = await readSourceState(dir);
    if (again) return again;
    const aptDir = path.join(dir, 'apt');
    await rm(aptDir, { recursive: true, force: true });
    for (const sub of ['lists/partial', 'cache/archives/partial']) await mkdir(path.join(aptDir, sub), { recursive: true });
    const keyring = await access(DEBIAN_KEYRING).then(() => DEBIAN_KEYRING, () => undefined);
    await writeFileAtomic(path.join(aptDir, 'sources.list'), aptSourcesList(recipe, keyring));
    const apt = privateAptOptions(aptDir, process.getuid?.() === 0);
    const aptEnv = { ...env, LC_ALL: 'C' };

    progress(events, `${spec.label} source: reading Debian's source index for ${recipe.suite} (private apt state in ${aptDir})`);
    await run('apt-get', [...apt, 'update'], { env: aptEnv });
    const work = await mkdtemp(path.join(dir, '.fetch-'));
    try {
      progress(events, `${spec.label} source: apt-get source ${spec.package}`);
      await run('apt-get', [...apt, '--only-source', 'source', spec.package], { cwd: work, env: aptEnv });
      const entries = await readdir(work, { withFileTypes: true });
      const dsc = entries.find((e) => e.isFile() && e.name.startsWith(`${spec.package}_`) && e.name.endsWith('.dsc'));
      const tree = entries.find((e) => e.isDirectory());
      if (!dsc || !tree) throw new SimError('TOOL_FAILED', `apt-get source ${spec.package} left no unpacked source tree.`, 'Run again with --verbose to see the commands; is dpkg-dev installed?');
      const version = dsc.name.slice(spec.package.length + 1, -'.dsc'.length);

      const changed = path.join(work, tree.name, spec.file);
      const patched = spec.patch(await readFile(changed, 'utf8'), version);
      if (!patched) throw new SimError('TOOL_FAILED', `${spec.package} ${version}: ${spec.file} is not what the demo knows how to change.`, spec.mismatchHint);
      await writeFileAtomic(changed, patched);

      const relative = path.join('src', `${spec.package}-${version}`);
      await mkdir(path.join(dir, 'src'), { recursive: true });
      await rm(path.join(dir, relative), { recursive: true, force: true });
      await rename(path.join(work, tree.name), path.join(dir, relative));
      const state: DemoSource = { package: spec.package, version, dir: relative };
      await writeJsonAtomic(path.join(dir, 'source.json'), state);
      return state;
    } finally {
      await rm(work, { recursive: true, force: true });
      // The source index is only needed for this one download (~20 MB).
      await rm(aptDir, { recursive: true, force: true });
    }
  });
}

/** The demo's sim.json: one meson module, the prefix next to it, the default image. Pure. */
export function demoProjectFile(source: DemoSource): Record<string, unknown> {
  return {
    image: DEFAULT_IMAGE,
    prefix: 'prefix',
    modules: {
      [DEMO_MODULE]: { source: source.dir, buildSystem: 'meson', kind: 'library', options: DEMO_MESON_OPTIONS },
    },
  };
}

async function writeProjectFile(dir: string, source: DemoSource): Promise<string> {
  const configPath = path.join(dir, 'sim.json');
  const text = `${JSON.stringify(demoProjectFile(source), null, 2)}\n`;
  if ((await readFile(configPath, 'utf8').catch(() => undefined)) !== text) await writeFileAtomic(configPath, text);
  return configPath;
}

// ---------------------------------------------------------------------------------------------
// In the guest

/** Run by `sh -c` in the booted guest: shows which gio and libglib are in use, exits 1 if not the rebuilt ones. */
export const GUEST_SCRIPT_FILE = path.join(packageRoot, 'fixtures', 'demo-glib', 'show-glib.sh');

// ---------------------------------------------------------------------------------------------
// The whole demo

export interface DemoOptions {
  events?: EventSink;
  signal?: AbortSignal;
  /** Milliseconds the guest may take to become ready (default: boot's own). */
  timeoutMs?: number;
}

export interface DemoResult {
  /** The in-guest script's status: 0 when the rebuilt GLib won everywhere. */
  exitCode: number;
  image: ImageMeta;
  source: DemoSource & { path: string };
  configPath: string;
  build: BuildModulesResult;
  boot: BootResult;
  totalMs: number;
}

export async function runDemo(ctx: SimContext, options: DemoOptions = {}): Promise<DemoResult> {
  const { events, signal } = options;
  const elapsed = stopwatch();
  const dir = ctx.dirs.demo;
  await mkdir(dir, { recursive: true });

  progress(events, 'checking the host for the packages the demo needs');
  const stored = await findImage(ctx, DEFAULT_IMAGE);
  const known = await readSourceState(dir);
  const needs: Need[] = ['boot', 'build', ...(stored ? [] : ['image' as const]), ...(known ? [] : ['source' as const])];
  const missing = await missingRequirements(needs, ctx.env);
  if (missing.length) throw missingPackagesError(missing, process.getuid?.() === 0);

  progress(events, stored ? `default image '${DEFAULT_IMAGE}'` : `building the default image '${DEFAULT_IMAGE}' (once)`);
  const image = await resolveOrBuildImage(ctx, DEFAULT_IMAGE, { events, signal });
  signal?.throwIfAborted();

  const recipe = (await loadRecipe(DEFAULT_IMAGE)).recipe;
  const source = known ?? (await fetchSource(dir, recipe, GLIB_SOURCE, events, ctx.env));
  const sourcePath = path.join(dir, source.dir);
  const configPath = await writeProjectFile(dir, source);
  const project = await loadProject({ configPath });
  signal?.throwIfAborted();

  const cold = !(await access(path.join(project.buildRoot, DEMO_MODULE, 'build.ninja')).then(() => true, () => false));
  if (cold) emit(events, { type: 'log', level: 'info', message: `first build of GLib ${source.version}: a few minutes (about one on 2 cores); later runs rebuild only what changed` });
  progress(events, `building GLib ${source.version} into ${project.prefix}`);
  const build = await buildModules([DEMO_MODULE], { project, libdir: image.libdir, events });
  signal?.throwIfAborted();

  progress(events, `booting '${DEFAULT_IMAGE}' with the rebuilt GLib layered on top`);
  const booted = await boot(ctx, { image: image.id, overlay: project.prefix, command: ['sh', '-c', await readFile(GUEST_SCRIPT_FILE, 'utf8')], events, signal, timeoutMs: options.timeoutMs });
  const totalMs = elapsed();
  progress(events, `demo finished in ${(totalMs / 1000).toFixed(1)} s`, true);
  return { exitCode: booted.exitCode, image, source: { ...source, path: sourcePath }, configPath, build, boot: booted, totalMs };
}

/** The lines that tell a person where things are and how to go on from here. Pure. */
export function nextSteps(result: Pick<DemoResult, 'source' | 'configPath'>): string[] {
  return [
    `GLib's source: ${result.source.path}`,
    `Change it (e.g. gio/gio-tool.c) and boot again with: sim rebuild-and-boot --config ${result.configPath} -- gio version`,
  ];
}

