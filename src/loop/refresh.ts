/**
 * The guest's hot-reload refresh (guest/refresh) for a rebuild: which steps it calls for (the
 * triggers whose inputs changed, the daemons whose configuration did), what it stops and starts
 * around dropping the kernel's cached lookups of the share (always done: it is cheap), and which
 * replaced files it looks for in running processes' mappings and copies again. Pure, but for
 * expectedBytes.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';

/** Prefix-relative path patterns -> the refresh step they need (names as in guest/lib/triggers.sh). */
const STEPS: [RegExp, string][] = [
  [/\.so(\.\d+)*$/, 'ldconfig'],
  [/^usr\/share\/glib-2\.0\/schemas\//, 'gsettings-schemas'],
  [/\/gio\/modules\//, 'gio-modules'],
  [/^usr\/share\/applications\//, 'desktop-database'],
  [/^usr\/share\/mime\//, 'mime-database'],
  [/^usr\/share\/icons\//, 'icon-cache'],
  [/^usr\/share\/fonts\//, 'fontconfig'],
  [/(^|\/)systemd\/(system|user)(\/|-generators\/|\.conf)/, 'systemd'],
  [/(^|\/)dbus-1\//, 'dbus'],
  [/(^|\/)udev\/rules\.d\//, 'udev'],
];

export function refreshSteps(files: readonly string[]): string[] {
  const steps = new Set<string>();
  for (const file of files) for (const [pattern, step] of STEPS) if (pattern.test(file)) steps.add(step);
  return [...steps];
}


/** More replaced files than this are not all named (the command would grow too long). */
export const MAX_CHANGED = 2000;

/**
 * The replaced files the guest is told of: every one (a settled usr/, guest/lib/settle.sh, holds
 * copies of data files beside the programs and libraries too), up to MAX_CHANGED.
 */
export function changedFiles(files: readonly string[]): string[] {
  return files.slice(0, MAX_CHANGED);
}

/** Whether changedFiles names every replaced file (the guest then updates only those). */
export function changedFilesComplete(files: readonly string[]): boolean {
  return files.length <= MAX_CHANGED;
}

/** The MD5 of each replaced file now in the prefix (a removed one has none). */
export async function expectedBytes(prefix: string, files: readonly string[]): Promise<{ file: string; md5: string }[]> {
  const out: { file: string; md5: string }[] = [];
  for (const file of changedFiles(files)) {
    const bytes = await readFile(path.join(prefix, file)).catch(() => undefined);
    if (bytes) out.push({ file, md5: createHash('md5').update(bytes).digest('hex') });
  }
  return out;
}

export interface RefreshRequest {
  /** Trigger and daemon steps (refreshSteps); none: only the cached lookups are dropped. */
  steps: readonly string[];
  /** systemd units stopped before the lookups are dropped and started after the refresh. */
  stop?: readonly string[];
  /** Processes (by name) ended before the lookups are dropped. */
  kill?: readonly string[];
  /** Prefix-relative files the rebuild replaced (or removed): a process still mapping one is reported, the hot layer's copies go, settled copies are made again. */
  changed?: readonly string[];
  /** Replaced files with the MD5 of the bytes the sync wrote: the guest drops its caches until it reads them. */
  expect?: readonly { file: string; md5: string }[];
  /** Run after the refresh, in the same round trip (refresh-output.ts tells its output apart). */
  command?: readonly string[];
  /** With a command: when a process still maps a replaced file, do not run it (the host reboots first). */
  rebootWhenInUse?: boolean;
}

/** The guest command for a refresh. */
export function refreshCommand(request: RefreshRequest): string[] {
  const option = (name: string, values: readonly string[] = []) => values.flatMap((value) => [name, value]);
  return [
    '/run/sim/busybox', 'sh', '/run/sim/refresh',
    ...option('--stop', request.stop),
    ...option('--kill', request.kill),
    ...option('--changed', changedFiles(request.changed ?? [])),
    // Without it, the guest drops every copy of its hot layer and settles every file again (a
    // refresh run by hand does too).
    ...(changedFilesComplete(request.changed ?? []) ? ['--complete'] : []),
    ...(request.expect ?? []).flatMap((e) => ['--expect', e.file, e.md5]),
    ...(request.command?.length && request.rebootWhenInUse ? ['--reboot-when-in-use'] : []),
    ...(request.steps.length ? request.steps : ['none']),
    ...(request.command?.length ? ['--', ...request.command] : []),
  ];
}
