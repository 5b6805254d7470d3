/**
 * The install of an everyday edit without meson: when the install plan is the one that filled
 * the kept stage (same install.dat, no install scripts, no whole directories) and only some of
 * its single files changed, each changed file is copied over its staged copy, keeping what the
 * last `meson install` gave that copy: its mode and its ELF search paths (install_rpath instead
 * of the build tree's, depfixer's in-place rewrite; elf-runpath.ts). This saves meson's Python
 * start-up, a fifth of a second on every edit. Anything it cannot reproduce (strip, an unknown
 * install dir, a file not staged yet, a search path that would grow) answers false before a
 * byte is written, and meson install does the work as before.
 */
import { chmod, lstat, readFile, rename, utimes, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { tempSibling } from '../core/atomic.js';
import { readRunPaths, withRunPaths } from './elf-runpath.js';

const BUILD_OPTIONS = path.join('meson-info', 'intro-buildoptions.json');
/** Install dirs meson names after a target kind rather than an option. */
const LIBDIR_ALIASES = new Set(['libdir_shared', 'libdir_static', 'moduledir_shared']);

/**
 * The absolute guest path of an install plan destination such as `{libdir_shared}/libfoo.so.1`
 * or `{datadir}/foo/bar.xml`; undefined for a placeholder sim does not know. Pure.
 */
export function resolveDestination(destination: string, options: ReadonlyMap<string, string>): string | undefined {
  const prefix = options.get('prefix');
  if (!prefix || !path.posix.isAbsolute(prefix)) return undefined;
  let unknown = false;
  const resolved = destination.replace(/\{([a-z_]+)\}/g, (_, name: string) => {
    const value = options.get(LIBDIR_ALIASES.has(name) ? 'libdir' : name);
    if (value === undefined) unknown = true;
    return value === undefined ? '' : name === 'prefix' || path.posix.isAbsolute(value) ? value : path.posix.join(prefix, value);
  });
  if (unknown) return undefined;
  return path.posix.isAbsolute(resolved) ? path.posix.normalize(resolved) : path.posix.join(prefix, resolved);
}

/** Each source file of the plan and where it goes (single files only). Pure. */
export function planDestinations(plan: unknown): Map<string, string> {
  const out = new Map<string, string>();
  for (const [section, entries] of Object.entries((plan ?? {}) as Record<string, Record<string, { destination?: unknown }>>)) {
    if (section === 'install_subdirs' || !entries || typeof entries !== 'object') continue;
    for (const [source, entry] of Object.entries(entries)) if (typeof entry?.destination === 'string') out.set(source, entry.destination);
  }
  return out;
}

async function buildOptions(builddir: string): Promise<Map<string, string> | undefined> {
  const list = JSON.parse(await readFile(path.join(builddir, BUILD_OPTIONS), 'utf8')) as { name: string; value: unknown }[];
  const options = new Map<string, string>();
  for (const { name, value } of list) {
    if (name === 'strip' && value !== false) return undefined;
    if (typeof value === 'string') options.set(name, value);
  }
  return options;
}

interface Copy {
  source: string;
  staged: string;
  bytes: Buffer;
  mode: number;
  atime: Date;
  mtime: Date;
}

/** Plan each copy, reading everything first; undefined when meson install must do it. */
async function planCopies(builddir: string, stage: string, plan: unknown, changed: readonly string[]): Promise<Copy[] | undefined> {
  const options = await buildOptions(builddir);
  if (!options) return undefined;
  const destinations = planDestinations(plan);
  const copies: Copy[] = [];
  for (const source of changed) {
    const destination = destinations.get(source);
    const guestPath = destination === undefined ? undefined : resolveDestination(destination, options);
    if (!guestPath) return undefined;
    const staged = path.join(stage, guestPath);
    const [old, built] = await Promise.all([lstat(staged).catch(() => undefined), lstat(source).catch(() => undefined)]);
    if (!old?.isFile() || !built?.isFile()) return undefined;
    let bytes: Buffer = await readFile(source);
    const want = readRunPaths(await readFile(staged));
    const have = readRunPaths(bytes);
    if (want === 'unsupported' || have === 'unsupported' || (want === 'not-elf') !== (have === 'not-elf')) return undefined;
    if (want !== 'not-elf') {
      const fixed = withRunPaths(bytes, want);
      if (!fixed) return undefined;
      bytes = fixed;
    }
    copies.push({ source, staged, bytes, mode: old.mode & 0o7777, atime: built.atime, mtime: built.mtime });
  }
  return copies;
}

/** Copy the changed sources of the install plan (as mesonInstallState read it) into the kept stage; false: nothing was written, run meson install. */
export async function quickMesonInstall(builddir: string, stage: string, plan: unknown, changed: readonly string[]): Promise<boolean> {
  const copies = await planCopies(builddir, stage, plan, changed).catch(() => undefined);
  if (!copies) return false;
  for (const copy of copies) {
    const temp = tempSibling(copy.staged);
    await writeFile(temp, copy.bytes, { mode: copy.mode });
    await chmod(temp, copy.mode);
    // As meson's copystat: the staged copy carries the build's mtime, so --only-changed agrees.
    await utimes(temp, copy.atime, copy.mtime);
    await rename(temp, copy.staged);
  }
  return true;
}
