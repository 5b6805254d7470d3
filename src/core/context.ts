/**
 * sim's context: every directory it keeps state in, resolved once from the environment, and the
 * environment itself (what child processes get and where tools are looked up: PATH, SIM_BUSYBOX,
 * SIM_ACCEL, DISPLAY). The CLI, the library entry and the simulator daemon each resolve it once
 * and pass it down as the first parameter (`ctx`); no other code reads the environment to find
 * a directory (test/unit/core/context-guard.test.ts keeps it so). Helpers that only look up
 * tools or set up a child (which, findStaticBusybox, resolveDisplay) still take an env: `ctx.env`.
 */
import os from 'node:os';
import path from 'node:path';

export interface SimDirs {
  /** $SIM_CACHE_DIR, else $XDG_CACHE_HOME/sim, else ~/.cache/sim. */
  readonly cache: string;
  /**
   * Per-user runtime state (sockets, session disks, running simulators): $SIM_RUNTIME_DIR, else
   * $XDG_RUNTIME_DIR/sim, else a private directory under the cache. Kept out of /tmp so that
   * other users cannot see or race it.
   */
  readonly runtime: string;
  /** The image store, one directory per image id. */
  readonly images: string;
  /** Image build work directories and build locks. */
  readonly builds: string;
  /** Cached base initramfs archives. */
  readonly initramfs: string;
  /** Saved booted guests for quick boot (src/snapshots/), one directory per key. */
  readonly snapshots: string;
  /** `sim demo`'s own project. */
  readonly demo: string;
  /** One private directory per foreground boot. */
  readonly sessions: string;
  /** One directory per detached simulator. */
  readonly simulators: string;
}

export interface SimContext {
  readonly dirs: SimDirs;
  /** The accelerator verdict cached per host. */
  readonly accelCache: string;
  readonly env: NodeJS.ProcessEnv;
}

/** Pure over `env` (and the home directory). */
export function resolveContext(env: NodeJS.ProcessEnv = process.env): SimContext {
  const cache = env.SIM_CACHE_DIR
    ? path.resolve(env.SIM_CACHE_DIR)
    : env.XDG_CACHE_HOME
      ? path.join(path.resolve(env.XDG_CACHE_HOME), 'sim')
      : path.join(os.homedir(), '.cache', 'sim');
  const runtime = env.SIM_RUNTIME_DIR
    ? path.resolve(env.SIM_RUNTIME_DIR)
    : env.XDG_RUNTIME_DIR
      ? path.join(path.resolve(env.XDG_RUNTIME_DIR), 'sim')
      : path.join(cache, 'run');
  const dirs: SimDirs = {
    cache,
    runtime,
    images: path.join(cache, 'images'),
    builds: path.join(cache, 'build'),
    initramfs: path.join(cache, 'initramfs'),
    snapshots: path.join(cache, 'snapshots'),
    demo: path.join(cache, 'demo'),
    sessions: path.join(runtime, 'sessions'),
    simulators: path.join(runtime, 'sims'),
  };
  return Object.freeze({ dirs: Object.freeze(dirs), accelCache: path.join(cache, 'accel.json'), env });
}

/** How the library's entry points take their context: an explicit one, else one from `env`. */
export interface ContextOptions {
  env?: NodeJS.ProcessEnv;
  /** Already resolved; wins over `env`. */
  context?: SimContext;
}

export function contextFrom(options: ContextOptions = {}): SimContext {
  return options.context ?? resolveContext(options.env ?? process.env);
}

/** The cache root (the library's `cacheDir`). */
export function cacheDir(env: NodeJS.ProcessEnv = process.env): string {
  return resolveContext(env).dirs.cache;
}

/** The runtime root (the library's `runtimeDir`). */
export function runtimeDir(env: NodeJS.ProcessEnv = process.env): string {
  return resolveContext(env).dirs.runtime;
}
