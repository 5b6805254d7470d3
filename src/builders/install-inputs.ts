/**
 * A fingerprint of everything `meson install` reads, so that a build where none of it changed
 * skips the install (a Python start-up and a copy of every file: a quarter of a second for
 * GLib) and the sync. Meson writes its install plan as JSON at configure time
 * (meson-info/intro-install_plan.json: every built or source file, and whole directories, with
 * where each goes); the fingerprint covers each of them by size and mtime, and the plan itself
 * (meson-private/install.dat). Install scripts can read anything: a build dir with any
 * (meson.add_install_script, gnome.post_install...) has no fingerprint, so it always installs.
 */
import { createHash } from 'node:crypto';
import { lstat, readdir, readFile } from 'node:fs/promises';
import path from 'node:path';

export const MESON_INSTALL_PLAN = path.join('meson-info', 'intro-install_plan.json');
export const MESON_INSTALL_DATA = path.join('meson-private', 'install.dat');
export interface MesonInstallState {
  fingerprint?: string;
  stageKey?: string;
  stamps?: Record<string, string>;
  /** The install plan as read, for the quick install (meson-quick-install.ts). */
  plan?: unknown;
}

/** The plan's single files whose stamp differs from the one recorded; undefined when a file is new. Pure. */
export function changedInputs(now: Record<string, string>, recorded: Record<string, string>): string[] | undefined {
  const changed: string[] = [];
  for (const [file, stamp] of Object.entries(now)) {
    const before = recorded[file];
    if (before === undefined) return undefined;
    if (before !== stamp) changed.push(file);
  }
  return changed;
}

/** The class meson pickles each install script as; its name is in install.dat iff it has one. */
const INSTALL_SCRIPT_CLASS = 'ExecutableSerialisation';

/** The absolute paths an install plan reads: single files, and directories copied whole. Pure. */
export function installInputs(plan: unknown): { files: string[]; dirs: string[] } | undefined {
  if (!plan || typeof plan !== 'object') return undefined;
  const files: string[] = [];
  const dirs: string[] = [];
  for (const [section, entries] of Object.entries(plan as Record<string, unknown>)) {
    if (!entries || typeof entries !== 'object') return undefined;
    for (const source of Object.keys(entries)) {
      if (!path.isAbsolute(source)) return undefined;
      (section === 'install_subdirs' ? dirs : files).push(source);
    }
  }
  return { files: files.sort(), dirs: dirs.sort() };
}

async function describe(file: string): Promise<string> {
  const s = await lstat(file, { bigint: true });
  return `${file}\0${s.mode}\0${s.size}\0${s.mtimeNs}`;
}

async function describeTree(dir: string, out: string[]): Promise<void> {
  out.push(await describe(dir));
  const entries = (await readdir(dir, { withFileTypes: true })).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const entry of entries) {
    const child = path.join(dir, entry.name);
    if (entry.isDirectory()) await describeTree(child, out);
    else out.push(await describe(child));
  }
}

/**
 * What meson install reads, in one pass over its plan: `fingerprint`, of every input (undefined
 * when it cannot be told: no plan, install scripts); `stageKey`, what a kept stage was installed
 * by (install.dat's size and mtime), undefined when the plan copies whole directories, since a
 * file deleted from one would stay in a kept stage, and with it in the prefix; `stamps`, each
 * single file's mode, size and mtime (with the fingerprint only), to tell which ones changed.
 */
export async function mesonInstallState(builddir: string): Promise<MesonInstallState> {
  try {
    const [planText, installData, installDataStat] = await Promise.all([
      readFile(path.join(builddir, MESON_INSTALL_PLAN), 'utf8'),
      readFile(path.join(builddir, MESON_INSTALL_DATA)),
      describe(path.join(builddir, MESON_INSTALL_DATA)),
    ]);
    const plan: unknown = JSON.parse(planText);
    const inputs = installInputs(plan);
    if (!inputs) return {};
    const stageKey = inputs.dirs.length ? undefined : installDataStat;
    if (installData.includes(INSTALL_SCRIPT_CLASS)) return { stageKey };
    const described = await Promise.all(inputs.files.map(describe));
    const lines = [planText, installDataStat, ...described];
    for (const dir of inputs.dirs) await describeTree(dir, lines);
    const stamps = Object.fromEntries(inputs.files.map((file, i) => [file, described[i]!]));
    return { fingerprint: createHash('sha256').update(lines.join('\n')).digest('hex'), stageKey, stamps, plan };
  } catch {
    return {};
  }
}
