/**
 * One walk of a prefix on the host, for what is worked out there before a boot (the hot layer's
 * directories, hot-dirs.ts; the files a resumed guest's processes may map, src/snapshots/
 * mapped-files.ts): sim's own .sim/ and the directories nothing maps from are not entered.
 */
import type { Dirent } from 'node:fs';
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { UNMAPPED_DIRS } from './mapped-paths.js';

/** Calls visit for each entry that is not a directory, with its prefix-relative path; concurrently. */
export async function walkPrefix(prefix: string, visit: (rel: string, entry: Dirent) => Promise<void> | void): Promise<void> {
  const walk = async (rel: string): Promise<void> => {
    const entries = await readdir(path.join(prefix, rel), { withFileTypes: true }).catch(() => []);
    await Promise.all(entries.map(async (entry) => {
      const child = rel ? `${rel}/${entry.name}` : entry.name;
      if (entry.isDirectory()) {
        if (child !== '.sim' && !UNMAPPED_DIRS.has(child)) await walk(child);
      } else {
        await visit(child, entry);
      }
    }));
  };
  await walk('');
}
