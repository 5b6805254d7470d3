/**
 * The prefix's directories that hold files processes map. In merge mode the guest settles them
 * (settlesPrefix, plan.ts; guest/lib/settle.sh): they and their parents stay the image's own
 * directories, with the prefix's files copied in. Those of a prefix's top that is layered whole
 * instead (/opt/NAME; usr/ on a read-only /usr) are the hot layer's in a guest told of builds
 * with a caching share (guest/lib/overlay-merge.sh): it copies their files into memory
 * (guest/lib/prefetch.sh) in a layer above the share, so that opening one costs no round trip
 * to the host; the overlay decides which layers a directory has when it first looks it up, so
 * the guest makes these directories before it layers the prefix, from this list. Worked out on
 * the host, where walking the prefix costs milliseconds.
 */
import path from 'node:path';
import { MAPPED } from './mapped-paths.js';
import { walkPrefix } from './prefix-walk.js';

/** More directories than this are not layered (the config line would grow without bound). */
export const MAX_HOT_DIRS = 500;

/** A directory the guest's word list can carry (the guest config splits on spaces). */
const WORD = /^[A-Za-z0-9_./@:+-]+$/;

/** Prefix-relative directories, sorted; the parents of each are made too, by mkdir -p. */
export async function prefixHotDirs(prefix: string): Promise<string[]> {
  const dirs = new Set<string>();
  await walkPrefix(prefix, (rel, entry) => {
    if (rel.includes('/') && (entry.isFile() || entry.isSymbolicLink()) && MAPPED.test(rel)) dirs.add(path.posix.dirname(rel));
  });
  return [...dirs].filter((dir) => WORD.test(dir)).sort().slice(0, MAX_HOT_DIRS);
}
