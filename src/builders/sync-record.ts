/**
 * What the last successful sync of a module saw, kept in its build dir: each file's size and
 * mtime (to the nanosecond) in the stage and in the prefix, and the prefix copy's inode. A
 * file that still matches is the one the last sync compared or wrote, so it is not read again;
 * anything else (a rebuilt output, a prefix file touched by another module or by hand) is
 * compared byte for byte as before. With meson, also the fingerprint of what `meson install`
 * reads (install-inputs.ts): when that and every prefix file are unchanged, there is nothing to
 * install or sync at all.
 */
import type { BigIntStats } from 'node:fs';
import { lstat, readFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { writeJsonAtomic } from '../core/atomic.js';

export const SYNC_RECORD_FILE = '.sim-sync-record.json';

/** [stage size, stage mtime ns, prefix size, prefix mtime ns, prefix inode], as decimal strings. */
export type FileStamp = readonly [string, string, string, string, string];

const recordSchema = z.object({
  schema: z.literal(1),
  prefix: z.string(),
  /** The fingerprint of the install's inputs when this sync ran; absent: not known. */
  installInputs: z.string().optional(),
  /** What the kept stage was installed by (meson's install plan); absent: the stage is not kept. */
  stageKey: z.string().optional(),
  /** Each single file of the install plan as it was installed (install-inputs.ts stamps). */
  installStamps: z.record(z.string(), z.string()).optional(),
  files: z.record(z.string(), z.tuple([z.string(), z.string(), z.string(), z.string(), z.string()])),
});

export interface SyncRecord {
  prefix: string;
  installInputs?: string;
  stageKey?: string;
  installStamps?: Record<string, string>;
  files: Map<string, FileStamp>;
}

/** Pure. */
export function fileStamp(stage: BigIntStats, prefix: BigIntStats): FileStamp {
  return [String(stage.size), String(stage.mtimeNs), String(prefix.size), String(prefix.mtimeNs), String(prefix.ino)];
}

/** Pure. */
export function sameStamp(a: FileStamp, b: FileStamp): boolean {
  return a.every((v, i) => v === b[i]);
}

export async function readSyncRecord(builddir: string): Promise<SyncRecord | undefined> {
  const text = await readFile(path.join(builddir, SYNC_RECORD_FILE), 'utf8').catch(() => undefined);
  if (text === undefined) return undefined;
  try {
    const parsed = recordSchema.safeParse(JSON.parse(text));
    if (!parsed.success) return undefined;
    return { prefix: parsed.data.prefix, installInputs: parsed.data.installInputs, stageKey: parsed.data.stageKey, installStamps: parsed.data.installStamps, files: new Map(Object.entries(parsed.data.files) as [string, FileStamp][]) };
  } catch {
    return undefined;
  }
}

export async function writeSyncRecord(builddir: string, record: SyncRecord): Promise<void> {
  await writeJsonAtomic(path.join(builddir, SYNC_RECORD_FILE), {
    schema: 1,
    prefix: record.prefix,
    installInputs: record.installInputs,
    stageKey: record.stageKey,
    installStamps: record.installStamps,
    files: Object.fromEntries(record.files),
  });
}

/**
 * Whether the module's files are in the prefix as the last sync left them: each regular file
 * the record lists with its size, mtime and inode, each other file it owns (a symlink) still
 * there, and no file owned that the record lacks or the other way round.
 */
export async function prefixUnchanged(record: SyncRecord, prefix: string, owned: readonly string[]): Promise<boolean> {
  if (record.prefix !== prefix) return false;
  const ownedSet = new Set(owned);
  for (const rel of record.files.keys()) if (!ownedSet.has(rel)) return false;
  const checks = await Promise.all(owned.map(async (rel) => {
    const now = await lstat(path.join(prefix, rel), { bigint: true }).catch(() => undefined);
    const stamp = record.files.get(rel);
    if (!stamp) return now?.isSymbolicLink() === true;
    return now?.isFile() === true && String(now.size) === stamp[2] && String(now.mtimeNs) === stamp[3] && String(now.ino) === stamp[4];
  }));
  return checks.every(Boolean);
}
