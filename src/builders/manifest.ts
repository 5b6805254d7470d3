/**
 * Which files in the prefix each module installed, so that files a module no longer installs
 * can be removed. Kept inside the prefix (it describes the prefix), one JSON file per module.
 */
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { writeJsonAtomic } from '../core/atomic.js';

const manifestSchema = z.object({ schema: z.literal(1), module: z.string(), files: z.array(z.string()) });

export function stateDir(prefix: string): string {
  return path.join(prefix, '.sim');
}

function manifestPath(prefix: string, module: string): string {
  return path.join(stateDir(prefix), 'manifests', `${module}.json`);
}

/** Paths must stay inside the prefix, whatever the file says. */
const isSafe = (rel: string) => rel !== '' && !path.isAbsolute(rel) && !rel.split('/').includes('..');

export async function readManifest(prefix: string, module: string): Promise<string[]> {
  const text = await readFile(manifestPath(prefix, module), 'utf8').catch(() => undefined);
  if (text === undefined) return [];
  try {
    const parsed = manifestSchema.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data.files.filter(isSafe) : [];
  } catch {
    return [];
  }
}

/** Files installed by every other module sharing the prefix: never removed on this module's behalf. */
export async function filesOfOtherModules(prefix: string, module: string): Promise<Set<string>> {
  const entries = await readdir(path.join(stateDir(prefix), 'manifests')).catch(() => [] as string[]);
  const others = entries.filter((e) => e.endsWith('.json') && e !== `${module}.json`).map((e) => e.slice(0, -'.json'.length));
  const owned = new Set<string>();
  for (const other of others) for (const file of await readManifest(prefix, other)) owned.add(file);
  return owned;
}

export async function writeManifest(prefix: string, module: string, files: string[]): Promise<void> {
  await writeJsonAtomic(manifestPath(prefix, module), { schema: 1, module, files });
}
