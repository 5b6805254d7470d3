/**
 * Which steps of the guest's hot-reload refresh (guest/refresh) a rebuild calls for: the
 * triggers whose inputs changed, and the daemons whose configuration did. Dropping the
 * kernel's cached lookups of the share is always done (it is cheap). Pure.
 */

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

/** The guest command: the refresh with the steps to run (none: only drop the cached lookups). */
export function refreshCommand(steps: readonly string[]): string[] {
  return ['/run/sim/busybox', 'sh', '/run/sim/refresh', ...(steps.length ? steps : ['none'])];
}
