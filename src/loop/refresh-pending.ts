/**
 * What a guest may not have been told: the replaced files (and refresh steps) of a refresh that
 * was under way when its client went away (killed: an IDE's Stop is SIGKILL). The daemon then
 * ends that request in the guest, maybe halfway, and the guest could go on serving what it
 * cached of those files. So each refresh first notes its files in the simulator's directory,
 * takes in what an earlier one left there, and clears the note once the guest has done it.
 */
import { readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';

export interface RefreshScope {
  changed: string[];
  steps: string[];
}

const pendingFile = (dir: string) => path.join(dir, 'refresh-pending.json');

/** This refresh's scope with what an earlier one did not finish, noted until clearPending. */
export async function notePending(dir: string, scope: RefreshScope): Promise<RefreshScope> {
  const earlier = await readFile(pendingFile(dir), 'utf8')
    .then((text) => JSON.parse(text) as Partial<RefreshScope>)
    .catch((): Partial<RefreshScope> => ({}));
  const union = (a: readonly string[], b: unknown) => [...new Set([...a, ...(Array.isArray(b) ? b.filter((x): x is string => typeof x === 'string') : [])])];
  const all = { changed: union(scope.changed, earlier.changed), steps: union(scope.steps, earlier.steps) };
  if (all.changed.length || all.steps.length) await writeFile(pendingFile(dir), JSON.stringify(all));
  return all;
}

export async function clearPending(dir: string): Promise<void> {
  await rm(pendingFile(dir), { force: true });
}
