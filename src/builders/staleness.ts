/**
 * When to configure: only when the build dir is new, the build system's own configure output
 * is gone, or the configure steps (argv, cwd, env) differ from the last successful configure.
 * The key is a hash stored in a stamp file in the build dir, written only after success.
 */
import { createHash } from 'node:crypto';
import { access, readFile } from 'node:fs/promises';
import path from 'node:path';
import { writeFileAtomic } from '../core/atomic.js';
import type { BuildPlan } from './types.js';

export const STAMP_FILE = '.sim-configure-stamp';
/** Bump when sim changes how it configures, so existing build dirs are redone. */
const KEY_VERSION = 1;

export function configureKey(plan: BuildPlan): string {
  const steps = plan.configure.map((s) => ({ argv: s.argv, cwd: s.cwd, env: Object.entries(s.env).sort() }));
  return createHash('sha256').update(JSON.stringify({ v: KEY_VERSION, system: plan.system, steps })).digest('hex');
}

export async function needsConfigure(plan: BuildPlan, builddir: string): Promise<boolean> {
  if (plan.configure.length === 0) return false;
  const stamp = await readFile(path.join(builddir, STAMP_FILE), 'utf8').catch(() => undefined);
  if (stamp?.trim() !== configureKey(plan)) return true;
  if (!plan.configuredMarker) return false;
  return access(path.join(builddir, plan.configuredMarker)).then(() => false, () => true);
}

export async function writeStamp(plan: BuildPlan, builddir: string): Promise<void> {
  await writeFileAtomic(path.join(builddir, STAMP_FILE), `${configureKey(plan)}\n`);
}
