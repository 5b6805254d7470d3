/**
 * Which of a prefix's files processes map (programs, shared objects and modules, typelibs,
 * GResource bundles), by prefix-relative path, and the directories nothing maps from. One list
 * for the host's refresh (src/loop/refresh.ts), the quick boot's walk (src/snapshots/) and the
 * hot layer (hot-dirs.ts); the guest's copy is PREFETCH_MAPPED in guest/lib/prefetch.sh, which
 * a unit test holds to this one. Pure.
 */
export const MAPPED = /(^|\/)(s?bin|libexec)\/|\.so(\.\d+)*$|\.typelib$|\.gresource$/;

/** Directories no process maps from: not walked (guest/lib/prefetch.sh's PREFETCH_SKIP). */
export const UNMAPPED_DIRS: ReadonlySet<string> = new Set(['usr/include', 'usr/share/locale', 'usr/share/doc', 'usr/share/man', 'usr/share/gtk-doc', 'usr/share/help', 'usr/share/icons']);
