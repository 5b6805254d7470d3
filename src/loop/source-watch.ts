/**
 * Watching modules' sources for `rebuild-and-boot --watch`: inotify through fs.watch (recursive
 * on Linux since Node 20), the events of one save gathered (an editor's save is several: a
 * temporary file, a rename, a chmod) and handed on as the set of changed paths. What is not a
 * source is left out by a pure rule.
 */
import { watch, type FSWatcher } from 'node:fs';
import path from 'node:path';

/** Editors' own files beside the one being saved: vim's swap files and its write test, backups, Emacs' locks and autosaves. */
const EDITOR_FILE = /(^|\/)(\.#[^/]*|#[^/]*#|[^/]*~|[^/]*\.sw[a-p]|4913)$/;

/**
 * Whether a change at `rel` (relative to a watched source directory) can change a build: not in
 * a hidden directory or file (.git, .sim: the build dirs and the prefix of a project whose module
 * is its root), not an editor's own file, not inside `ignored` (absolute directories: the
 * project's builds and prefix wherever they are). Pure.
 */
export function isSourceChange(dir: string, rel: string, ignored: readonly string[]): boolean {
  if (!rel || rel.split('/').some((part) => part.startsWith('.'))) return false;
  if (EDITOR_FILE.test(rel)) return false;
  const abs = path.join(dir, rel);
  return !ignored.some((d) => abs === d || abs.startsWith(`${d}/`));
}

export interface SourceWatch {
  close(): void;
}

/**
 * Watch `dirs`; `onChange` gets the absolute paths that changed, once no event has come for
 * `settleMs`. `onError`: a directory that cannot be watched (gone, unreadable).
 */
export function watchSources(dirs: readonly string[], ignored: readonly string[], onChange: (paths: string[]) => void, options: { settleMs?: number; onError?: (error: Error) => void } = {}): SourceWatch {
  const settleMs = options.settleMs ?? 20;
  let pending = new Set<string>();
  let timer: NodeJS.Timeout | undefined;
  const watchers: FSWatcher[] = [];
  const flush = () => {
    timer = undefined;
    const paths = [...pending].sort();
    pending = new Set();
    if (paths.length) onChange(paths);
  };
  for (const dir of new Set(dirs)) {
    const watcher = watch(dir, { recursive: true }, (_event, file) => {
      const rel = file ? String(file) : '';
      if (!isSourceChange(dir, rel, ignored)) return;
      pending.add(path.join(dir, rel));
      clearTimeout(timer);
      timer = setTimeout(flush, settleMs);
    });
    watcher.on('error', (error) => options.onError?.(error));
    watchers.push(watcher);
  }
  return {
    close() {
      clearTimeout(timer);
      for (const w of watchers) w.close();
    },
  };
}
