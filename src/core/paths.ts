import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The cache root: $SIM_CACHE_DIR, else $XDG_CACHE_HOME/sim, else ~/.cache/sim. */
export function cacheDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.SIM_CACHE_DIR) return path.resolve(env.SIM_CACHE_DIR);
  if (env.XDG_CACHE_HOME) return path.join(path.resolve(env.XDG_CACHE_HOME), 'sim');
  return path.join(os.homedir(), '.cache', 'sim');
}

/**
 * Per-user runtime state (sockets, session disks, running simulators): $SIM_RUNTIME_DIR, else
 * $XDG_RUNTIME_DIR/sim, else a private directory under the cache. Kept out of /tmp so that other
 * users cannot see or race it.
 */
export function runtimeDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.SIM_RUNTIME_DIR) return path.resolve(env.SIM_RUNTIME_DIR);
  if (env.XDG_RUNTIME_DIR) return path.join(path.resolve(env.XDG_RUNTIME_DIR), 'sim');
  return path.join(cacheDir(env), 'run');
}

/** The package root (where guest/, images/ and fixtures/ live), from dist/core/ or src/core/. */
export const packageRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

export const guestScriptsDir = path.join(packageRoot, 'guest');
export const recipesDir = path.join(packageRoot, 'images');
